"""The feature matrix finds the combination of tests/crates/hello that does not compile."""

from __future__ import annotations

from pathlib import Path

from minbuild.commands.feature_matrix import Options, run
from minbuild.runs.progress import Silent
from tests.conftest import REPO


def test_the_matrix_finds_the_broken_combinations(cargo: None, shared_state: Path) -> None:
    options = Options(
        config=REPO / "tests" / "crates" / "hello" / "minbuild.yaml", state_dir=shared_state
    )
    outcome = run(options, Silent())
    (path,) = outcome.written
    assert outcome.exit_code == 1 and path.is_file()
    text = outcome.text.removesuffix(f"\nrecord: {path}\n")
    lines = {line.split()[0]: line for line in text.splitlines()[2:] if line.strip()}
    failed = sorted(name for name, line in lines.items() if " failed " in line)
    assert failed == ["broken", "broken,greeting", "broken,shout"]
    assert "does not compile" in lines["broken"]
    assert " ok " in lines["greeting,shout"] and " ok " in lines["(none)"]
    assert text.rstrip().endswith("4 of 7 combinations ok")
