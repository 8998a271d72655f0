"""The feature matrix finds the combination of tests/crates/hello that does not compile."""

from __future__ import annotations

from pathlib import Path

from minbuild.features.combinations import MatrixOptions, run
from minbuild.project.config import load_project
from tests.conftest import REPO


def test_the_matrix_finds_the_broken_combinations(cargo: None, shared_state: Path) -> None:
    options = MatrixOptions(
        project=load_project(REPO / "tests" / "crates" / "hello" / "minbuild.yaml"),
        state_dir=shared_state,
    )
    text, path, ok = run(options, lambda number, total, label: None)
    assert not ok and path is not None and path.is_file()
    lines = {line.split()[0]: line for line in text.splitlines()[2:] if line.strip()}
    failed = sorted(name for name, line in lines.items() if " failed " in line)
    assert failed == ["broken", "broken,greeting", "broken,shout"]
    assert "does not compile" in lines["broken"]
    assert " ok " in lines["greeting,shout"] and " ok " in lines["(none)"]
    assert text.rstrip().endswith("4 of 7 combinations ok")
