"""A size report in each format: terminal, markdown (pull-request ready), json and csv."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from minbuild.budgets.limits import Violation
from minbuild.report.anatomy import (
    composition_text,
    counted_parts,
    diff_markdown,
    diff_text,
    movers_markdown,
    parts_cells,
)
from minbuild.report.html import html_report
from minbuild.report.movers import CompositionDiff, Level, label
from minbuild.report.table import cache_text, delta_text, grid, notes, render, size_text
from minbuild.runs.records import RunRecord
from minbuild.runs.rows import Change, Row, base_stage, rows, tests_text, toolchain_label
from minbuild.util.text import (
    first_few,
    format_table,
    md_code,
    md_fenced,
    md_table,
    md_text,
    shorten,
)

FORMATS = ("terminal", "markdown", "json", "csv", "html")
REPORT_SCHEMA = "minbuild.report/1"


@dataclass(frozen=True)
class Report:
    """Everything a size report shows: the run, and optionally a comparison and budget results."""

    run: RunRecord
    against: str | None = None
    changes: Sequence[Change] = ()
    violations: Sequence[Violation] | None = None  # None: budgets were not checked
    warnings: Sequence[str] = field(default_factory=list)
    diffs: Sequence[CompositionDiff] = ()
    """What moved between compositions: two stages, each stage and the one above, or each
    stage and itself in the compared run."""
    details: bool = False
    """Show every stage's composition (sections, code by crate)."""
    allowed: str | None = None
    """Why broken budgets did not fail the check (--allow-growth, MINBUILD_ALLOW_GROWTH)."""

    @property
    def rows(self) -> list[Row]:
        return rows(self.run)


def render_report(report: Report, form: str, *, exact: bool = False) -> str:
    if form == "html":  # the page is humanized whatever --bytes says, as before
        budgets = (
            ""
            if report.violations is None
            else "\n".join(budget_lines(report.violations, report.warnings, "", report.allowed))
        )
        return html_report(report.run, report.diffs, budgets)
    renderers = {"terminal": terminal, "markdown": markdown, "json": to_json, "csv": to_csv}
    return renderers[form](report, exact=exact)


def terminal(report: Report, *, exact: bool = False) -> str:
    parts = [render(report.run, exact=exact)]
    if len({row.target for row in report.rows}) > 1:
        parts.append("\n" + grid(report.run, exact=exact))
    if report.against is not None:
        parts.append(
            f"\ncompared with {report.against}\n\n"
            + format_table(
                _CHANGE_HEADERS, _change_cells(report.changes, exact=exact), {2, 3, 4, 5}
            )
            + "\n"
        )
    headers, named = parts_cells(report.run.stages, exact=exact)
    if named:
        right = set(range(1, len(headers)))
        parts.append(
            "\nthe project's parts (code, % of it):\n" + format_table(headers, named, right) + "\n"
        )
    if report.details:
        for stage in report.run.stages:
            if stage.composition is not None:
                parts.append(
                    "\n" + composition_text(label(stage), stage.composition, exact=exact) + "\n"
                )
    for change in report.diffs:
        parts.append("\n" + diff_text(change, exact=exact) + "\n")
    if report.violations is not None:
        lines = budget_lines(report.violations, report.warnings, "", report.allowed)
        parts.append("\n" + "\n".join(lines) + "\n")
    return "".join(parts)


_CHANGE_HEADERS = ("stage", "target", "then", "now", "Δ", "Δ %")


def _change_cells(changes: Sequence[Change], *, exact: bool) -> list[list[str]]:
    cells = []
    for change in changes:
        delta, percent = delta_text(change.delta, change.percent)
        if change.kind != "changed":
            delta, percent = change.kind, ""
        cells.append(
            [
                change.stage,
                change.target,
                size_text(change.then, exact=exact),
                size_text(change.now, exact=exact),
                delta,
                percent,
            ]
        )
    return cells


