//! A disassembler producing an assembly listing.
//!
//! The listing can be fed back to the assembler: constants are named `s<N>`,
//! jump targets get `L<pc>` labels and calls use function names. Every
//! instruction is annotated with its index and its `Debug` form.

use crate::program::{Function, Program};
use crate::{bytecode::VERSION, prelude::*};
use alloc::collections::BTreeSet;
use core::fmt::{self, Write};
use minilog::debug;
use tvm_isa::Instr;

/// Render a program as an assembly listing.
pub fn disassemble(program: &Program) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    write_listing(&mut out, program).expect("formatting into a String");
    debug!("disassembled program into {} bytes of text", out.len());
    out
}

/// Write the listing of `program` to any `fmt::Write` sink.
pub fn write_listing(out: &mut impl Write, program: &Program) -> fmt::Result {
    let entry = program
        .entry_function()
        .map_or("<invalid>", |f| f.name.as_str());
    writeln!(
        out,
        "; tinyvm bytecode v{VERSION}: {} functions, {} instructions, {} constants",
        program.functions.len(),
        program.instruction_count(),
        program.constants.len()
    )?;
    writeln!(out, "; entry: {entry}")?;
    if !program.constants.is_empty() {
        writeln!(out)?;
    }
    for (i, constant) in program.constants.iter().enumerate() {
        writeln!(out, ".string s{i} {constant:?}")?;
    }
    for (i, func) in program.functions.iter().enumerate() {
        writeln!(out)?;
        write_function(out, program, i, func)?;
    }
    Ok(())
}

fn write_function(
    out: &mut impl Write,
    program: &Program,
    index: usize,
    func: &Function,
) -> fmt::Result {
    writeln!(
        out,
        ".func {} {} {}    ; function #{index}",
        func.name, func.params, func.locals
    )?;
    let len = func.code.len();
    // Only targets inside the function (or just past its end) get labels.
    let labels: BTreeSet<usize> = func
        .code
        .iter()
        .filter_map(Instr::jump_target)
        .map(|t| t as usize)
        .filter(|&t| t <= len)
        .collect();
    for (pc, instr) in func.code.iter().enumerate() {
        if labels.contains(&pc) {
            writeln!(out, "L{pc:04}:")?;
        }
        let text = symbolic(program, instr, len);
        writeln!(out, "    {text:<24}; {pc:04} {instr:?}")?;
    }
    if labels.contains(&len) {
        writeln!(out, "L{len:04}:")?;
    }
    writeln!(out, ".end")
}

/// Assembly text for one instruction, with names instead of indices where
/// possible.
fn symbolic(program: &Program, instr: &Instr, len: usize) -> String {
    match *instr {
        Instr::Jmp(t) | Instr::Jz(t) | Instr::Jnz(t) if t as usize <= len => {
            format!("{} L{:04}", instr.mnemonic(), t)
        }
        Instr::Call(f) => match program.functions.get(f as usize) {
            Some(callee) => format!("call {}", callee.name),
            None => instr.to_string(),
        },
        Instr::PrintStr(c) if (c as usize) < program.constants.len() => format!("print_str s{c}"),
        _ => instr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_shape() {
        let program = Program {
            constants: vec!["hi\n".into()],
            functions: vec![
                Function {
                    name: "main".into(),
                    params: 0,
                    locals: 1,
                    code: vec![
                        Instr::Push(3),
                        Instr::Jz(3),
                        Instr::PrintStr(0),
                        Instr::Call(1),
                        Instr::Jmp(99),
                        Instr::Halt,
                    ],
                },
                Function {
                    name: "helper".into(),
                    params: 0,
                    locals: 0,
                    code: vec![Instr::Push(0), Instr::Ret],
                },
            ],
            entry: 0,
        };
        let text = disassemble(&program);
        assert!(text.contains("; entry: main"), "{text}");
        assert!(text.contains(".string s0 \"hi\\n\""), "{text}");
        assert!(text.contains(".func main 0 1"), "{text}");
        assert!(text.contains("L0003:\n    call helper"), "{text}");
        assert!(text.contains("jz L0003"), "{text}");
        assert!(text.contains("jmp 99"), "{text}");
        assert!(text.contains("; 0002 PrintStr(0)"), "{text}");
        assert_eq!(text.matches(".end").count(), 2);
    }
}
