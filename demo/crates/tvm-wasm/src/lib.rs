//! tinyvm as a C-ABI library for `wasm32-unknown-unknown` (no WASI, no files,
//! no stdout), for the host and, `no_std`, for a custom platform (below).
//!
//! The host copies its input into linear memory and calls an export; what
//! the program prints (and any error message) goes into an output buffer
//! that the host reads afterwards:
//!
//! ```text
//! ptr = tvm_alloc(len)            ; then write `len` input bytes at `ptr`
//! status = tvm_eval(ptr, len)     ; or tvm_run(ptr, len) for bytecode
//! read tvm_output_len() bytes at tvm_output_ptr()
//! ```
//!
//! What `tvm_eval` does depends on the cargo features:
//!
//! | features          | input        | output buffer                        |
//! |-------------------|--------------|--------------------------------------|
//! | `compile` + `run` | source text  | what the program prints              |
//! | `run`             | TVMB bytecode| what the program prints              |
//! | `compile`         | source text  | the assembled TVMB bytecode          |
//! | neither           | (ignored)    | `error: this build has no 'run' feature` |
//!
//! Status codes: [`OK`], [`ERR_RUN`] (a trap, bad bytecode or a bad call;
//! the message `error: ...` follows any program output) and [`ERR_ASM`] (an
//! assembly error). Programs get no arguments (`argc` is 0). The VM's
//! `panic` instruction stays a Rust panic: a wasm trap under `panic = "abort"`.
//! `--cfg tinyvm_platform` builds for the custom platform in `platform/`.
#![cfg_attr(tinyvm_platform, no_std)]
use core::cell::RefCell;

/// A host function that receives a call's output (`custom-platform` builds).
#[cfg(feature = "custom-platform")]
pub type OutputFn = extern "C" fn(ptr: *const u8, len: u32);

/// Success.
pub const OK: i32 = 0;
/// A VM trap, invalid bytecode, a null input pointer or a missing feature.
pub const ERR_RUN: i32 = 1;
/// The source text does not assemble (or is not UTF-8).
pub const ERR_ASM: i32 = 2;

thread_local! {
    /// The buffer handed out by [`tvm_alloc`].
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The output of the last [`tvm_eval`] / [`tvm_run`].
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Where output goes on a custom platform (see [`tvm_set_output`]).
    #[cfg(feature = "custom-platform")]
    static SINK: core::cell::Cell<Option<OutputFn>> = const { core::cell::Cell::new(None) };
}

/// A failed call: its status code and message (without the `error: ` prefix).
struct Failure {
    status: i32,
    message: String,
}

