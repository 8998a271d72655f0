"""`minbuild optimize` on the demo from its last stage (every trial rebuilds std), over two
settings and four trials: the winner passes every test the last stage passes, is no larger than
it, and its exported profile, pasted into a fresh copy of the demo and built with the printed
command, gives a binary of exactly the winner's size."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.optimize import trials
from minbuild.optimize.trials import OptimizeRecord
from tests.conftest import REPO, built_by_hand, run_minbuild

DEMO = REPO / "config" / "demo.yaml"
SETTINGS = "codegen-units,fmt-debug"
TRIALS = 4


@pytest.fixture(scope="module")
def searched(buildstd: None, shared_state: Path) -> tuple[OptimizeRecord, str]:
    done = run_minbuild(
        "optimize",
        "--config",
        str(DEMO),
        "--state-dir",
        str(shared_state),
        "--settings",
        SETTINGS,
        "--trials",
        str(TRIALS),
        timeout=3000,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    newest = sorted((shared_state / "optimize").glob("*.json"))[-1]
    return trials.load(newest), done.stdout + done.stderr


def test_the_winner_passes_what_the_last_stage_passes_and_is_no_larger(
    searched: tuple[OptimizeRecord, str],
) -> None:
    record, output = searched
    assert record.start == "panic-immediate-abort"
    assert "does not express" not in output  # the last stage is a point of the space
    start, winner = record.reference("start"), record.winning
    assert start is not None and winner is not None
    assert start.point["panic"] == "immediate-abort" and start.point["std-features"] == "none"
    assert winner.accepted and winner.size is not None and start.size is not None
    assert winner.size <= start.size
    # the crate's own test that fails by design at panic=immediate-abort is excused
    failed = [t for t in winner.stage.tests if t.status == "failed"]
    assert [t.name for t in failed] == ["a_panic_names_its_code"]
    assert all(t.expected for t in failed)
    assert (
        record.stopped and len({s.key for s in record.steps if s.role != "leave-one-out"}) <= TRIALS
    )


def test_the_exported_profile_builds_the_winners_binary_by_hand(
    searched: tuple[OptimizeRecord, str], tmp_path: Path
) -> None:
    record, output = searched
    found, winner = record.export, record.winning
    assert found is not None and winner is not None
    assert found.command in output  # printed as it is run here
    binary = built_by_hand(REPO / "demo", found, tmp_path, "tinyvm")
    assert binary.stat().st_size == winner.size
