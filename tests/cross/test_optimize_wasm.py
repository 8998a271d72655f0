"""`minbuild optimize --target wasm32-wasip1` on tests/crates/hello: every trial built for
the target and tested under Wasmtime, wasm-opt searched as a post-link step (and build-std
not, a foreign target always rebuilds std), and the exported command and post-link line,
run by hand on a fresh copy, give the winner's module to the byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.optimize import trials
from minbuild.optimize.trials import OptimizeRecord
from tests.conftest import REPO, CrossTools, built_by_hand, run_minbuild

HELLO = REPO / "tests" / "crates" / "hello"
TARGET = "wasm32-wasip1"


@pytest.fixture(scope="module")
def searched(cross_tools: CrossTools, shared_state: Path) -> tuple[OptimizeRecord, str]:
    cross_tools([TARGET])
    done = run_minbuild(
        "optimize",
        "--config",
        str(HELLO / "minbuild.yaml"),
        "--state-dir",
        str(shared_state),
        "--target",
        TARGET,
        "--from",
        "lto",
        "--settings",
        "wasm-opt,build-std",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    newest = sorted((shared_state / "optimize").glob("*.json"))[-1]
    return trials.load(newest), done.stdout + done.stderr


def test_every_trial_is_built_for_the_target_and_tested_under_its_runner(
    searched: tuple[OptimizeRecord, str],
) -> None:
    record, output = searched
    assert record.target == TARGET and f"for {TARGET}" in output
    built = [t for t in record.trials if t.stage.status != "skipped"]
    assert len(built) >= 4  # start, two references, wasm-opt's values
    for trial in built:
        stage = trial.stage
        assert stage.target == TARGET and (stage.artifact or "").endswith(".wasm")
        assert stage.command[stage.command.index("--target") + 1] == TARGET
        assert "minbuild.wasmhost" in stage.runner
        assert stage.status == "ok" and stage.tests_passed == stage.tests_run >= 2, stage.reason
    # no prebuilt std for a foreign target: build-std is not a choice there
    assert record.left_out["build-std"] == f"not for {TARGET}"
    assert record.fixed["build-std"] == "rebuilt"


def test_wasm_opt_runs_after_the_link_and_the_winner_is_smaller(
    searched: tuple[OptimizeRecord, str],
) -> None:
    record, _ = searched
    winner, start = record.winning, record.reference("start")
    assert winner is not None and start is not None
    assert winner.point["wasm-opt"] in ("Oz", "Os")
    assert winner.size is not None and start.size is not None and winner.size < start.size
    assert "post-link-1" in Path(winner.stage.artifact or "").parts
    (worth,) = [c for c in record.contributions if c.setting == "wasm-opt"]
    assert worth.bytes_saved == (worth.size_without or 0) - winner.size > 0


def test_the_exported_command_and_post_link_line_build_the_winner_by_hand(
    searched: tuple[OptimizeRecord, str], tmp_path: Path
) -> None:
    record, output = searched
    found, winner = record.export, record.winning
    assert found is not None and winner is not None
    assert found.target == TARGET and f"[target.{TARGET}]" in output
    assert found.post_link and found.post_link[0].startswith("wasm-opt -O")
    assert all(line in output for line in (found.command, *found.post_link))
    module = built_by_hand(HELLO, found, tmp_path, "hello.wasm")
    assert module.stat().st_size == winner.size
