//! The core of tinyvm: the instruction set, programs, the `TVMB` bytecode
//! format, a disassembler and, with the feature `run`, the interpreter.

mod bytecode;
mod disasm;
mod error;
mod program;

#[cfg(feature = "run")]
mod interp;

pub use bytecode::{MAGIC, VERSION};
pub use disasm::{disassemble, write_listing};
pub use error::DecodeError;
pub use program::{Function, Program};
pub use tvm_isa::{op_by_code, op_by_mnemonic, Instr, OpInfo, OperandKind, OPCODES};

#[cfg(feature = "run")]
pub use interp::{run_program, Exit, Fault, FrameInfo, Limits, Machine, Stats, Trap};
