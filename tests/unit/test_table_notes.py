"""The notes under the staircase table say a failure the stages did not cause once."""

from __future__ import annotations

import dataclasses

from minbuild.report.table import render
from minbuild.runs.records import RunRecord, TestResult
from tests.unit.samples import sample_run, stage

OLD = ("c_old", "a_old", "b_old")


def failing_at_release(*names: str) -> tuple[TestResult, ...]:
    return tuple(
        TestResult(name, "failed", 0.1, "", "boom", already_failing_at="release") for name in names
    )


def with_tests(run: RunRecord, tests: dict[str, tuple[TestResult, ...]]) -> RunRecord:
    stages = tuple(dataclasses.replace(s, tests=tests.get(s.name, s.tests)) for s in run.stages)
    return dataclasses.replace(run, stages=stages)


def note_lines(run: RunRecord) -> list[str]:
    return [line for line in render(run).splitlines() if "too:" in line]


def test_tests_failing_at_release_at_every_stage_are_one_note_naming_the_stages() -> None:
    # Each stage ran its tests in another order, as lanes and test harnesses do.
    run = with_tests(
        sample_run(),
        {
            "opt-level-s": failing_at_release(*OLD),
            "lto": failing_at_release(*reversed(OLD)),
            "strip": failing_at_release(OLD[1], OLD[2], OLD[0]),
        },
    )
    assert note_lines(run) == [
        "  opt-level-s…strip: 3 tests failing at release too: a_old, b_old, c_old"
    ]


def test_a_stage_between_that_does_not_fail_them_splits_the_span() -> None:
    run = sample_run()
    extra = [stage("codegen-units-1", 480_000), stage("location-detail", 470_000)]
    stages = (*run.stages[:5], *extra, *run.stages[5:])
    run = with_tests(
        dataclasses.replace(run, stages=stages),
        {
            "opt-level-s": failing_at_release("one"),
            "lto": failing_at_release("one"),
            "location-detail": failing_at_release("one"),
            "codegen-units-1": failing_at_release("one", "two"),
        },
    )
    assert note_lines(run) == [
        "  opt-level-s…lto, location-detail: 1 test failing at release too: one",
        "  codegen-units-1: 2 tests failing at release too: one, two",
    ]


def test_a_stage_own_failures_keep_their_own_note() -> None:
    broke = TestResult("new", "failed", 0.1, "", "it broke here")
    run = with_tests(
        sample_run(),
        {"opt-level-s": failing_at_release("one"), "lto": (*failing_at_release("one"), broke)},
    )
    text = render(run)
    assert "  lto: failed tests: new (it broke here)" in text
    assert text.count("failing at release too") == 1
