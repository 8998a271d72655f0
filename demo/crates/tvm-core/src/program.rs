//! In-memory programs and their static validation.

use crate::{error::DecodeError, prelude::*};
use minilog::{debug, trace};
use tvm_isa::Instr;

/// A function: a name, a parameter count, a local-slot count (which
/// includes the parameters) and its code.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub params: u8,
    pub locals: u16,
    pub code: Vec<Instr>,
}

/// A complete program: constant pool, function table and entry function.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub constants: Vec<String>,
    pub functions: Vec<Function>,
    /// Index of the entry function in `functions`.
    pub entry: u32,
}

impl Program {
    /// Index of the function called `name`.
    pub fn function_index(&self, name: &str) -> Option<usize> {
        self.functions.iter().position(|f| f.name == name)
    }

    /// The entry function, if `entry` is valid.
    pub fn entry_function(&self) -> Option<&Function> {
        self.functions.get(self.entry as usize)
    }

    /// Total number of instructions in all functions.
    pub fn instruction_count(&self) -> usize {
        self.functions.iter().map(|f| f.code.len()).sum()
    }

    /// Check every static reference: the entry point, call targets,
    /// constant indices, local slots and parameter counts. Jump targets are
    /// checked when they are taken (a bad jump is a run-time trap).
    pub fn validate(&self) -> Result<(), DecodeError> {
        debug!(
            "validating program: {} constants, {} functions",
            self.constants.len(),
            self.functions.len()
        );
        if self.functions.is_empty() {
            return Err(DecodeError::NoFunctions);
        }
        let entry = self.entry_function().ok_or(DecodeError::BadEntry {
            entry: self.entry,
            count: self.functions.len(),
        })?;
        if entry.params != 0 {
            return Err(DecodeError::EntryHasParams {
                function: entry.name.clone(),
                params: entry.params,
            });
        }
        for (index, func) in self.functions.iter().enumerate() {
            trace!("validating function #{} {:?}", index, func.name);
            if let Some(first) = self.function_index(&func.name) {
                if first != index {
                    return Err(DecodeError::DuplicateFunction(func.name.clone()));
                }
            }
            if u16::from(func.params) > func.locals {
                return Err(DecodeError::TooManyParams {
                    function: func.name.clone(),
                    params: func.params,
                    locals: func.locals,
                });
            }
            for (pc, instr) in func.code.iter().enumerate() {
                self.validate_instr(func, pc, instr)?;
            }
        }
        Ok(())
    }

    fn validate_instr(&self, func: &Function, pc: usize, instr: &Instr) -> Result<(), DecodeError> {
        match *instr {
            Instr::Call(target) if target as usize >= self.functions.len() => {
                Err(DecodeError::BadCall {
                    function: func.name.clone(),
                    pc,
                    target,
                })
            }
            Instr::PrintStr(index) if index as usize >= self.constants.len() => {
                Err(DecodeError::BadConstant {
                    function: func.name.clone(),
                    pc,
                    index,
                })
            }
            Instr::Load(slot) | Instr::Store(slot) if slot >= func.locals => {
                Err(DecodeError::BadLocal {
                    function: func.name.clone(),
                    pc,
                    slot,
                    locals: func.locals,
                })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(name: &str, params: u8, locals: u16, code: Vec<Instr>) -> Function {
        Function {
            name: name.to_string(),
            params,
            locals,
            code,
        }
    }

    #[test]
    fn validation_catches_bad_references() {
        let mut p = Program {
            constants: vec!["hi".into()],
            functions: vec![func("main", 0, 1, vec![Instr::PrintStr(0), Instr::Halt])],
            entry: 0,
        };
        assert_eq!(p.validate(), Ok(()));

        p.functions[0].code[0] = Instr::PrintStr(1);
        assert!(matches!(
            p.validate(),
            Err(DecodeError::BadConstant { index: 1, .. })
        ));

        p.functions[0].code[0] = Instr::Store(1);
        assert!(matches!(
            p.validate(),
            Err(DecodeError::BadLocal { slot: 1, .. })
        ));

        p.functions[0].code[0] = Instr::Call(4);
        assert!(matches!(
            p.validate(),
            Err(DecodeError::BadCall { target: 4, .. })
        ));

        p.functions[0].code[0] = Instr::Nop;
        p.entry = 3;
        assert!(matches!(p.validate(), Err(DecodeError::BadEntry { .. })));

        p.entry = 0;
        p.functions.push(func("main", 2, 1, vec![]));
        assert_eq!(
            p.validate(),
            Err(DecodeError::DuplicateFunction("main".into()))
        );
        p.functions[1].name = "f".into();
        assert!(matches!(
            p.validate(),
            Err(DecodeError::TooManyParams { .. })
        ));
    }
}
