//! The lexer: source text -> tokens.
//!
//! Comments run from `;` to the end of the line. Newlines are tokens,
//! because the assembly language is line-oriented.

use crate::error::{AsmError, Pos};
use minilog::{debug, trace};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A name: instruction mnemonic, label, function or constant name.
    Ident(String),
    /// `.func`, `.end`, `.string` (stored without the dot).
    Directive(String),
    Int(i64),
    Str(String),
    Colon,
    Newline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub pos: Pos,
}

/// Human-readable description, used in "expected X, found Y" errors.
impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Ident(name) => write!(f, "`{name}`"),
            TokenKind::Directive(name) => write!(f, "directive `.{name}`"),
            TokenKind::Int(v) => write!(f, "integer {v}"),
            TokenKind::Str(s) => write!(f, "string {s:?}"),
            TokenKind::Colon => f.write_str("`:`"),
            TokenKind::Newline => f.write_str("end of line"),
        }
    }
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek2(&self) -> Option<char> {
        self.chars.get(self.i + 1).copied()
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn take_while(&mut self, pred: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek().filter(|&c| pred(c)) {
            s.push(c);
            self.bump();
        }
        s
    }

    fn number(&mut self, pos: Pos) -> Result<TokenKind, AsmError> {
        let mut text = String::new();
        if let Some(sign @ ('-' | '+')) = self.peek() {
            text.push(sign);
            self.bump();
        }
        text.push_str(&self.take_while(|c| c.is_ascii_alphanumeric() || c == '_'));
        parse_int(&text)
            .map(TokenKind::Int)
            .ok_or(AsmError::BadNumber { pos, text })
    }

    fn string(&mut self, pos: Pos) -> Result<TokenKind, AsmError> {
        self.bump(); // opening quote
        let mut s = String::new();
        loop {
            let esc_pos = self.pos();
            match self.bump() {
                None | Some('\n') => return Err(AsmError::UnterminatedString { pos }),
                Some('"') => return Ok(TokenKind::Str(s)),
                Some('\\') => s.push(self.escape(esc_pos)?),
                Some(c) => s.push(c),
            }
        }
    }

    fn escape(&mut self, pos: Pos) -> Result<char, AsmError> {
        let bad = |escape: String| AsmError::BadEscape { pos, escape };
        let c = self.bump().ok_or(AsmError::UnterminatedString { pos })?;
        Ok(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            '\\' | '"' | '\'' => c,
            'x' => {
                let hex: String = (0..2).filter_map(|_| self.bump()).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if b.is_ascii() => char::from(b),
                    _ => return Err(bad(format!("\\x{hex}"))),
                }
            }
            'u' => {
                if self.peek() != Some('{') {
                    return Err(bad("\\u".into()));
                }
                self.bump();
                let hex = self.take_while(|c| c.is_ascii_hexdigit());
                if self.bump() != Some('}') {
                    return Err(bad(format!("\\u{{{hex}")));
                }
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| bad(format!("\\u{{{hex}}}")))?
            }
            other => return Err(bad(format!("\\{other}"))),
        })
    }
}

/// Parse a decimal or `0x` hexadecimal integer with optional sign and `_`
/// separators. Returns `None` if malformed or outside the `i64` range.
pub fn parse_int(text: &str) -> Option<i64> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = match rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        Some(hex) => (16, hex),
        None => (10, rest),
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || digits.starts_with('+') || digits.starts_with('-') {
        return None;
    }
    let magnitude = i128::from(u64::from_str_radix(&digits, radix).ok()?);
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Split source text into tokens. The result always ends with a `Newline`.
pub fn tokenize(src: &str) -> Result<Vec<Token>, AsmError> {
    let mut lx = Lexer {
        chars: src.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut tokens = Vec::new();
    while let Some(c) = lx.peek() {
        let pos = lx.pos();
        let kind = match c {
            '\n' => {
                lx.bump();
                TokenKind::Newline
            }
            c if c.is_whitespace() => {
                lx.bump();
                continue;
            }
            ';' => {
                lx.take_while(|c| c != '\n');
                continue;
            }
            ':' => {
                lx.bump();
                TokenKind::Colon
            }
            '"' => lx.string(pos)?,
            '.' if lx.peek2().is_some_and(is_ident_start) => {
                lx.bump();
                TokenKind::Directive(lx.take_while(is_ident_char))
            }
            c if c.is_ascii_digit() => lx.number(pos)?,
            '-' | '+' if lx.peek2().is_some_and(|c| c.is_ascii_digit()) => lx.number(pos)?,
            c if is_ident_start(c) => TokenKind::Ident(lx.take_while(is_ident_char)),
            ch => return Err(AsmError::UnexpectedChar { pos, ch }),
        };
        trace!("{}: token {:?}", pos, kind);
        tokens.push(Token { kind, pos });
    }
    tokens.push(Token {
        kind: TokenKind::Newline,
        pos: lx.pos(),
    });
    debug!("lexed {} tokens from {} lines", tokens.len(), lx.line);
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn basic_tokens() {
        assert_eq!(
            kinds("loop: push -0x10 ; comment\n.func main 0 2\nprint_str \"a\\n\""),
            vec![
                Ident("loop".into()),
                Colon,
                Ident("push".into()),
                Int(-16),
                Newline,
                Directive("func".into()),
                Ident("main".into()),
                Int(0),
                Int(2),
                Newline,
                Ident("print_str".into()),
                Str("a\n".into()),
                Newline,
            ]
        );
    }

    #[test]
    fn integers() {
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("0xff"), Some(255));
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_int("12ab"), None);
        assert_eq!(parse_int("--1"), None);
        assert_eq!(parse_int("0x"), None);
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            kinds(r#""tab\t quote\" back\\ hex\x41 uni\u{e9} nul\0""#)[0],
            Str("tab\t quote\" back\\ hexA uni\u{e9} nul\0".into())
        );
    }

    #[test]
    fn positions_and_errors() {
        let toks = tokenize("  push 1\n\n  pop").unwrap();
        assert_eq!(toks[0].pos, Pos { line: 1, col: 3 });
        assert_eq!(toks[4].pos, Pos { line: 3, col: 3 });

        let err = tokenize("push 1\n  print_str \"oops\n").unwrap_err();
        assert_eq!(
            err,
            AsmError::UnterminatedString {
                pos: Pos { line: 2, col: 13 }
            }
        );
        assert_eq!(err.to_string(), "2:13: unterminated string literal");

        let err = tokenize("x \"\\q\"").unwrap_err();
        assert_eq!(err.to_string(), "1:4: invalid escape sequence `\\q`");
        assert!(matches!(
            tokenize("push 12x"),
            Err(AsmError::BadNumber { .. })
        ));
        assert!(matches!(
            tokenize("push @"),
            Err(AsmError::UnexpectedChar { ch: '@', .. })
        ));
    }
}
