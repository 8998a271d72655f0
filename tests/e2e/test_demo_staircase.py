"""The whole demo staircase, build-std stages included, on Debian's rustc-web."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.report import movers
from minbuild.runs.progress import Silent
from minbuild.runs.records import RunRecord
from minbuild.runs.rows import overlap
from tests.conftest import REPO, min_build

ALL_STAGES = 13


def run_demo(state: Path) -> RunRecord:
    options = BuildOptions(config=REPO / "config" / "demo.yaml", state_dir=state, parallel=2)
    return min_build(options, Silent())[0]


@pytest.fixture(scope="module")
def demo_run(buildstd: None, shared_state: Path) -> RunRecord:
    return run_demo(shared_state)


def test_all_thirteen_stages_are_ok_with_every_test_passing(demo_run: RunRecord) -> None:
    assert len(demo_run.stages) == ALL_STAGES
    for stage in demo_run.stages:
        assert stage.status == "ok", f"{stage.name}: {stage.reason}"
        expected = 1 if stage.name == "panic-immediate-abort" else 0
        assert stage.tests_run >= 8 and stage.tests_passed == stage.tests_run - expected, stage.name


def test_the_crate_s_own_tests_ran_against_every_stage(demo_run: RunRecord) -> None:
    for stage in demo_run.stages:
        own = {t.name: t for t in stage.tests if t.suite == "cli"}
        assert own["version_and_help"].status == "passed", stage.name
        unwinds = own["a_panic_unwinds_to_exit_code_101"]
        if stage.effective_profile.get("panic", "unwind") == "unwind":
            assert unwinds.status == "passed", stage.name
        else:
            assert unwinds.status == "skipped" and "needs panic=unwind" in unwinds.reason
    last = {t.name: t for t in demo_run.stages[-1].tests if t.suite == "cli"}
    caught = last["a_panic_names_its_code"]
    assert caught.status == "failed" and caught.expected.startswith("panic=immediate-abort")
    full = {t.name for t in demo_run.stages[1].tests if t.suite == "cli"}
    assert "full::committed_bytecode_is_current" in full, "release has compile and run"


def test_one_toolchain_builds_every_stage(demo_run: RunRecord) -> None:
    assert demo_run.toolchain["name"] == "debian"
    assert {s.toolchain["commit"] for s in demo_run.stages} == {demo_run.toolchain["commit"]}


def test_the_staircase_goes_down(demo_run: RunRecord) -> None:
    size = {stage.name: stage.size_bytes or 0 for stage in demo_run.stages}
    assert size["release"] < size["debug"]
    assert size["disable-logging"] < size["no-default-features"] < size["release"]
    assert size["build-std-features"] < size["build-std"] < size["release"]
    assert size["panic-immediate-abort"] < size["build-std-features"]
    assert size["panic-immediate-abort"] < size["release"] / 3


def test_minimal_stages_ran_bytecode_that_a_fuller_stage_compiled(demo_run: RunRecord) -> None:
    minimal = {s.name: s for s in demo_run.stages}["panic-immediate-abort"]
    assert minimal.fixtures["fib"] == "release"  # the last stage with the assembler
    run_fib = next(t for t in minimal.tests if t.name == "run-fib")
    assert run_fib.status == "passed"


def test_a_second_run_rebuilds_nothing(demo_run: RunRecord, shared_state: Path) -> None:
    again = run_demo(shared_state)
    for stage in again.stages:
        assert stage.status == "ok"
        assert stage.units_built == 0, f"{stage.name} rebuilt {stage.units_built} units"
    assert [s.sha256 for s in again.stages] == [s.sha256 for s in demo_run.stages]


def test_two_lanes_overlap_and_use_each_others_fixtures(demo_run: RunRecord) -> None:
    lanes = {s.name: s.lane for s in demo_run.stages}
    # only std's own features differ, so core is shared
    assert lanes["build-std"] == lanes["build-std-features"]
    assert lanes["panic-immediate-abort"] != lanes["build-std"]  # all of std again
    together = overlap(demo_run)
    assert together is not None and together.lanes == 2
    assert together.span_seconds < together.sum_seconds  # the lanes ran at once
    by_name = {s.name: s for s in demo_run.stages}
    # build-std's tests ran on the programs release compiled in the other lane
    assert lanes["build-std"] != lanes["release"]
    assert by_name["build-std"].fixtures["fib"] == "release"


def test_lto_against_panic_abort_names_what_it_removed(demo_run: RunRecord) -> None:
    change = movers.between(demo_run, "panic-abort", "lto")
    assert change.file_delta < 0 and change.code_delta < 0
    shrank = [m for m in change.crates if m.delta < 0]
    assert {"core", "std"} & {m.name for m in shrank[:5]}
    assert any(m.delta < 0 for m in change.symbols)
    for stage in demo_run.stages:  # every stage, the build-std ones included
        parts = stage.composition
        assert parts is not None, f"{stage.name}: {stage.composition_error}"
        # the bar is 2%; a debug build's thousands of small functions leave more
        # alignment padding between them
        share = 0.95 if stage.name == "debug" else 0.98
        assert parts.attributed >= share * parts.code_size, stage.name
        own = {c.name for c in parts.crates if c.origin == "crate"}
        assert "tinyvm" in own, stage.name
