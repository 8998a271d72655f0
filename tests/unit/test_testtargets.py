"""Which integration test targets start the crate's binary, read from their source."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from minbuild.rust.cargo import CargoTarget
from minbuild.rust.testtargets import running_the_binary
from tests.unit.helpers import crate

BIN = CargoTarget("tool", ("bin",), ("bin",))


def starting(tmp_path: Path, files: dict[str, str], build_rs: str | None = None) -> tuple[str, ...]:
    """The test targets (tests/NAME.rs among `files`) found to start the binary."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    roots = {Path(n).stem: tmp_path / n for n in files if n.count("/") == 1}
    script = None
    if build_rs is not None:
        script = tmp_path / "build.rs"
        script.write_text(build_rs, encoding="utf-8")
    found = dataclasses.replace(crate(), targets=(BIN,), test_targets=roots, build_script=script)
    return running_the_binary(found)


def test_each_way_of_starting_the_binary_is_found(tmp_path: Path) -> None:
    found = starting(
        tmp_path,
        {
            "tests/baked.rs": 'const BIN: &str = env!("CARGO_BIN_EXE_tool");',
            "tests/assert.rs": 'Command::cargo_bin("tool").unwrap();',
            "tests/beside.rs": "let exe = std::env::current_exe().unwrap();",
            "tests/library.rs": "use tool::parse; #[test] fn parses() {}",
        },
    )
    assert found == ("assert", "baked", "beside")


def test_modules_the_target_declares_are_read_and_only_those(tmp_path: Path) -> None:
    found = starting(
        tmp_path,
        {
            "tests/integration.rs": "mod utils;\n#[test] fn t() {}",
            "tests/utils/mod.rs": "pub mod command;",
            "tests/utils/command.rs": 'Command::cargo_bin("tool")',
            "tests/pretty.rs": "use tool::PrettyPrinter;",
        },
    )
    assert found == ("integration",), "pretty.rs does not declare utils"


def test_a_path_the_build_script_bakes_into_a_generated_file(tmp_path: Path) -> None:
    files = {"tests/tests.rs": 'include!(concat!(env!("OUT_DIR"), "/tests.rs"));'}
    baking = 'let p = out_dir.join("..").join("tool"); // OUT_DIR'
    assert starting(tmp_path / "a", files, baking) == ("tests",)
    assert starting(tmp_path / "b", files, "fn main() {}") == ()
