//! The three ways a test finds the binary it runs; each passes only on an optimized build, which
//! the test executable (built with debug assertions) never is.

use std::path::PathBuf;
use std::process::Command;

fn marker(binary: PathBuf) -> String {
    let out = Command::new(&binary).arg("--marker").output().expect("start the binary");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{} says {text}", binary.display());
    text
}

#[test]
fn baked_path_runs_an_optimized_build() {
    assert!(marker(env!("CARGO_BIN_EXE_marked").into()).starts_with("debug_assertions=false"));
}

#[test]
fn run_time_variable_runs_an_optimized_build() {
    // assert_cmd's lookup: CARGO_BIN_EXE_<name> in the environment, then the target dir.
    let path = std::env::var_os("CARGO_BIN_EXE_marked").expect("CARGO_BIN_EXE_marked is set");
    assert!(marker(path.into()).starts_with("debug_assertions=false"));
}

#[test]
fn path_next_to_the_test_executable_runs_an_optimized_build() {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("marked");
    assert!(marker(path).starts_with("debug_assertions=false"));
}

#[test]
fn a_panic_exits_101() {
    let out = Command::new(env!("CARGO_BIN_EXE_marked")).arg("--panic").output().unwrap();
    assert_eq!(out.status.code(), Some(101));
}

#[test]
fn a_panic_prints_its_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_marked")).arg("--panic").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("boom from marked"));
}

#[test]
fn shouts() {
    let out = Command::new(env!("CARGO_BIN_EXE_marked")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "HELLO\n");
}

#[test]
fn always_fails() {
    panic!("this test fails whatever the build");
}

#[test]
#[ignore = "needs a network"]
fn ignored() {}

#[test]
fn aborts_the_test_process_when_asked() {
    // A test that takes the whole test executable down (bat has one, through a double close):
    // the tests it did not get to must still run.
    if std::env::var_os("MARKED_ABORT").is_some() {
        std::process::abort();
    }
}