def budget_lines(
    violations: Sequence[Violation],
    warnings: Sequence[str],
    bullet: str = "",
    allowed: str | None = None,
) -> list[str]:
    """A headline, then ✗ per broken budget and ! per budget that could not be checked."""
    head = f"budgets: {len(violations)} broken" if violations else "budgets: all kept"
    if violations and allowed:
        head += f", allowed by {allowed}"
    lines = [head, *(f"{bullet}✗ {v.message}" for v in violations)]
    return lines + [f"{bullet}! {warning}" for warning in warnings]


def markdown(report: Report, *, exact: bool = False) -> str:
    run = report.run
    commit = run.crate.get("git_commit") or "no commit"
    lines = [
        f"## minbuild size report: {md_text(run.crate.get('name'))} "
        f"{md_text(run.crate.get('version'))}",
        "",
        f"Run {md_code(run.run_id)} · commit {md_code(commit[:12])} · toolchain "
        f"{md_text(toolchain_label(run.toolchain))} · host {md_code(run.host)}",
    ]
    if run.merged_from:
        shards = md_text(first_few(list(run.merged_from)), 400)
        lines.append(f"Merged from {len(run.merged_from)} shards: {shards}.")
    if report.against is not None:
        lines.append(f"Compared with {md_text(report.against)}.")
    lines += ["", *_markdown_table(report, exact=exact)]
    headers, named = parts_cells(report.run.stages, exact=exact)
    if named:
        lines += [
            "",
            "### The project's parts (code, % of it)",
            "",
            *md_table(
                [md_text(h) for h in headers],
                [[md_text(cell) for cell in row] for row in named],
                "l" + "r" * (len(headers) - 1),
            ),
        ]
    explained = notes(report.rows)
    if explained:
        lines += ["", *(f"- {md_code(stage)}: {md_text(note, 400)}" for stage, note in explained)]
    if report.violations is not None:
        head, *budget = budget_lines(report.violations, report.warnings, "", report.allowed)
        lines += ["", f"### Budgets: {md_text(head.removeprefix('budgets: '))}", ""]
        lines += [f"- {md_text(line, 400)}" for line in budget]
    if report.against is not None:
        lines += [
            "",
            f"### Compared with {md_text(report.against)}",
            "",
            *md_table(
                _CHANGE_HEADERS,
                [
                    [md_code(stage), md_text(target), *sizes]
                    for stage, target, *sizes in _change_cells(report.changes, exact=exact)
                ],
                "llrrrr",
            ),
        ]
    lines += _markdown_composition(report, exact=exact)
    lines += ["", "<details><summary>Commands and environment of every stage</summary>", ""]
    for row in report.rows:
        reason = f": {row.record.reason}" if row.record.reason else ""
        shell = shorten(row.record.shell or "(no command recorded)", 4000)
        lines += [f"**{md_text(row.stage)}** ({md_text(row.status + reason, 400)})", ""]
        lines += [md_fenced(shell, "sh"), ""]
    return "\n".join([*lines, "</details>", ""])


def _markdown_table(report: Report, *, exact: bool) -> list[str]:
    """Every stage's row; the compile cache's hits when a cache ran."""
    base = base_stage(report.run)
    cached = any(cache_text(row.record) for row in report.rows)
    headers = ["#", "stage", "target", "size", "Δ prev", "Δ %"]
    headers += [f"% of {md_text(base.name) if base else 'base'}", "tests", "toolchain"]
    headers += ["cache"] * cached + ["status"]
    rows = []
    for number, row in enumerate(report.rows):
        delta, percent = delta_text(row.delta, row.delta_percent)
        cells = [str(number), md_code(row.stage), md_text(row.target)]
        cells += [size_text(row.size, exact=exact), delta]
        cells += [
            f"**{percent}**" if row.grew else percent,
            f"{row.percent_of_base:.1f}%" if row.percent_of_base is not None else "",
            md_text(tests_text(row.record)),
            md_text(row.toolchain),
        ]
        cells += [cache_text(row.record)] * cached
        cells.append(row.status if row.status == "ok" else f"**{md_text(row.status)}**")
        rows.append(cells)
    return md_table(headers, rows, "rllrrrrrl" + "r" * cached + "l")


