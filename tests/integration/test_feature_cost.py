"""Feature costs of tests/crates/hello, measured by real builds with tests on each."""

from __future__ import annotations

from pathlib import Path

from minbuild.engine import execute
from minbuild.features import cost as featurecost
from minbuild.project.config import load_project
from tests.conftest import REPO


def test_feature_costs_of_hello(cargo: None, shared_state: Path) -> None:
    options = featurecost.CostOptions(
        load_project(REPO / "tests" / "crates" / "hello" / "minbuild.yaml"),
        stages=("lto",),
        exclude=("broken",),
        state_dir=shared_state,
    )
    text, path = featurecost.run(options, execute.Silent())
    rows = {line.split()[0]: line for line in text.splitlines()[4:] if line.strip()}
    assert set(rows) == {"greeting", "shout"}
    assert rows["greeting"].split()[1] == "in"  # the base (minimal set) already has it
    assert rows["shout"].split()[1].startswith("+")  # to_uppercase costs bytes
    assert path.is_file()
