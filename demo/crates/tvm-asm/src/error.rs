//! Assembler errors.

use std::fmt;
use tvm_core::DecodeError;

/// A source position: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Everything that can go wrong while assembling.
#[derive(Debug, Clone, PartialEq)]
pub enum AsmError {
    UnexpectedChar {
        pos: Pos,
        ch: char,
    },
    UnterminatedString {
        pos: Pos,
    },
    BadEscape {
        pos: Pos,
        escape: String,
    },
    BadNumber {
        pos: Pos,
        text: String,
    },
    UnexpectedToken {
        pos: Pos,
        found: String,
        expected: &'static str,
    },
    UnknownInstruction {
        pos: Pos,
        name: String,
    },
    UnknownDirective {
        pos: Pos,
        name: String,
    },
    MissingOperand {
        pos: Pos,
        mnemonic: &'static str,
        expected: &'static str,
    },
    UnexpectedOperand {
        pos: Pos,
        mnemonic: &'static str,
    },
    OutOfRange {
        pos: Pos,
        what: &'static str,
        value: i64,
        min: i64,
        max: i64,
    },
    OutsideFunction {
        pos: Pos,
    },
    NestedFunction {
        pos: Pos,
        outer: String,
    },
    UnterminatedFunction {
        pos: Pos,
        name: String,
    },
    StrayEnd {
        pos: Pos,
    },
    Duplicate {
        pos: Pos,
        kind: &'static str,
        name: String,
        previous: Pos,
    },
    Undefined {
        pos: Pos,
        kind: &'static str,
        name: String,
    },
    NoMain,
    /// The assembled program failed bytecode validation.
    Invalid(DecodeError),
}

impl AsmError {
    /// Where the error was detected, if it has a position.
    pub fn pos(&self) -> Option<Pos> {
        use AsmError::*;
        match self {
            UnexpectedChar { pos, .. }
            | UnterminatedString { pos }
            | BadEscape { pos, .. }
            | BadNumber { pos, .. }
            | UnexpectedToken { pos, .. }
            | UnknownInstruction { pos, .. }
            | UnknownDirective { pos, .. }
            | MissingOperand { pos, .. }
            | UnexpectedOperand { pos, .. }
            | OutOfRange { pos, .. }
            | OutsideFunction { pos }
            | NestedFunction { pos, .. }
            | UnterminatedFunction { pos, .. }
            | StrayEnd { pos }
            | Duplicate { pos, .. }
            | Undefined { pos, .. } => Some(*pos),
            NoMain | Invalid(_) => None,
        }
    }

    fn message(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AsmError::*;
        match self {
            UnexpectedChar { ch, .. } => write!(f, "unexpected character {ch:?}"),
            UnterminatedString { .. } => f.write_str("unterminated string literal"),
            BadEscape { escape, .. } => write!(f, "invalid escape sequence `{escape}`"),
            BadNumber { text, .. } => write!(f, "invalid or out-of-range integer `{text}`"),
            UnexpectedToken {
                found, expected, ..
            } => write!(f, "expected {expected}, found {found}"),
            UnknownInstruction { name, .. } => write!(f, "unknown instruction `{name}`"),
            UnknownDirective { name, .. } => write!(
                f,
                "unknown directive `{name}` (expected .func, .end or .string)"
            ),
            MissingOperand {
                mnemonic, expected, ..
            } => write!(f, "`{mnemonic}` needs an operand: {expected}"),
            UnexpectedOperand { mnemonic, .. } => write!(f, "`{mnemonic}` takes no operand"),
            OutOfRange {
                what,
                value,
                min,
                max,
                ..
            } => write!(f, "{what} {value} is out of range ({min}..={max})"),
            OutsideFunction { .. } => {
                f.write_str("instructions and labels must be inside `.func` ... `.end`")
            }
            NestedFunction { outer, .. } => {
                write!(f, "`.func` inside function `{outer}` (missing `.end`?)")
            }
            UnterminatedFunction { name, .. } => {
                write!(f, "function `{name}` has no matching `.end`")
            }
            StrayEnd { .. } => f.write_str("`.end` without a matching `.func`"),
            Duplicate {
                kind,
                name,
                previous,
                ..
            } => write!(f, "{kind} `{name}` is already defined at {previous}"),
            Undefined { kind, name, .. } => write!(f, "undefined {kind} `{name}`"),
            NoMain => f.write_str("no `main` function defined"),
            Invalid(err) => write!(f, "invalid program: {err}"),
        }
    }
}

/// `line:col: message`, or just the message for errors without a position.
impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(pos) = self.pos() {
            write!(f, "{pos}: ")?;
        }
        self.message(f)
    }
}

impl std::error::Error for AsmError {}
