"""The feature matrix finds the combination of tests/crates/hello that does not compile."""

from __future__ import annotations

import re
from pathlib import Path

from minbuild.commands.feature_matrix import Options
from minbuild.runs.progress import Silent
from tests.conftest import REPO, run_command, run_minbuild

HELLO = REPO / "tests" / "crates" / "hello"


def test_the_matrix_finds_the_broken_combinations(cargo: None, shared_state: Path) -> None:
    options = Options(
        config=REPO / "tests" / "crates" / "hello" / "minbuild.yaml", state_dir=shared_state
    )
    outcome = run_command("feature-matrix", options, Silent())
    (path,) = outcome.written
    assert outcome.exit_code == 1 and path.is_file()
    text = outcome.text.removesuffix(f"\nrecord: {path}\n")
    lines = {line.split()[0]: line for line in text.splitlines()[2:] if line.strip()}
    failed = sorted(name for name, line in lines.items() if " failed " in line)
    assert failed == ["broken", "broken,greeting", "broken,shout"]
    assert "does not compile" in lines["broken"]
    assert " ok " in lines["greeting,shout"] and " ok " in lines["(none)"]
    assert text.rstrip().endswith("4 of 7 combinations ok")


def test_off_a_terminal_each_combination_says_its_start_and_end_and_quiet_says_neither(
    cargo: None, shared_state: Path
) -> None:
    hello = ["feature-matrix", "--config", str(HELLO / "minbuild.yaml")]
    told = run_minbuild(*hello, "--state-dir", str(shared_state))
    lines = told.stderr.splitlines()
    assert "[ 1/7] (none): checking …" in lines
    assert any(
        line.startswith("[ 2/7] broken: failed: error: the `broken` feature") for line in lines
    )
    assert any(re.fullmatch(r"\[ 7/7\] greeting,shout: ok  \d+\.\ds", line) for line in lines)
    quiet = run_minbuild(*hello, "--quiet", "--state-dir", str(shared_state))
    assert quiet.returncode == told.returncode == 1
    assert "[ 1/7]" not in quiet.stderr and "4 of 7 combinations ok" in quiet.stdout
