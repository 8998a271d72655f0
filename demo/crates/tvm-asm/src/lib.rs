//! The tinyvm assembler.
//!
//! ```text
//! ; comments start with a semicolon
//! .string greeting "Hello!\n"     ; a named string constant
//!
//! .func main 0 1                  ; .func NAME [PARAMS [LOCALS]]
//!     print_str greeting          ; or an inline literal: print_str "hi\n"
//!     push 3
//!     store 0
//! loop:                           ; labels are local to their function
//!     load 0
//!     jz done
//!     load 0
//!     print
//!     load 0
//!     push 1
//!     sub
//!     store 0
//!     jmp loop
//! done:
//!     halt
//! .end
//! ```
//!
//! Execution starts at the function named `main`.

mod error;
mod lexer;
mod parser;

pub use error::{AsmError, Pos};
pub use lexer::{parse_int, tokenize, Token, TokenKind};

use minilog::debug;
use tvm_core::Program;

/// Assemble source text into a validated program.
pub fn assemble(src: &str) -> Result<Program, AsmError> {
    debug!("assembling {} bytes of source", src.len());
    let tokens = tokenize(src)?;
    parser::Assembler::assemble(&tokens)
}

// The custom platform of tvm-wasm (`--cfg tinyvm_platform`) has no `std` (so no
// prelude: `core::`) and, like Wasmtime's min-platform, runs only bytecode.
#[cfg(tinyvm_platform)]
core::compile_error!(
    "tvm-asm needs std: on the custom platform (tinyvm_platform), build without `compile`"
);

#[cfg(test)]
mod tests {
    use super::*;
    use tvm_core::{disassemble, Instr};

    const COUNTDOWN: &str = "
        .string done \"liftoff\\n\"
        .func main 0 1
            push 3
            store 0
        top: load 0
            jz end
            load 0
            call show
            pop
            load 0
            push -1
            add
            store 0
            jmp top
        end:
            print_str done
            print_str \"liftoff\\n\"   ; interned: same constant
            halt
        .end

        .func show 1        ; one parameter, one local
            load 0
            print
            push 0
            ret
        .end
    ";

    #[test]
    fn assembles_functions_labels_and_strings() {
        let p = assemble(COUNTDOWN).unwrap();
        assert_eq!(p.constants, vec!["liftoff\n".to_string()]);
        assert_eq!(p.entry, 0);
        let main = &p.functions[0];
        assert_eq!((main.params, main.locals), (0, 1));
        assert_eq!(main.code[2], Instr::Load(0));
        assert_eq!(main.code[3], Instr::Jz(12));
        assert_eq!(main.code[5], Instr::Call(1));
        assert_eq!(main.code[11], Instr::Jmp(2));
        assert_eq!(main.code[12], Instr::PrintStr(0));
        assert_eq!(main.code[13], Instr::PrintStr(0));
        let show = &p.functions[1];
        assert_eq!(
            (show.name.as_str(), show.params, show.locals),
            ("show", 1, 1)
        );
    }

    #[test]
    fn disassembly_reassembles() {
        let p = assemble(COUNTDOWN).unwrap();
        let listing = disassemble(&p);
        assert_eq!(assemble(&listing), Ok(p), "{listing}");
    }

    #[test]
    fn forward_references_and_numeric_targets() {
        let p =
            assemble(".func main\n call f\n jmp 0\n.end\n.func f\n push 1\n ret\n.end").unwrap();
        assert_eq!(p.functions[0].code, vec![Instr::Call(1), Instr::Jmp(0)]);
    }

    fn err(src: &str) -> String {
        assemble(src).unwrap_err().to_string()
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            err(".func main\n  pusj 1\n.end"),
            "2:3: unknown instruction `pusj`"
        );
        assert_eq!(
            err(".func main\n  push\n.end"),
            "2:3: `push` needs an operand: an integer"
        );
        assert_eq!(
            err(".func main\n  add 1\n.end"),
            "2:3: `add` takes no operand"
        );
        assert_eq!(
            err(".func main\n  jmp nowhere\n.end"),
            "2:3: undefined label `nowhere`"
        );
        assert_eq!(
            err(".func main\n  call g\n.end"),
            "2:3: undefined function `g`"
        );
        assert_eq!(
            err(".func main\n  print_str s\n.end"),
            "2:3: undefined string constant `s`"
        );
        assert_eq!(
            err(".func main 0 1\n  load 1\n.end"),
            "2:3: local slot 1 is out of range (0..=0)"
        );
        assert_eq!(
            err(".func main\n  push \"x\"\n.end"),
            "2:8: expected an integer, found string \"x\""
        );
        assert_eq!(
            err(".func main\n  pop pop\n.end"),
            "2:3: `pop` takes no operand"
        );
        assert_eq!(
            err(".func main\nx:\nx:\n.end"),
            "3:1: label `x` is already defined at 2:1"
        );
        assert_eq!(
            err(".func main\n.func f\n.end"),
            "2:1: `.func` inside function `main` (missing `.end`?)"
        );
        assert_eq!(
            err("  .func main\n halt"),
            "1:9: function `main` has no matching `.end`"
        );
        assert_eq!(err(".end"), "1:1: `.end` without a matching `.func`");
        assert_eq!(
            err("halt"),
            "1:1: instructions and labels must be inside `.func` ... `.end`"
        );
        assert_eq!(err(".func f\n.end"), "no `main` function defined");
        assert_eq!(
            err(".func main 2 1\n.end"),
            "1:14: local count 1 is out of range (2..=65535)"
        );
        assert_eq!(
            err(".func main 1\n.end"),
            "invalid program: entry function `main` must take no parameters (it takes 1)"
        );
        assert_eq!(
            err(".global x"),
            "1:1: unknown directive `.global` (expected .func, .end or .string)"
        );
        assert_eq!(
            err(".func main\n.end\n.func main\n.end"),
            "3:7: function `main` is already defined at 1:7"
        );
        assert_eq!(
            err(".string a \"1\"\n.string a \"2\""),
            "2:9: string constant `a` is already defined at 1:9"
        );
        assert_eq!(
            err(".func main\n push 99999999999999999999\n.end"),
            "2:7: invalid or out-of-range integer `99999999999999999999`"
        );
        assert_eq!(
            err(": halt"),
            "1:1: expected a label, directive or instruction, found `:`"
        );
    }
}
