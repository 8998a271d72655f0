"""Pure functions from records to text: the staircase table and the dry-run listing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import humanize

from minbuild.records import RunRecord, StageRecord

if TYPE_CHECKING:
    from minbuild.pipeline import Plan

HEADERS = (
    "#",
    "stage",
    "size",
    "Δ prev",
    "Δ %",
    "% of {base}",
    "tests",
    "build",
    "cargo",
    "status",
)
RIGHT = {0, 2, 3, 4, 5, 6, 7}


def human_size(size: int) -> str:
    return str(humanize.naturalsize(size, binary=True, format="%.1f"))


def render(run: RunRecord) -> str:
    """The staircase as a table, then a line per stage that needs explaining."""
    base = next((s for s in run.stages if s.size_bytes and _inherits(s) == "release"), None)
    headers = [h.format(base=base.name if base else "release") for h in HEADERS]
    rows, notes = [], []
    previous: StageRecord | None = None
    for number, stage in enumerate(run.stages):
        rows.append(_row(number, stage, previous, base))
        note = _note(stage, previous)
        if note:
            notes.append(f"  {stage.name}: {note}")
        if stage.size_bytes is not None:
            previous = stage
    title = (
        f"{run.crate.get('name')} {run.crate.get('version')} · toolchain "
        f"{run.toolchain.get('name')} (rustc {run.toolchain.get('release')}) · "
        f"run {run.run_id}"
    )
    text = [title, "", format_table(headers, rows, RIGHT)]
    if notes:
        text += ["", *notes]
    return "\n".join(text) + "\n"


def _inherits(stage: StageRecord) -> str | None:
    return next((v for k, v in stage.env.items() if k.endswith("_INHERITS")), None)


def _row(
    number: int, stage: StageRecord, previous: StageRecord | None, base: StageRecord | None
) -> list[str]:
    size = stage.size_bytes
    return [
        str(number),
        stage.name,
        human_size(size) if size is not None else "—",
        *_delta_cells(size, previous.size_bytes if previous else None),
        f"{100 * size / base.size_bytes:.1f}%" if size and base and base.size_bytes else "",
        f"{stage.tests_passed}/{stage.tests_run}" if stage.tests_run else "—",
        f"{stage.build_seconds:.1f}s" if stage.build_seconds is not None else "",
        _units(stage),
        stage.status,
    ]


def _delta_cells(size: int | None, before: int | None) -> tuple[str, str]:
    """Bytes and percent against the previous sized stage; ▲ marks a stage that grew."""
    if size is None or not before:
        return "", ""
    delta = size - before
    return f"{delta:+,}", f"{100 * delta / before:+.1f}%" + (" ▲" if delta > 0 else "")


def _units(stage: StageRecord) -> str:
    if stage.units_built is None:
        return ""
    return "fresh" if stage.units_built == 0 else f"{stage.units_built} built"


def _note(stage: StageRecord, previous: StageRecord | None) -> str:
    parts = []
    if stage.status != "ok" and stage.reason:
        parts.append(stage.reason)
    if stage.first_error:
        parts.append(stage.first_error)
    if stage.same_settings_as:
        parts.append(f"same effective settings as {stage.same_settings_as} (expect a 0-byte delta)")
    if previous and stage.size_bytes == previous.size_bytes and stage.sha256 != previous.sha256:
        parts.append("same size, different bytes: the change fit in ELF segment padding")
    grew = (
        stage.size_bytes is not None
        and previous is not None
        and previous.size_bytes is not None
        and stage.size_bytes > previous.size_bytes
    )
    if grew:
        parts.append(
            f"▲ grew vs {previous.name if previous else ''}: measure whether this "
            "setting pays off for this crate"
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
