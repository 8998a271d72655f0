//! The parser and assembler: tokens -> `Program`.
//!
//! Parsing happens line by line; references (labels, functions, named
//! strings) are collected and resolved once the whole file has been read,
//! so everything may be used before it is defined.

use crate::error::{AsmError, Pos};
use crate::lexer::{Token, TokenKind};
use minilog::{debug, info, trace, warn};
use std::collections::HashMap;
use tvm_core::{op_by_mnemonic, Function, Instr, OpInfo, OperandKind, Program};

/// An operand as written in the source.
#[derive(Debug, Clone, PartialEq)]
enum Operand {
    None,
    Int(i64),
    Name(String),
    /// An inline string literal, already interned: its constant index.
    Const(u32),
}

/// An instruction waiting for its operand to be resolved.
#[derive(Debug)]
struct Pending {
    info: &'static OpInfo,
    operand: Operand,
    pos: Pos,
}

#[derive(Debug)]
struct FuncBuilder {
    name: String,
    pos: Pos,
    params: u8,
    locals: u16,
    code: Vec<Pending>,
    /// label -> (instruction index, definition position)
    labels: HashMap<String, (u32, Pos)>,
}

#[derive(Debug, Default)]
pub struct Assembler {
    done: Vec<FuncBuilder>,
    current: Option<FuncBuilder>,
    constants: Vec<String>,
    /// constant text -> index, so equal strings share one constant
    interned: HashMap<String, u32>,
    /// `.string` name -> (index, definition position)
    string_names: HashMap<String, (u32, Pos)>,
}

fn unexpected(tok: &Token, expected: &'static str) -> AsmError {
    AsmError::UnexpectedToken {
        pos: tok.pos,
        found: tok.kind.to_string(),
        expected,
    }
}

/// Expect the line to end after `rest`.
fn end_of_line(rest: &[Token]) -> Result<(), AsmError> {
    match rest.first() {
        None => Ok(()),
        Some(tok) => Err(unexpected(tok, "end of line")),
    }
}

fn int_in_range(tok: &Token, what: &'static str, min: i64, max: i64) -> Result<i64, AsmError> {
    match tok.kind {
        TokenKind::Int(value) if (min..=max).contains(&value) => Ok(value),
        TokenKind::Int(value) => Err(AsmError::OutOfRange {
            pos: tok.pos,
            what,
            value,
            min,
            max,
        }),
        _ => Err(unexpected(tok, what)),
    }
}

impl Assembler {
    /// Assemble a whole token stream (as produced by `tokenize`).
    pub fn assemble(tokens: &[Token]) -> Result<Program, AsmError> {
        let mut asm = Assembler::default();
        for line in tokens.split(|t| t.kind == TokenKind::Newline) {
            asm.line(line)?;
        }
        asm.finish()
    }

    fn line(&mut self, mut toks: &[Token]) -> Result<(), AsmError> {
        // Any number of leading `label:` definitions.
        while let [Token {
            kind: TokenKind::Ident(name),
            pos,
        }, Token {
            kind: TokenKind::Colon,
            ..
        }, rest @ ..] = toks
        {
            self.label(name, *pos)?;
            toks = rest;
        }
        match toks {
            [] => Ok(()),
            [Token {
                kind: TokenKind::Directive(name),
                pos,
            }, rest @ ..] => self.directive(name, *pos, rest),
            [Token {
                kind: TokenKind::Ident(name),
                pos,
            }, rest @ ..] => self.instruction(name, *pos, rest),
            [tok, ..] => Err(unexpected(tok, "a label, directive or instruction")),
        }
    }

    fn current(&mut self, pos: Pos) -> Result<&mut FuncBuilder, AsmError> {
        self.current
            .as_mut()
            .ok_or(AsmError::OutsideFunction { pos })
    }