impl Failure {
    fn new(status: i32, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
}

/// Evaluate `input` exactly as [`tvm_eval`] does, returning the status code
/// and the output buffer.
pub fn eval(input: &[u8]) -> (i32, Vec<u8>) {
    let mut out = Vec::new();
    let result = eval_into(input, &mut out);
    finish(out, result)
}

/// Assemble `source` exactly as [`tvm_compile`] does: the TVMB bytecode, or the error.
#[cfg(feature = "compile")]
pub fn compile(source: &[u8]) -> (i32, Vec<u8>) {
    let mut out = Vec::new();
    let result = assemble(source).map(|program| out.extend(program.encode()));
    finish(out, result)
}

/// Run `bytecode` exactly as [`tvm_run`] does.
#[cfg(feature = "run")]
pub fn run(bytecode: &[u8]) -> (i32, Vec<u8>) {
    let mut out = Vec::new();
    let result = decode(bytecode).and_then(|program| execute(&program, &mut out));
    finish(out, result)
}

/// Append the error message, if any, and pick the status code.
fn finish(mut out: Vec<u8>, result: Result<(), Failure>) -> (i32, Vec<u8>) {
    match result {
        Ok(()) => (OK, out),
        Err(failure) => {
            out.extend_from_slice(format!("error: {}\n", failure.message).as_bytes());
            (failure.status, out)
        }
    }
}

#[cfg(all(feature = "compile", feature = "run"))]
fn eval_into(source: &[u8], out: &mut Vec<u8>) -> Result<(), Failure> {
    execute(&assemble(source)?, out)
}

#[cfg(all(feature = "run", not(feature = "compile")))]
fn eval_into(bytecode: &[u8], out: &mut Vec<u8>) -> Result<(), Failure> {
    execute(&decode(bytecode)?, out)
}

#[cfg(all(feature = "compile", not(feature = "run")))]
fn eval_into(source: &[u8], out: &mut Vec<u8>) -> Result<(), Failure> {
    out.extend(assemble(source)?.encode());
    Ok(())
}

#[cfg(not(any(feature = "compile", feature = "run")))]
fn eval_into(_input: &[u8], _out: &mut Vec<u8>) -> Result<(), Failure> {
    Err(Failure::new(ERR_RUN, "this build has no 'run' feature"))
}

#[cfg(feature = "compile")]
fn assemble(source: &[u8]) -> Result<tvm_core::Program, Failure> {
    let text = core::str::from_utf8(source)
        .map_err(|err| Failure::new(ERR_ASM, format!("source is not valid UTF-8: {err}")))?;
    // AsmError messages already start with "line:col: " where they have one.
    tvm_asm::assemble(text).map_err(|err| Failure::new(ERR_ASM, err.to_string()))
}

#[cfg(feature = "run")]
fn decode(bytecode: &[u8]) -> Result<tvm_core::Program, Failure> {
    tvm_core::Program::decode(bytecode).map_err(|err| Failure::new(ERR_RUN, err.to_string()))
}

/// Run `program` with no arguments, appending what it prints to `out`.
#[cfg(feature = "run")]
fn execute(program: &tvm_core::Program, out: &mut Vec<u8>) -> Result<(), Failure> {
    tvm_core::run_program(program, &[], &mut *out)
        .map(drop)
        .map_err(|fault| Failure::new(ERR_RUN, format!("trap: {fault}")))
}

/// The bytes at `ptr..ptr + len`, or `None` for a null pointer with `len > 0`.
///
/// # Safety
/// Unless `ptr` is null or `len` is 0, `ptr` must point to `len` initialized
/// bytes that nothing writes to during `'a`.
unsafe fn input<'a>(ptr: *const u8, len: u32) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is non-null and, by this function's contract, points to
    // `len` initialized bytes that are not written to during 'a; a `u8`
    // slice needs no alignment, and `len` fits in memory so it is <= isize::MAX.
    Some(unsafe { core::slice::from_raw_parts(ptr, len as usize) })
}

/// Make `out` the output buffer of this call and return `status`.
///
/// The previous buffer is replaced only now, so the input of a call may be
/// the output of the call before it.
fn publish((status, out): (i32, Vec<u8>)) -> i32 {
    #[cfg(feature = "custom-platform")]
    if let Some(sink) = SINK.with(core::cell::Cell::get) {
        sink(out.as_ptr(), out.len() as u32);
    }
    OUTPUT.with(|buf| *buf.borrow_mut() = out);
    status
}

/// Register the host function that receives every later call's output, or
/// remove it with a null pointer (`custom-platform` builds only).
#[cfg(feature = "custom-platform")]
#[no_mangle]
pub extern "C" fn tvm_set_output(sink: Option<OutputFn>) {
    SINK.with(|cell| cell.set(sink));
}

fn null_input() -> (i32, Vec<u8>) {
    finish(Vec::new(), Err(Failure::new(ERR_RUN, "null input pointer")))
}

/// Allocate `len` zeroed bytes for the host to write input into. The buffer
/// is reused: it stays valid until the next `tvm_alloc`.
#[no_mangle]
pub extern "C" fn tvm_alloc(len: u32) -> *mut u8 {
    INPUT.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.clear();
        buf.resize(len as usize, 0);
        buf.as_mut_ptr()
    })
}

