//! tinyvm's instruction set: every opcode with its mnemonic, operand kind and encoding.
//!
//! It depends on nothing and has no features, so every build of tinyvm compiles it with the
//! same settings, like the many feature-independent dependencies of a real project. It needs only
//! `core`, so it is `no_std` on the custom platform (`--cfg tinyvm_platform`).

#![cfg_attr(tinyvm_platform, no_std)]

mod instr;

pub use instr::{op_by_code, op_by_mnemonic, Instr, OpInfo, OperandKind, OPCODES};
