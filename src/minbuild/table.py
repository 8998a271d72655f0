"""Pure functions from records to text: the staircase table and the dry-run listing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import humanize

from minbuild.records import RunRecord, StageRecord
from minbuild.report import Row, base_stage, rows, toolchain_label

if TYPE_CHECKING:
    from minbuild.pipeline import Plan


def human_size(size: int) -> str:
    return str(humanize.naturalsize(size, binary=True, format="%.1f"))


def size_text(size: int | None, exact: bool = False) -> str:
    if size is None:
        return "—"
    return f"{size:,} B" if exact else human_size(size)


def delta_text(delta: int | None, percent: float | None) -> tuple[str, str]:
    """Bytes and percent against the previous stage; ▲ marks a stage that grew."""
    if delta is None or percent is None:
        return "", ""
    return f"{delta:+,}", f"{percent:+.1f}%" + (" ▲" if delta > 0 else "")


def title(run: RunRecord) -> str:
    return (
        f"{run.crate.get('name')} {run.crate.get('version')} · toolchain "
        f"{toolchain_label(run.toolchain)} · run {run.run_id}"
    )


def render(run: RunRecord, exact: bool = False) -> str:
    """The staircase as a table, then a line per stage that needs explaining."""
    table_rows = rows(run)
    base = base_stage(run)
    many_targets = len({row.target for row in table_rows}) > 1
    many_toolchains = len({row.toolchain for row in table_rows}) > 1
    headers = [
        "#",
        "stage",
        *(["target"] if many_targets else []),
        "size",
        "Δ prev",
        "Δ %",
        f"% of {base.name if base else 'release'}",
        "tests",
        *(["toolchain"] if many_toolchains else []),
        "build",
        "cargo",
        "status",
    ]
    cells = []
    for number, row in enumerate(table_rows):
        stage = row.record
        cells.append(
            [
                str(number),
                row.stage,
                *([row.target] if many_targets else []),
                size_text(row.size, exact),
                *delta_text(row.delta, row.delta_percent),
                f"{row.percent_of_base:.1f}%" if row.percent_of_base is not None else "",
                f"{row.tests_passed}/{row.tests_run}" if row.tests_run else "—",
                *([row.toolchain] if many_toolchains else []),
                f"{stage.build_seconds:.1f}s" if stage.build_seconds is not None else "",
                _units(stage),
                row.status,
            ]
        )
    right = {i for i, h in enumerate(headers) if h in _RIGHT or h.startswith("% of")}
    text = [title(run), "", format_table(headers, cells, right)]
    explained = [f"  {stage}: {note}" for stage, note in notes(table_rows)]
    if explained:
        text += ["", *explained]
    return "\n".join(text) + "\n"


_RIGHT = {"#", "size", "Δ prev", "Δ %", "tests", "build"}


def _units(stage: StageRecord) -> str:
    if stage.units_built is None:
        return ""
    return "fresh" if stage.units_built == 0 else f"{stage.units_built} built"


def notes(table_rows: list[Row]) -> list[tuple[str, str]]:
    """(stage, explanation) for every stage that needs one: skips, failures, no-ops, growth."""
    previous: dict[str, Row] = {}
    found = []
    for row in table_rows:
        note = _note(row, previous.get(row.target))
        if note:
            found.append((row.stage, note))
        if row.size is not None:
            previous[row.target] = row
    return found


def _note(row: Row, previous: Row | None) -> str:
    stage, parts = row.record, []
    if stage.status != "ok" and stage.reason:
        parts.append(stage.reason)
    if stage.first_error:
        parts.append(stage.first_error)
    if stage.same_settings_as:
        parts.append(f"same effective settings as {stage.same_settings_as} (expect a 0-byte delta)")
    if previous and row.delta == 0 and stage.sha256 != previous.record.sha256:
        parts.append("same size, different bytes: the change fit in ELF segment padding")
    if row.grew and previous:
        parts.append(
            f"▲ grew vs {previous.stage}: measure whether this setting pays off for this crate"
        )
    failed = [f"{t.name} ({t.reason})" for t in stage.tests if t.status == "failed"]
    if failed:
        parts.append("failed tests: " + "; ".join(failed))
    return " · ".join(parts)


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: set[int] | frozenset[int] = frozenset(),
) -> str:
    """A plain-text table: columns padded to their widest cell, some right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def describe_plan(plan: Plan) -> str:
    """Per stage, the line a person can paste into a shell to build it (or why it is skipped)."""
    toolchain = plan.toolchain
    lines = [
        f"# toolchain: {toolchain.label}, commit {toolchain.commit[:12]}; "
        f"run from {plan.project.crate_dir}",
        "",
    ]
    for stage in plan.stages:
        lines.append(f"# {stage.index} {stage.name}: {stage.description}")
        skipped = plan.resolution.skipped.get(stage.name)
        lines.append(f"# skipped: {skipped}" if skipped else plan.invocations[stage.name].shell())
        lines.append("")
    return "\n".join(lines)
