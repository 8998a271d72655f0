//! Errors produced while decoding or validating bytecode.

use crate::prelude::*;
use core::fmt;

/// Why a byte string is not a valid tinyvm program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The file does not start with `TVMB`.
    BadMagic {
        found: Vec<u8>,
    },
    UnsupportedVersion {
        found: u8,
        supported: u8,
    },
    UnexpectedEof {
        offset: usize,
        needed: usize,
        what: &'static str,
    },
    InvalidOpcode {
        offset: usize,
        opcode: u8,
    },
    InvalidOperand {
        offset: usize,
        opcode: u8,
        operand: i64,
    },
    InvalidUtf8 {
        offset: usize,
    },
    TrailingBytes {
        offset: usize,
        count: usize,
    },
    TooMany {
        what: &'static str,
        count: u64,
        limit: u64,
    },
    NoFunctions,
    BadEntry {
        entry: u32,
        count: usize,
    },
    EntryHasParams {
        function: String,
        params: u8,
    },
    DuplicateFunction(String),
    TooManyParams {
        function: String,
        params: u8,
        locals: u16,
    },
    BadCall {
        function: String,
        pc: usize,
        target: u32,
    },
    BadConstant {
        function: String,
        pc: usize,
        index: u32,
    },
    BadLocal {
        function: String,
        pc: usize,
        slot: u16,
        locals: u16,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DecodeError::*;
        match self {
            BadMagic { found } => write!(
                f,
                "not a tinyvm bytecode file (expected magic \"TVMB\", found {:02x?})",
                found
            ),
            UnsupportedVersion { found, supported } => write!(
                f,
                "unsupported bytecode version {found} (this build reads version {supported})"
            ),
            UnexpectedEof { offset, needed, what } => write!(
                f,
                "unexpected end of file at offset {offset:#x}: needed {needed} more byte(s) for {what}"
            ),
            InvalidOpcode { offset, opcode } => {
                write!(f, "invalid opcode {opcode:#04x} at offset {offset:#x}")
            }
            InvalidOperand { offset, opcode, operand } => write!(
                f,
                "operand {operand} out of range for opcode {opcode:#04x} at offset {offset:#x}"
            ),
            InvalidUtf8 { offset } => write!(f, "invalid UTF-8 in string at offset {offset:#x}"),
            TrailingBytes { offset, count } => {
                write!(f, "{count} unexpected trailing byte(s) at offset {offset:#x}")
            }
            TooMany { what, count, limit } => {
                write!(f, "too many {what}: {count} (the limit is {limit})")
            }
            NoFunctions => f.write_str("program has no functions"),
            BadEntry { entry, count } => write!(
                f,
                "entry function index {entry} is out of range ({count} functions)"
            ),
            EntryHasParams { function, params } => write!(
                f,
                "entry function `{function}` must take no parameters (it takes {params})"
            ),
            DuplicateFunction(name) => write!(f, "duplicate function name `{name}`"),
            TooManyParams { function, params, locals } => write!(
                f,
                "function `{function}` has {params} parameters but only {locals} local slots"
            ),
            BadCall { function, pc, target } => write!(
                f,
                "{function}@{pc}: call to nonexistent function #{target}"
            ),
            BadConstant { function, pc, index } => write!(
                f,
                "{function}@{pc}: reference to nonexistent constant #{index}"
            ),
            BadLocal { function, pc, slot, locals } => write!(
                f,
                "{function}@{pc}: local slot {slot} out of range (function has {locals} locals)"
            ),
        }
    }
}

impl core::error::Error for DecodeError {}
