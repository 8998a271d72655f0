"""What moved between compositions, and how reports and budgets say it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from minbuild.budgets.baseline import baseline_from_run, load_baseline, save_baseline
from minbuild.budgets.limits import broken_budgets
from minbuild.commands.size_report import Options as ReportOptions
from minbuild.project.declared_budgets import Budget
from minbuild.report import movers
from minbuild.report.formats import Report, render_report
from minbuild.runs import records
from minbuild.runs.composition import Share
from minbuild.runs.rows import reference_from_run, rows
from minbuild.util.errors import ConfigError
from tests.unit.helpers import size_report
from tests.unit.samples import composed_run, sample_run


def test_a_diff_lists_every_change_largest_first() -> None:
    change = movers.between(composed_run(), "release", "lto")
    assert (change.before_label, change.after_label) == ("release", "lto")
    assert change.file_delta == -200_000 and change.code_delta == -78_000
    assert [(m.name, m.delta) for m in change.crates] == [("core", -80_000), ("tinyvm", 2_000)]
    assert [(m.name, m.before, m.after) for m in change.symbols] == [
        ("tinyvm::main", 1_000, 4_500),
        ("tinyvm::helper", 3_000, None),  # gone: inlined
        ("core::fmt::write", 9_000, 8_000),
    ]
    assert change.symbols[1].crate == "tinyvm"
    assert {m.name for m in change.sections} == {".text", ".rodata"}


def test_each_composed_stage_is_diffed_against_the_composed_one_above() -> None:
    (change,) = movers.stage_diffs(composed_run())
    assert (change.before_label, change.after_label) == ("release", "lto")
    assert movers.stage_diffs(sample_run()) == []


def test_a_stage_without_a_composition_cannot_be_diffed() -> None:
    with pytest.raises(KeyError):
        movers.between(composed_run(), "release", "debug")


def test_runs_are_diffed_stage_by_stage() -> None:
    then = composed_run()
    stages = tuple(
        dataclasses.replace(s, composition=then.stages[1].composition) if s.name == "lto" else s
        for s in then.stages
    )
    now = dataclasses.replace(then, run_id="later", stages=stages)
    (release, lto) = movers.across_runs(then, now)
    assert release.file_delta == 0 and lto.file_delta == 200_000
    assert lto.after_label == "lto in later"


def test_reports_name_the_crates_and_symbols_that_moved() -> None:
    run = composed_run()
    report = Report(run, diffs=movers.stage_diffs(run), details=True)
    text = render_report(report, "terminal")
    assert "lto against release: file -195.3 KiB, .text -76.2 KiB" in text
    assert "tinyvm::helper" in text and "gone" in text
    assert "release: 683.6 KiB in the file" in text  # --details: each stage's composition
    markdown = render_report(report, "markdown")
    assert "### What moved, by crate" in markdown
    assert "| release → lto | -200,000 | `core` | -80,000 |" in markdown
    assert "<details><summary>lto against release</summary>" in markdown
    data = json.loads(render_report(report, "json"))
    assert data["diffs"][0]["crates"][0] == {
        "name": "core",
        "before": 200_000,
        "after": 120_000,
        "delta": -80_000,
    }


def test_a_broken_budget_names_the_crates_that_moved() -> None:
    then = composed_run()
    stages = tuple(
        dataclasses.replace(s, size_bytes=800_000) if s.name == "release" else s
        for s in then.stages
    )
    grown = dataclasses.replace(then, stages=stages)
    later = dataclasses.replace(
        grown,
        stages=tuple(
            dataclasses.replace(s, composition=then.stages[3].composition)
            if s.name == "release"
            else s
            for s in grown.stages
        ),
    )
    budget = Budget("release", "*", None, 1, None, "project.yaml:9")
    violations, _ = broken_budgets(rows(later), [budget], reference_from_run(then))
    (violation,) = violations
    assert violation.message.endswith("; moved most: core -80,000 B, tinyvm +2,000 B")
    ceiling = Budget("lto", "*", 1000, None, None, "project.yaml:9")
    (over,), _ = broken_budgets(rows(then), [ceiling], None)
    assert over.message.endswith("; largest crates: std 150,000 B, core 120,000 B, tinyvm 52,000 B")


def test_the_baseline_keeps_the_code_by_crate_and_reads_older_files(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    save_baseline(path, baseline_from_run(composed_run()))
    reference = load_baseline(path).reference(path)
    assert reference.crates[("lto", "x86_64-unknown-linux-gnu")]["core"] == 120_000
    data = json.loads(path.read_text())
    data["schema"] = "minbuild.baseline/1"
    for entry in data["entries"]:
        entry.pop("crates")
    path.write_text(json.dumps(data))
    assert load_baseline(path).reference(path).crates == {}


def test_diff_asks_for_two_composed_stages(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    records.save(composed_run(), runs)
    options = ReportOptions(state_dir=tmp_path)
    text = size_report(dataclasses.replace(options, diff=("release", "lto"))).text
    assert "lto against release" in text
    with pytest.raises(ConfigError, match=r"give two stages, e\.g\. --diff lto,codegen-units-1"):
        size_report(dataclasses.replace(options, diff=("release",)))
    with pytest.raises(ConfigError) as caught:
        size_report(dataclasses.replace(options, diff=("release", "ltoo")))
    assert str(caught.value) == (
        "--diff: stage 'ltoo' of run 20261120T120000Z-abcd has no composition; "
        "did you mean 'lto'? (composed: release, lto)"
    )


def test_against_the_baseline_the_crates_that_moved_are_listed(tmp_path: Path) -> None:
    then = composed_run()
    baseline = tmp_path / "baseline.json"
    save_baseline(baseline, baseline_from_run(then))
    lto = then.stages[3].composition
    assert lto is not None
    bigger = dataclasses.replace(
        lto,
        file_size=530_000,
        crates=(Share("core", 150_000, origin="std"), Share("std", 150_000, origin="std")),
    )
    stages = tuple(
        dataclasses.replace(s, composition=bigger, size_bytes=530_000) if s.name == "lto" else s
        for s in then.stages
    )
    records.save(
        dataclasses.replace(then, run_id="20261121T120000Z-1", stages=stages), tmp_path / "runs"
    )
    options = ReportOptions(
        run="20261121T120000Z-1", against=str(baseline), form="json", state_dir=tmp_path
    )
    (change,) = json.loads(size_report(options).text)["diffs"]
    assert change["after"] == "lto" and change["file_delta_bytes"] == 30_000
    assert change["sections"] == [] and change["symbols"] == []  # the baseline kept neither
    assert [(c["name"], c["delta"]) for c in change["crates"]] == [
        ("tinyvm", -52_000),
        ("core", 30_000),
    ]