/// Evaluate the `src_len` bytes at `src_ptr` (see the crate docs for what
/// that means in this build). Returns [`OK`], [`ERR_RUN`] or [`ERR_ASM`].
///
/// # Safety
/// `src_ptr` must point to `src_len` readable bytes (or be null with
/// `src_len` 0), e.g. a buffer from [`tvm_alloc`] or [`tvm_output_ptr`].
#[no_mangle]
pub unsafe extern "C" fn tvm_eval(src_ptr: *const u8, src_len: u32) -> i32 {
    // SAFETY: the caller upholds `input`'s contract (see above); the slice
    // is last used inside `eval`, before `publish` may free the old output.
    publish(match unsafe { input(src_ptr, src_len) } {
        Some(src) => eval(src),
        None => null_input(),
    })
}

/// Assemble the `src_len` bytes of source text at `src_ptr`; the output buffer
/// holds the TVMB bytecode (what a host stores for builds without `compile`,
/// like Wasmtime's precompiled `.cwasm`). Returns [`OK`] or [`ERR_ASM`].
///
/// # Safety
/// As for [`tvm_eval`].
#[cfg(feature = "compile")]
#[no_mangle]
pub unsafe extern "C" fn tvm_compile(src_ptr: *const u8, src_len: u32) -> i32 {
    // SAFETY: as in `tvm_eval`.
    publish(match unsafe { input(src_ptr, src_len) } {
        Some(source) => compile(source),
        None => null_input(),
    })
}

/// Run the `len` bytes at `ptr` as TVMB bytecode. Returns [`OK`] or [`ERR_RUN`].
///
/// # Safety
/// As for [`tvm_eval`].
#[cfg(feature = "run")]
#[no_mangle]
pub unsafe extern "C" fn tvm_run(ptr: *const u8, len: u32) -> i32 {
    // SAFETY: as in `tvm_eval`.
    publish(match unsafe { input(ptr, len) } {
        Some(bytecode) => run(bytecode),
        None => null_input(),
    })
}

/// Start of the output buffer of the last call (valid until the next call).
#[no_mangle]
pub extern "C" fn tvm_output_ptr() -> *const u8 {
    OUTPUT.with(|buf| buf.borrow().as_ptr())
}

/// Length in bytes of the output buffer of the last call.
#[no_mangle]
pub extern "C" fn tvm_output_len() -> u32 {
    OUTPUT.with(|buf| buf.borrow().len() as u32)
}

/// This crate's version as `major << 16 | minor << 8 | patch`.
#[no_mangle]
pub extern "C" fn tvm_version() -> u32 {
    VERSION
}

const VERSION: u32 = parse_u32(env!("CARGO_PKG_VERSION_MAJOR")) << 16
    | parse_u32(env!("CARGO_PKG_VERSION_MINOR")) << 8
    | parse_u32(env!("CARGO_PKG_VERSION_PATCH"));

/// A decimal number, at compile time.
const fn parse_u32(digits: &str) -> u32 {
    let bytes = digits.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        n = n * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    n
}

// The custom platform's glue. It is declared here, below the C ABI, so that
// host builds keep every line above: their panic locations hold file:line:col.
#[cfg(tinyvm_platform)]
extern crate alloc;
#[cfg(tinyvm_platform)]
mod platform;
#[cfg(tinyvm_platform)]
use platform::prelude::*;

#[cfg(test)]
mod tests {
    use super::*;

    // Not every feature combination uses these helpers.
    #[allow(unused_macros)]
    macro_rules! program {
        ($file:literal) => {
            include_bytes!(concat!("../../../programs/", $file))
        };
    }

    #[allow(dead_code)]
    fn text(out: &[u8]) -> &str {
        std::str::from_utf8(out).unwrap()
    }

    #[test]
    fn version() {
        assert_eq!(tvm_version(), 0x00_03_00);
    }

    #[cfg(all(feature = "compile", feature = "run"))]
    #[test]
    fn eval_runs_source() {
        let (status, out) = eval(program!("fib.tvm"));
        assert_eq!(
            (status, text(&out)),
            (OK, include_str!("../../../programs/fib.expected"))
        );
        let (status, out) = eval(program!("primes.tvm"));
        assert_eq!(
            (status, text(&out)),
            (OK, include_str!("../../../programs/primes.expected"))
        );
    }

