"""Every report format over hand-made records; markdown and csv against golden files."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from pathlib import Path

from minbuild.budgets.limits import Violation
from minbuild.report.formats import Report, render_report
from minbuild.runs.composition import Share
from minbuild.runs.rows import compare, reference_from_run, rows
from tests.unit.samples import composed_run, later_run, sample_run

GOLDEN = Path(__file__).parent / "golden"


def full_report() -> Report:
    reference = reference_from_run(sample_run())
    violation = Violation(
        "release",
        "x86_64-unknown-linux-gnu",
        "max_growth",
        "release [x86_64-unknown-linux-gnu]: grew +20,000 B (+2.9%)",
    )
    return Report(
        later_run(),
        reference.label,
        compare(rows(later_run()), reference),
        [violation],
        ["debug [x86_64-unknown-linux-gnu]: no baseline entry"],
    )


def matches_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MINBUILD_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; review, then regenerate"


def test_markdown_matches_golden() -> None:
    matches_golden("report.md", render_report(full_report(), "markdown"))


def test_csv_matches_golden() -> None:
    matches_golden("report.csv", render_report(full_report(), "csv"))


def test_markdown_is_a_pull_request_comment() -> None:
    text = render_report(full_report(), "markdown")
    lines = text.splitlines()
    assert lines[0] == "## minbuild size report: tinyvm 0.3.0"
    assert lines.index(
        "| # | stage | target | size | Δ prev | Δ % | % of release | tests | toolchain | status |"
    ) < lines.index("### Budgets: 1 broken")
    assert "Compared with run 20261120T120000Z-abcd (not in git)." in text
    assert "<details><summary>Commands and environment of every stage</summary>" in text
    assert text.rstrip().endswith("</details>")


def test_json_is_a_versioned_document() -> None:
    data = json.loads(render_report(full_report(), "json"))
    assert data["schema"] == "minbuild.report/1"
    assert [r["stage"] for r in data["rows"]] == ["debug", "release", "opt-level-s", "lto", "tiny"]
    assert data["rows"][1]["delta_bytes"] == -12_280_000
    assert data["comparison"]["changes"][0] == {
        "stage": "release",
        "target": "x86_64-unknown-linux-gnu",
        "kind": "changed",
        "then_bytes": 700_000,
        "now_bytes": 720_000,
        "delta_bytes": 20_000,
        "delta_percent": 2.86,
    }
    assert data["budgets"]["violations"][0]["rule"] == "max_growth"


def test_csv_has_comparison_columns_only_when_comparing() -> None:
    plain = list(csv.reader(io.StringIO(render_report(Report(sample_run()), "csv"))))
    assert plain[0][-1] == "sha256" and len(plain) == 1 + len(sample_run().stages)
    compared = list(csv.reader(io.StringIO(render_report(full_report(), "csv"))))
    assert compared[0][-3:] == ["then_bytes", "change_bytes", "change_percent"]
    release = next(row for row in compared if row[0] == "release")
    assert release[-3:] == ["700000", "20000", "2.86"]


def test_terminal_shows_exact_bytes_on_request() -> None:
    text = render_report(full_report(), "terminal", exact=True)
    assert "720,000 B" in text and "compared with run 20261120T120000Z-abcd" in text
    assert "budgets: 1 broken" in text and "✗ release [x86_64-unknown-linux-gnu]" in text
    assert "! debug [x86_64-unknown-linux-gnu]: no baseline entry" in text


def test_terminal_adds_the_target_by_stage_matrix_for_several_targets() -> None:
    import dataclasses

    run = sample_run()
    arm = dataclasses.replace(run.stages[3], target="aarch64-unknown-linux-gnu", size_bytes=400_000)
    text = render_report(Report(dataclasses.replace(run, stages=(*run.stages, arm))), "terminal")
    matrix = text[text.index("\ntarget ") :]
    assert "aarch64-unknown-linux-gnu" in matrix and "390.6 KiB" in matrix
    assert "\ntarget " not in render_report(Report(run), "terminal")


def test_the_projects_parts_stage_by_stage_in_every_form() -> None:
    run = composed_run()
    counted = {"release": (40_000, 9_500), "lto": (36_000, 8_000)}
    stages = tuple(
        dataclasses.replace(
            s,
            composition=dataclasses.replace(
                s.composition,
                parts=(Share("wasi", counted[s.name][0]), Share("formatting", counted[s.name][1])),
            ),
        )
        if s.composition is not None
        else s
        for s in run.stages
    )
    report = Report(dataclasses.replace(run, stages=stages))
    terminal = render_report(report, "terminal")
    table = terminal.split("the project's parts (code, % of it):\n", 1)[1].splitlines()
    assert table[0].split() == ["stage", "wasi", "formatting"]
    # release's code is 400,000 bytes: wasi 10%, formatting 2.4%
    assert table[2].split() == ["release", "39.1", "KiB", "(10.0%)", "9.3", "KiB", "(2.4%)"]
    assert table[3].split()[0] == "lto" and len(table) == 4, "only the stages that counted"
    markdown = render_report(report, "markdown")
    assert "| stage | wasi | formatting |" in markdown
    assert "| release | 39.1 KiB (10.0%) | 9.3 KiB (2.4%) |" in markdown
    data = json.loads(render_report(report, "json"))
    assert data["parts"][0] == {
        "stage": "release", "target": None, "code_bytes": 400_000,
        "bytes": {"wasi": 40_000, "formatting": 9_500},
    }  # fmt: skip
    assert "parts" not in json.loads(render_report(Report(run), "json"))
