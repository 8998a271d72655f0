//! The core of tinyvm: the instruction set, programs, the `TVMB` bytecode
//! format, a disassembler and, with the feature `run`, the interpreter.
//!
//! On the custom platform (`--cfg tinyvm_platform`) the crate is `no_std`
//! (`core` and `alloc`) and the interpreter writes program output to an
//! [`io::Write`], a stand-in for `std::io::Write`.

#![cfg_attr(tinyvm_platform, no_std)]

extern crate alloc;

mod bytecode;
mod disasm;
mod error;
mod program;

#[cfg(feature = "run")]
mod interp;
#[cfg(tinyvm_platform)]
pub mod io;
#[cfg(all(feature = "run", not(tinyvm_platform)))]
use std::io;

/// The `alloc` names that std's prelude has and `core`'s lacks. Every module
/// imports them, so the code is the same with and without `std`.
mod prelude {
    #[allow(unused_imports)]
    pub(crate) use alloc::{
        format,
        string::{String, ToString},
        vec,
        vec::Vec,
    };
}

pub use bytecode::{MAGIC, VERSION};
pub use disasm::{disassemble, write_listing};
pub use error::DecodeError;
pub use program::{Function, Program};
pub use tvm_isa::{op_by_code, op_by_mnemonic, Instr, OpInfo, OperandKind, OPCODES};

#[cfg(feature = "run")]
pub use interp::{run_program, Exit, Fault, FrameInfo, Limits, Machine, Stats, Trap};