    #[cfg(all(feature = "compile", feature = "run"))]
    #[test]
    fn eval_reports_traps_after_the_output() {
        let (status, out) = eval(program!("divzero.tvm"));
        assert_eq!(status, ERR_RUN);
        assert_eq!(
            text(&out),
            "computing 10 / (5 - 5)...\n\
             error: trap: integer division by zero\nbacktrace:\n    0: main @ pc 5\n"
        );
    }

    #[cfg(feature = "compile")]
    #[test]
    fn eval_reports_assembly_errors() {
        let (status, out) = eval(b".func main\n  pusj 1\n.end");
        assert_eq!(
            (status, text(&out)),
            (ERR_ASM, "error: 2:3: unknown instruction `pusj`\n")
        );
        let (status, out) = eval(b"\xff");
        assert_eq!(status, ERR_ASM);
        assert!(text(&out).starts_with("error: source is not valid UTF-8"));
    }

    #[cfg(all(feature = "compile", feature = "run"))]
    #[test]
    fn run_executes_bytecode() {
        let source = std::str::from_utf8(program!("fib.tvm")).unwrap();
        let bytecode = tvm_asm::assemble(source).unwrap().encode();
        let (status, out) = run(&bytecode);
        assert_eq!(
            (status, text(&out)),
            (OK, include_str!("../../../programs/fib.expected"))
        );
    }

    /// Works without the assembler: the bytecode is built by hand.
    #[cfg(feature = "run")]
    #[test]
    fn run_executes_hand_built_bytecode() {
        use tvm_core::{Function, Instr, Program};
        let code = vec![
            Instr::PrintStr(0),
            Instr::Push(7),
            Instr::Print,
            Instr::Halt,
        ];
        let main = Function {
            name: "main".into(),
            params: 0,
            locals: 0,
            code,
        };
        let program = Program {
            constants: vec!["seven: ".into()],
            functions: vec![main],
            entry: 0,
        };
        let bytecode = program.encode();
        assert_eq!(run(&bytecode), (OK, b"seven: 7\n".to_vec()));
        if cfg!(not(feature = "compile")) {
            assert_eq!(eval(&bytecode), (OK, b"seven: 7\n".to_vec()));
        }
    }

    #[cfg(feature = "run")]
    #[test]
    fn run_rejects_bad_bytecode() {
        let (status, out) = run(b"nope");
        assert_eq!(status, ERR_RUN);
        assert!(
            text(&out).starts_with("error: not a tinyvm bytecode file"),
            "{}",
            text(&out)
        );
    }

    #[cfg(all(feature = "compile", feature = "run"))]
    #[test]
    #[should_panic(expected = "program panicked: code 42")]
    fn panic_instruction_stays_a_panic() {
        eval(program!("panic.tvm"));
    }

    #[cfg(all(feature = "compile", feature = "run"))]
    #[test]
    fn c_abi_round_trip() {
        let src = program!("fib.tvm");
        let ptr = tvm_alloc(src.len() as u32);
        // SAFETY: `tvm_alloc` returned `src.len()` writable bytes.
        unsafe { std::slice::from_raw_parts_mut(ptr, src.len()) }.copy_from_slice(src);
        // SAFETY: `ptr` holds `src.len()` initialized bytes.
        assert_eq!(unsafe { tvm_eval(ptr, src.len() as u32) }, OK);
        // SAFETY: the output buffer holds `tvm_output_len()` bytes until the next call.
        let out =
            unsafe { std::slice::from_raw_parts(tvm_output_ptr(), tvm_output_len() as usize) };
        assert_eq!(text(out), include_str!("../../../programs/fib.expected"));
        // SAFETY: null with length 0 is allowed; null with a length is reported.
        assert_eq!(unsafe { tvm_eval(std::ptr::null(), 0) }, ERR_ASM); // no `main`
        assert_eq!(unsafe { tvm_eval(std::ptr::null(), 1) }, ERR_RUN);
        assert_eq!(
            tvm_output_len() as usize,
            "error: null input pointer\n".len()
        );
    }
}
