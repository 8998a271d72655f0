"""Report rows and comparisons are pure functions of run records."""

from __future__ import annotations

import dataclasses

from minbuild.runs.rows import compare, reference_from_run, rows
from tests.unit.samples import later_run, sample_run, stage


def test_rows_measure_each_stage_against_the_previous_sized_one() -> None:
    by_stage = {row.stage: row for row in rows(sample_run())}
    assert by_stage["debug"].delta is None and by_stage["debug"].percent_of_base is not None
    assert by_stage["opt-level-s"].delta == 10_000 and by_stage["opt-level-s"].grew
    assert by_stage["lto"].delta == -210_000
    assert by_stage["broken"].delta is None and by_stage["broken"].size is None
    assert by_stage["release"].percent_of_base == 100.0
    assert {row.target for row in rows(sample_run())} == {"x86_64-unknown-linux-gnu"}


def test_each_target_is_its_own_staircase() -> None:
    run = sample_run()
    arm = stage("lto", 300_000, target="aarch64-unknown-linux-gnu")
    run = dataclasses.replace(run, stages=(*run.stages, arm))
    arm_row = rows(run)[-1]
    assert arm_row.target == "aarch64-unknown-linux-gnu"
    assert arm_row.delta is None, "no earlier aarch64 stage to compare with"


def test_comparison_puts_the_worst_regression_on_top() -> None:
    changes = compare(rows(later_run()), reference_from_run(sample_run()))
    assert [(c.stage, c.kind, c.then, c.now, c.delta) for c in changes] == [
        ("release", "changed", 700_000, 720_000, 20_000),
        ("debug", "changed", 13_000_000, 13_000_000, 0),
        ("lto", "changed", 500_000, 500_000, 0),
        ("opt-level-s", "changed", 710_000, 705_000, -5_000),
        ("tiny", "new", None, 120_000, None),
        ("strip", "vanished", 500_000, None, None),
    ]
    assert changes[0].percent is not None and round(changes[0].percent, 2) == 2.86


def test_reference_names_run_and_commit() -> None:
    assert reference_from_run(later_run()).label == (
        "run 20261121T120000Z-beef (commit c0ffeec0ffee)"
    )
