"""The staircase table is a pure function of a run record."""

from __future__ import annotations

import dataclasses

from minbuild.report.table import render
from minbuild.util.text import format_table
from tests.unit.samples import sample_run


def rows_by_stage() -> dict[str, list[str]]:
    lines = render(sample_run()).splitlines()
    return {line.split()[1]: line.split() for line in lines[4:11]}


def test_title_names_crate_toolchain_and_run() -> None:
    assert render(sample_run()).splitlines()[0] == (
        "tinyvm 0.3.0 · toolchain debian (rustc 1.96.0) · run 20261120T120000Z-abcd"
    )


def test_header_uses_the_first_optimized_stage_as_base() -> None:
    assert "% of release" in render(sample_run()).splitlines()[2]


def test_sizes_deltas_and_percent_of_release() -> None:
    rows = rows_by_stage()
    assert rows["release"][2:5] == ["683.6", "KiB", "-12,300,000"]
    assert rows["lto"][2:8] == ["488.3", "KiB", "-210,000", "-29.6%", "71.4%", "1/1"]
    assert rows["debug"][4] == "1857.1%"  # the first stage has no delta cells


def test_grown_stage_is_flagged_in_table_and_notes() -> None:
    text = render(sample_run())
    assert "+10,000" in text and "+1.4% ▲" in text
    assert "opt-level-s: ▲ grew vs release" in text


def test_skipped_and_failed_stages_explain_themselves() -> None:
    text = render(sample_run())
    rows = rows_by_stage()
    assert rows["build-std"][-1] == "skipped" and rows["broken"][-1] == "failed"
    assert "build-std: toolchain stable has no std library source" in text
    assert "broken: build failed (exit 101) · error[E0425]: cannot find value `x`" in text
    assert "strip: same effective settings as lto (expect a 0-byte delta)" in text


def test_stages_that_fail_as_an_earlier_one_did_say_so_once() -> None:
    run = sample_run()
    broken = run.stages[-1]
    again = dataclasses.replace(broken, name="broken-too")
    other = dataclasses.replace(broken, name="other", first_error="error: something else")
    text = render(dataclasses.replace(run, stages=(*run.stages, again, other)))
    assert text.count("cannot find value `x`") == 1
    assert "broken-too: fails as broken does (the same first error)" in text
    assert "other: build failed (exit 101) · error: something else" in text


def test_format_table_aligns_columns() -> None:
    table = format_table(["a", "num"], [["x", "1"], ["long", "100"]], {1})
    assert table.splitlines() == ["a     num", "----  ---", "x       1", "long  100"]
