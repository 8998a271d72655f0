"""A compiler or linker ended by a signal: the stage's reason names it (cargo's own words,
recorded from builds of tests/crates/hello under `ulimit -f`)."""

from __future__ import annotations

import pytest

from minbuild.rust.signals import killed_by_signal

LINKER = """\
error: linking with `cc` failed: exit status: 1
  |
  = note:  "cc" "-m64" "/tmp/xfsz/target/debug/deps/hello.o" "-o" "/tmp/xfsz/target/debug/hello"
  = note: some arguments are omitted. use `--verbose` to show all linker arguments
  = note: collect2: fatal error: ld terminated with signal 25 [File size limit exceeded]
          compilation terminated.

error: could not compile `hello` (bin "hello") due to 1 previous error; 1 warning emitted
"""
COMPILER = """\
error: could not compile `hello` (bin "hello")

Caused by:
  process didn't exit successfully: `/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/rustc --crate-name hello --edition=2021 src/main.rs --error-format=json` (signal: 25)
"""  # noqa: E501
OOM = COMPILER.replace("(signal: 25)", "(signal: 9, SIGKILL: kill)")
SCRIPT = COMPILER.replace("bin/rustc --crate-name", "build/hello-1/build-script-build --x")


@pytest.mark.parametrize(
    ("output", "said"),
    [
        (LINKER, "the linker (ld) was killed by SIGXFSZ (signal 25: a file size limit (ulimit -f)"),
        (COMPILER, "the compiler (rustc) was killed by SIGXFSZ (signal 25: a file size limit"),
        (OOM, "the compiler (rustc) was killed by SIGKILL (signal 9: killed outright (out of mem"),
        (SCRIPT, "a build program (build-script-build) was killed by SIGXFSZ"),
    ],
)
def test_the_signal_and_the_program_it_ended_are_named(output: str, said: str) -> None:
    found = killed_by_signal(output)
    assert found is not None and found.startswith(said), found


def test_an_ordinary_failure_names_no_signal() -> None:
    assert killed_by_signal("error[E0308]: mismatched types\nerror: could not compile") is None
    assert killed_by_signal("") is None