    fn label(&mut self, name: &str, pos: Pos) -> Result<(), AsmError> {
        let func = self.current(pos)?;
        let index = func.code.len() as u32;
        if let Some(&(_, previous)) = func.labels.get(name) {
            return Err(AsmError::Duplicate {
                pos,
                kind: "label",
                name: name.to_string(),
                previous,
            });
        }
        trace!("{}: label {:?} -> {}@{}", pos, name, func.name, index);
        func.labels.insert(name.to_string(), (index, pos));
        Ok(())
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&index) = self.interned.get(text) {
            return index;
        }
        let index = self.constants.len() as u32;
        debug!("string constant #{} = {:?}", index, text);
        self.constants.push(text.to_string());
        self.interned.insert(text.to_string(), index);
        index
    }

    fn directive(&mut self, name: &str, pos: Pos, args: &[Token]) -> Result<(), AsmError> {
        match name {
            "func" => self.func_directive(pos, args),
            "end" => {
                end_of_line(args)?;
                let func = self.current.take().ok_or(AsmError::StrayEnd { pos })?;
                debug!(
                    "finished function {:?}: {} instructions, {} labels",
                    func.name,
                    func.code.len(),
                    func.labels.len()
                );
                self.done.push(func);
                Ok(())
            }
            "string" => match args {
                [Token {
                    kind: TokenKind::Ident(sname),
                    pos: spos,
                }, Token {
                    kind: TokenKind::Str(text),
                    ..
                }, rest @ ..] => {
                    end_of_line(rest)?;
                    if let Some(&(_, previous)) = self.string_names.get(sname) {
                        return Err(AsmError::Duplicate {
                            pos: *spos,
                            kind: "string constant",
                            name: sname.clone(),
                            previous,
                        });
                    }
                    let index = self.intern(text);
                    self.string_names.insert(sname.clone(), (index, *spos));
                    Ok(())
                }
                [Token {
                    kind: TokenKind::Ident(_),
                    ..
                }, tok, ..] => Err(unexpected(tok, "a string literal")),
                [tok, ..] => Err(unexpected(tok, "a constant name")),
                [] => Err(AsmError::UnexpectedToken {
                    pos,
                    found: "end of line".into(),
                    expected: "a constant name and a string literal",
                }),
            },
            _ => Err(AsmError::UnknownDirective {
                pos,
                name: format!(".{name}"),
            }),
        }
    }

    /// `.func NAME [PARAMS [LOCALS]]`; LOCALS defaults to PARAMS.
    fn func_directive(&mut self, pos: Pos, args: &[Token]) -> Result<(), AsmError> {
        if let Some(outer) = &self.current {
            return Err(AsmError::NestedFunction {
                pos,
                outer: outer.name.clone(),
            });
        }
        let (name, rest) = match args {
            [Token {
                kind: TokenKind::Ident(name),
                ..
            }, rest @ ..] => (name.clone(), rest),
            [tok, ..] => return Err(unexpected(tok, "a function name")),
            [] => {
                return Err(AsmError::UnexpectedToken {
                    pos,
                    found: "end of line".into(),
                    expected: "a function name",
                })
            }
        };
        let params = match rest.first() {
            Some(tok) => int_in_range(tok, "parameter count", 0, i64::from(u8::MAX))?,
            None => 0,
        };
        let locals = match rest.get(1) {
            Some(tok) => int_in_range(tok, "local count", params, i64::from(u16::MAX))?,
            None => params,
        };
        end_of_line(rest.get(2..).unwrap_or(&[]))?;
        if let Some(previous) = self.done.iter().find(|f| f.name == name) {
            return Err(AsmError::Duplicate {
                pos: args[0].pos,
                kind: "function",
                name,
                previous: previous.pos,
            });
        }
        debug!(
            ".func {:?} params={} locals={} at {}",
            name, params, locals, pos
        );
        self.current = Some(FuncBuilder {
            name,
            pos: args[0].pos,
            params: params as u8,
            locals: locals as u16,
            code: Vec::new(),
            labels: HashMap::new(),
        });
        Ok(())
    }

    fn instruction(&mut self, name: &str, pos: Pos, args: &[Token]) -> Result<(), AsmError> {
        let info = op_by_mnemonic(name).ok_or_else(|| AsmError::UnknownInstruction {
            pos,
            name: name.to_string(),
        })?;
        self.current(pos)?;
        let operand = match (info.operand, args.first()) {
            (OperandKind::None, None) => Operand::None,
            (OperandKind::None, Some(_)) => {
                return Err(AsmError::UnexpectedOperand {
                    pos,
                    mnemonic: info.mnemonic,
                })
            }
            (kind, None) => {
                return Err(AsmError::MissingOperand {
                    pos,
                    mnemonic: info.mnemonic,
                    expected: describe(kind),
                })
            }
            (kind, Some(tok)) => {
                end_of_line(&args[1..])?;
                self.operand(kind, tok)?
            }
        };
        let pending = Pending { info, operand, pos };
        trace!("{}: {} {:?}", pos, info.mnemonic, pending.operand);
        self.current(pos)?.code.push(pending);
        Ok(())
    }

    fn operand(&mut self, kind: OperandKind, tok: &Token) -> Result<Operand, AsmError> {
        let (min, max) = kind.range();
        match (&tok.kind, kind) {
            (TokenKind::Int(_), OperandKind::Imm | OperandKind::Target | OperandKind::Local) => {
                int_in_range(tok, describe(kind), min, max).map(Operand::Int)
            }
            (
                TokenKind::Ident(name),
                OperandKind::Target | OperandKind::Func | OperandKind::Const,
            ) => Ok(Operand::Name(name.clone())),
            (TokenKind::Str(text), OperandKind::Const) => Ok(Operand::Const(self.intern(text))),
            _ => Err(unexpected(tok, describe(kind))),
        }
    }

    /// Resolve all references and build the program.
    fn finish(mut self) -> Result<Program, AsmError> {
        if let Some(func) = self.current.take() {
            return Err(AsmError::UnterminatedFunction {
                pos: func.pos,
                name: func.name,
            });
        }
        let func_index: HashMap<&str, u32> = self
            .done
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i as u32))
            .collect();
        let entry = *func_index.get("main").ok_or(AsmError::NoMain)?;
        let mut called = vec![false; self.done.len()];
        called[entry as usize] = true;

        let mut functions = Vec::with_capacity(self.done.len());
        for func in &self.done {
            let mut used_labels = Vec::new();
            let mut code = Vec::with_capacity(func.code.len());
            for pending in &func.code {
                let value = self.resolve(func, pending, &func_index, &mut used_labels)?;
                if pending.info.operand == OperandKind::Func {
                    called[value as usize] = true;
                }
                let instr = Instr::from_parts(pending.info.opcode, value)
                    .expect("operand was range-checked");
                code.push(instr);
            }
            for (label, &(_, pos)) in &func.labels {
                if !used_labels.contains(&label.as_str()) {
                    warn!(
                        "{}: label `{}` in function `{}` is never used",
                        pos, label, func.name
                    );
                }
            }
            functions.push(Function {
                name: func.name.clone(),
                params: func.params,
                locals: func.locals,
                code,
            });
        }
        for (func, called) in self.done.iter().zip(&called) {
            if !called {
                warn!("{}: function `{}` is never called", func.pos, func.name);
            }
        }
        let program = Program {
            constants: self.constants,
            functions,
            entry,
        };
        program.validate().map_err(AsmError::Invalid)?;
        info!(
            "assembled {} functions, {} instructions, {} constants",
            program.functions.len(),
            program.instruction_count(),
            program.constants.len()
        );
        Ok(program)
    }

    fn resolve<'f>(
        &self,
        func: &'f FuncBuilder,
        pending: &Pending,
        func_index: &HashMap<&str, u32>,
        used_labels: &mut Vec<&'f str>,
    ) -> Result<i64, AsmError> {
        let undefined = |kind: &'static str, name: &str| AsmError::Undefined {
            pos: pending.pos,
            kind,
            name: name.to_string(),
        };
        Ok(match (&pending.operand, pending.info.operand) {
            (Operand::None, _) => 0,
            (Operand::Int(v), OperandKind::Local) => {
                if *v >= i64::from(func.locals) {
                    return Err(AsmError::OutOfRange {
                        pos: pending.pos,
                        what: "local slot",
                        value: *v,
                        min: 0,
                        max: i64::from(func.locals) - 1,
                    });
                }
                *v
            }
            (Operand::Int(v), _) => *v,
            (Operand::Const(index), _) => i64::from(*index),
            (Operand::Name(name), OperandKind::Target) => {
                let (key, &(index, _)) = func
                    .labels
                    .get_key_value(name)
                    .ok_or_else(|| undefined("label", name))?;
                used_labels.push(key.as_str());
                i64::from(index)
            }
            (Operand::Name(name), OperandKind::Func) => i64::from(
                *func_index
                    .get(name.as_str())
                    .ok_or_else(|| undefined("function", name))?,
            ),
            (Operand::Name(name), _) => {
                let &(index, _) = self
                    .string_names
                    .get(name)
                    .ok_or_else(|| undefined("string constant", name))?;
                i64::from(index)
            }
        })
    }
}

fn describe(kind: OperandKind) -> &'static str {
    match kind {
        OperandKind::None => "nothing",
        OperandKind::Imm => "an integer",
        OperandKind::Target => "a label",
        OperandKind::Func => "a function name",
        OperandKind::Local => "a local slot number",
        OperandKind::Const => "a string literal or constant name",
    }
}
