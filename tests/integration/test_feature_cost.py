"""Feature costs of tests/crates/hello, measured by real builds with tests on each."""

from __future__ import annotations

from pathlib import Path

from minbuild.commands import feature_cost
from minbuild.runs.progress import Silent
from minbuild.runs.records import load
from tests.conftest import REPO, run_command


def test_feature_costs_of_hello(cargo: None, shared_state: Path) -> None:
    options = feature_cost.Options(
        config=REPO / "tests" / "crates" / "hello" / "minbuild.yaml",
        stages=("lto",),
        exclude=("broken",),
        state_dir=shared_state,
    )
    outcome = run_command("feature-cost", options, Silent())
    (path,) = outcome.written
    text = outcome.text.removesuffix(f"\nrun document: {path}\n")
    rows = {line.split()[0]: line for line in text.splitlines()[4:] if line.strip()}
    assert set(rows) == {"greeting", "shout"}
    assert rows["greeting"].split()[1] == "in"  # the base (minimal set) already has it
    assert rows["shout"].split()[1].startswith("+")  # to_uppercase costs bytes
    assert path.is_file()
    variants = load(path).stages
    assert any(":" in stage.name for stage in variants)  # lto:full-shout
    for stage in variants:  # a ':' breaks PATH, LD_LIBRARY_PATH and rpaths made of them
        assert stage.artifact and ":" not in stage.artifact
