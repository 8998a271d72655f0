//! End-to-end tests of the `tinyvm` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tinyvm");

fn tinyvm(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("TINYVM_LOG")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("failed to start tinyvm")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A scratch directory for this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tinyvm-cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn version_and_help() {
    let out = tinyvm(&["--version"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "tinyvm 0.3.0\n");

    let out = tinyvm(&["--help"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("Usage: tinyvm <COMMAND>"));
}

#[test]
fn features_lists_this_build() {
    let expected: String = [
        ("compile", cfg!(feature = "compile")),
        ("disable-logging", cfg!(feature = "disable-logging")),
        ("logging", cfg!(feature = "logging")),
        ("run", cfg!(feature = "run")),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(name, _)| format!("{name}\n"))
    .collect();
    let out = tinyvm(&["features"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), expected);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["--bogus"],
        &["disasm"],
        &["features", "x"],
    ] {
        let out = tinyvm(args);
        assert_eq!(out.status.code(), Some(2), "args {args:?}");
        assert!(
            stderr(&out).starts_with("error: "),
            "args {args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn missing_and_corrupt_files_exit_1() {
    let out = tinyvm(&["disasm", "no/such/file.tvmb"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: no/such/file.tvmb: "),
        "{}",
        stderr(&out)
    );

    let junk = scratch("junk.tvmb");
    std::fs::write(&junk, b"not bytecode").unwrap();
    let out = tinyvm(&["disasm", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a tinyvm bytecode file"),
        "{}",
        stderr(&out)
    );
}

/// A bytecode file committed beside its source, so that builds without the assembler
/// (`--no-default-features --features run`) run it too.
#[cfg(feature = "run")]
fn committed(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs").join(name);
    path.to_str().unwrap().to_owned()
}

#[cfg(feature = "run")]
#[test]
fn a_panic_names_its_code() {
    let out = tinyvm(&["run", &committed("panic.tvmb")]);
    assert!(!out.status.success());
    assert_eq!(stdout(&out), "about to panic\n");
    assert!(
        stderr(&out).contains("program panicked: code 42"),
        "stderr: {:?}",
        stderr(&out)
    );
}

#[cfg(feature = "run")]
#[test]
fn a_panic_unwinds_to_exit_code_101() {
    let out = tinyvm(&["run", &committed("panic.tvmb")]);
    assert_eq!(out.status.code(), Some(101), "{:?}", out.status);
}

#[cfg(not(feature = "compile"))]
#[test]
fn compile_needs_feature() {
    let out = tinyvm(&["compile", "x.tvm", "-o", "x.tvmb"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: this build has no 'compile' feature\n");
}

#[cfg(not(feature = "run"))]
#[test]
fn run_needs_feature() {
    let out = tinyvm(&["run", "x.tvmb"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: this build has no 'run' feature\n");
}

#[cfg(all(feature = "compile", feature = "run"))]
mod full {
    use super::*;

    const PROGRAMS: &[&str] = &["collatz", "factorial", "fib", "hello", "primes"];

    fn program(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("programs")
            .join(name)
    }

    /// Compile `programs/<name>.tvm`; `test` keeps outputs of concurrently
    /// running tests apart.
    fn compile(name: &str, test: &str) -> PathBuf {
        let src = program(&format!("{name}.tvm"));
        let out_path = scratch(&format!("{name}-{test}.tvmb"));
        let out = tinyvm(&[
            "compile",
            src.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "compile {name}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        out_path
    }

    #[test]
    fn committed_bytecode_is_current() {
        let fresh = compile("panic", "committed");
        assert_eq!(
            std::fs::read(fresh).unwrap(),
            std::fs::read(committed("panic.tvmb")).unwrap(),
            "programs/panic.tvmb is stale: compile programs/panic.tvm again"
        );
    }

    #[test]
    fn sample_programs_match_expected_output() {
        for name in PROGRAMS {
            let expected = std::fs::read_to_string(program(&format!("{name}.expected"))).unwrap();
            let bytecode = compile(name, "samples");

            let out = tinyvm(&["run", bytecode.to_str().unwrap()]);
            assert!(out.status.success(), "run {name}: {}", stderr(&out));
            assert_eq!(stdout(&out), expected, "run {name}");
            assert_eq!(stderr(&out), "", "run {name}");

            let src = program(&format!("{name}.tvm"));
            let out = tinyvm(&["eval", src.to_str().unwrap()]);
            assert!(out.status.success(), "eval {name}: {}", stderr(&out));
            assert_eq!(stdout(&out), expected, "eval {name}");
        }
    }

    #[test]
    fn program_arguments() {
        let fib = program("fib.tvm");
        let out = tinyvm(&["eval", fib.to_str().unwrap(), "5"]);
        assert_eq!(stdout(&out), "0\n1\n1\n2\n3\n");

        let collatz = compile("collatz", "args");
        let out = tinyvm(&["run", collatz.to_str().unwrap(), "97"]);
        assert_eq!(stdout(&out), "118\n");

        let hello = program("hello.tvm");
        let out = tinyvm(&["eval", hello.to_str().unwrap(), "40", "-3", "5"]);
        assert!(
            stdout(&out).ends_with("sum of arguments: 42\n"),
            "{}",
            stdout(&out)
        );

        let out = tinyvm(&["eval", hello.to_str().unwrap(), "4x"]);
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn division_by_zero_traps_with_exit_1() {
        let bytecode = compile("divzero", "trap");
        let out = tinyvm(&["run", bytecode.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout(&out), "computing 10 / (5 - 5)...\n");
        assert!(
            stderr(&out).starts_with(
                "error: trap: integer division by zero\nbacktrace:\n    0: main @ pc 5"
            ),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn panic_instruction_panics() {
        let bytecode = compile("panic", "panic");
        let out = tinyvm(&["run", bytecode.to_str().unwrap()]);
        assert!(!out.status.success());
        assert_eq!(stdout(&out), "about to panic\n");
        assert!(
            stderr(&out).contains("program panicked: code 42"),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn fuel_limits_execution() {
        let fib = program("fib.tvm");
        let out = tinyvm(&["eval", "--fuel", "50", "--stats", fib.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("steps: 50\n"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("error: trap: all fuel consumed"),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn disassembly_round_trips() {
        let bytecode = compile("primes", "disasm");
        let out = tinyvm(&["disasm", bytecode.to_str().unwrap()]);
        assert!(out.status.success());
        let listing = stdout(&out);
        assert!(
            listing.contains(".string s0 \"primes below 100:\\n\""),
            "{listing}"
        );
        assert!(listing.contains("print_str s0"), "{listing}");

        let relisted = scratch("primes-relisted.tvm");
        std::fs::write(&relisted, &listing).unwrap();
        let out = tinyvm(&["eval", relisted.to_str().unwrap()]);
        let expected = std::fs::read_to_string(program("primes.expected")).unwrap();
        assert_eq!(stdout(&out), expected);
    }

    #[test]
    fn assembly_errors_point_at_the_source() {
        let src = scratch("broken.tvm");
        std::fs::write(&src, ".func main\n    push 1\n    frob\n.end\n").unwrap();
        let out = tinyvm(&["eval", src.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out),
            format!("error: {}:3:5: unknown instruction `frob`\n", src.display())
        );

        let out = tinyvm(&["run", "no-such-program.tvmb"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).starts_with("error: no-such-program.tvmb: "));
    }
}