def _markdown_composition(report: Report, *, exact: bool) -> list[str]:
    """The crates that moved most first (what a reviewer reads), then each change and each
    stage's composition folded."""
    lines: list[str] = []
    if report.diffs:
        lines += ["", "### What moved, by crate", "", movers_markdown(report.diffs, exact=exact)]
        for change in report.diffs:
            summary = md_text(f"{change.after_label} against {change.before_label}")
            lines += ["", f"<details><summary>{summary}</summary>", ""]
            lines += [diff_markdown(change, exact=exact), "", "</details>"]
    if report.details:
        for stage in report.run.stages:
            if stage.composition is not None:
                summary = md_text(f"{label(stage)}: composition")
                lines += ["", f"<details><summary>{summary}</summary>", ""]
                text = composition_text(label(stage), stage.composition, exact=exact)
                lines += [md_fenced(text, "text"), "", "</details>"]
    return lines


def _row_data(row: Row) -> dict[str, object]:
    return {
        "stage": row.stage,
        "target": row.target,
        "status": row.status,
        "size_bytes": row.size,
        "delta_bytes": row.delta,
        "delta_percent": _rounded(row.delta_percent),
        "percent_of_base": _rounded(row.percent_of_base),
        "tests_passed": row.tests_passed,
        "tests_run": row.tests_run,
        "tests_excused": row.record.tests_excused,
        "regressions": [t.name for t in row.record.tests if t.regression],
        "toolchain": row.toolchain,
        "grew": row.grew,
        "sha256": row.record.sha256,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def to_json(report: Report, *, exact: bool = False) -> str:
    run = report.run
    data: dict[str, object] = {
        "schema": REPORT_SCHEMA,
        "run_id": run.run_id,
        "crate": dict(run.crate),
        "toolchain": dict(run.toolchain),
        "host": run.host,
        "rows": [_row_data(row) for row in report.rows],
    }
    counted = counted_parts(run.stages)
    if counted:
        data["parts"] = [
            {
                "stage": stage.name,
                "target": stage.target,
                "code_bytes": composition.code_size,
                "bytes": {p.name: p.size for p in composition.parts},
            }
            for stage, composition in counted
        ]
    if report.against is not None:
        data["comparison"] = {
            "against": report.against,
            "changes": [
                {
                    "stage": c.stage,
                    "target": c.target,
                    "kind": c.kind,
                    "then_bytes": c.then,
                    "now_bytes": c.now,
                    "delta_bytes": c.delta,
                    "delta_percent": _rounded(c.percent),
                }
                for c in report.changes
            ],
        }
    if report.diffs:
        data["diffs"] = [_diff_data(change) for change in report.diffs]
    if report.violations is not None:
        data["budgets"] = {
            "violations": [v.__dict__ for v in report.violations],
            "warnings": list(report.warnings),
            "allowed": report.allowed if report.violations else None,
        }
    return json.dumps(data, indent=2) + "\n"


def _diff_data(change: CompositionDiff, top: int = 50) -> dict[str, object]:
    def movers(level: Level) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        for m in change.top(level, top):
            found.append({"name": m.name, "before": m.before, "after": m.after, "delta": m.delta})
            if m.crate:
                found[-1]["crate"] = m.crate
        return found

    return {
        "before": change.before_label,
        "after": change.after_label,
        "file_delta_bytes": change.file_delta,
        "code_delta_bytes": change.code_delta,
        "sections": movers("section"),
        "crates": movers("crate"),
        "symbols": movers("symbol"),
    }


def to_csv(report: Report, *, exact: bool = False) -> str:
    then = {(c.stage, c.target): c for c in report.changes}
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    header = list(_row_data(report.rows[0]) if report.rows else [])
    comparing = report.against is not None
    writer.writerow(
        header + (["then_bytes", "change_bytes", "change_percent"] if comparing else [])
    )
    for row in report.rows:
        values = ["" if v is None else v for v in _row_data(row).values()]
        change = then.get(row.key)
        if comparing:
            values += [
                "" if change is None or v is None else v
                for v in (
                    change and change.then,
                    change and change.delta,
                    change and _rounded(change.percent),
                )
            ]
        writer.writerow(values)
    return stream.getvalue()
