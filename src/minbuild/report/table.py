"""Pure functions from records to text: the staircase table and the target x stage grid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from minbuild.runs.records import RunRecord, StageRecord
from minbuild.runs.rows import Row, base_stage, overlap, rows, tests_text, toolchain_label
from minbuild.util.text import first_few, format_table, human_size, shorten, stage_spans


def size_text(size: int | None, *, exact: bool = False) -> str:
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


def render(run: RunRecord, *, exact: bool = False) -> str:
    """The staircase as a table, then a line per stage that needs explaining."""
    table_rows = rows(run)
    base = base_stage(run)
    columns = [
        column
        for column in _columns(exact=exact, base=base.name if base else "release")
        if column.always or any(column.cell(row) for row in table_rows)
    ]
    many_targets = len({row.target for row in table_rows}) > 1
    many_toolchains = len({row.toolchain for row in table_rows}) > 1
    columns = [
        c
        for c in columns
        if (c.header != "target" or many_targets) and (c.header != "toolchain" or many_toolchains)
    ]
    cells = [
        [str(number), *(column.cell(row) for column in columns)]
        for number, row in enumerate(table_rows)
    ]
    headers = ["#", *(column.header for column in columns)]
    right = {0, *(i + 1 for i, column in enumerate(columns) if column.right)}
    stopped = (
        f"this run stopped before it finished ({len(run.stages)} stage(s) recorded): "
        "interrupted, or killed and found so by the run after it"
    )
    if run.interrupted and not run.stages:
        return "\n".join([title(run), "", stopped]) + "\n"  # no empty table
    text = [title(run), "", format_table(headers, cells, right)]
    if run.interrupted:
        text += ["", stopped]
    explained = [f"  {label}: {note}" for label, note in notes(table_rows)]
    if explained:
        text += ["", *explained]
    together = None if run.merged_from else overlap(run)  # shards ran on other machines
    if run.merged_from:
        text += ["", f"merged from {len(run.merged_from)} shards: {', '.join(run.merged_from)}"]
    if together and together.lanes > 1:
        text += [
            "",
            f"{together.lanes} lanes at once: the stages took {together.span_seconds:.1f}s, "
            f"{together.sum_seconds:.1f}s one after another",
        ]
    if run.toolchain_choice:
        text += ["", "toolchain choice:", *(f"  {line}" for line in run.toolchain_choice)]
    return "\n".join(text) + "\n"


@dataclass(frozen=True)
class _Column:
    header: str
    cell: Callable[[Row], str]
    right: bool = False
    always: bool = False  # shown even when every cell is empty


def _columns(*, exact: bool, base: str) -> list[_Column]:
    def percent_of_base(row: Row) -> str:
        # 100% only says something when the target has other stages to compare with it.
        single = row.percent_of_base == 100.0 and row.delta is None
        return "" if row.percent_of_base is None or single else f"{row.percent_of_base:.1f}%"

    return [
        _Column("stage", lambda row: row.stage, always=True),
        _Column("target", lambda row: row.target, always=True),
        _Column("size", lambda row: size_text(row.size, exact=exact), right=True, always=True),
        _Column("Δ prev", lambda row: delta_text(row.delta, row.delta_percent)[0], right=True),
        _Column("Δ %", lambda row: delta_text(row.delta, row.delta_percent)[1], right=True),
        _Column(f"% of {base}", percent_of_base, right=True),
        _Column(".a", lambda row: _archive(row, "size_bytes", exact=exact), right=True),
        _Column(
            ".a effective",
            lambda row: _archive(row, "effective_size_bytes", exact=exact),
            right=True,
        ),
        _Column(
            "tests",
            lambda row: tests_text(row.record),
            right=True,
            always=True,
        ),
        _Column("toolchain", lambda row: row.toolchain, always=True),
        _Column(
            "build",
            lambda row: (
                f"{row.record.build_seconds:.1f}s" if row.record.build_seconds is not None else ""
            ),
            right=True,
        ),
        _Column("cargo", lambda row: _units(row.record)),
        _Column("cache", lambda row: cache_text(row.record)),
        _Column("status", lambda row: row.status, always=True),
    ]


def _archive(row: Row, key: str, *, exact: bool) -> str:
    """A staticlib the build made too: raw, or after a --gc-sections link of its exports."""
    size = getattr(row.record.staticlib, key, None)
    return size_text(size, exact=exact) if isinstance(size, int) else ""


def _units(stage: StageRecord) -> str:
    if stage.units_built is None:
        return ""
    return "fresh" if stage.units_built == 0 else f"{stage.units_built} built"


def cache_text(stage: StageRecord) -> str:
    """The compile cache's share: hits of what it could cache (linking crates it cannot)."""
    cache = stage.cache
    if cache is None or cache.hits + cache.misses == 0:
        return ""
    return f"{cache.hits}/{cache.hits + cache.misses} hit"


def notes(table_rows: list[Row]) -> list[tuple[str, str]]:
    """(stage, explanation) for every stage that needs one: skips, failures, no-ops, growth;
    tests that fail at the reference too are one note for all the stages they fail at."""
    previous: dict[str, Row] = {}
    first_failure: dict[tuple[str, str], str] = {}  # (target, first error) -> the stage
    many_targets = len({row.target for row in table_rows}) > 1
    found: list[tuple[str, str]] = []
    # (target, reference, tests) -> where its note goes in `found`, and the stages it names:
    # the same tests fail at stage after stage, and a note per stage would repeat one list.
    inherited: dict[tuple[str, str, tuple[str, ...]], tuple[int, list[str]]] = {}
    for row in table_rows:
        error = row.record.first_error
        if row.record.artifact is None and error and (row.target, error) in first_failure:
            # A setting an earlier stage brought in breaks the build; every stage after it
            # keeps that setting and fails alike: one line says so, not cargo's error again.
            note = f"fails as {first_failure[row.target, error]} does (the same first error)"
        else:
            note = _note(row, previous.get(row.target))
            if error and row.record.artifact is None:
                first_failure[row.target, error] = row.stage
        if note:
            found.append((f"{row.stage} @ {row.target}" if many_targets else row.stage, note))
        for reference, names in inherited_failures(row.record):
            key = (row.target, reference, names)
            if key not in inherited:
                inherited[key] = (len(found), [])
                found.append(("", ""))  # written below, once every stage it names is known
            inherited[key][1].append(row.stage)
        if row.size is not None:
            previous[row.target] = row
    for (target, reference, names), (index, stages) in inherited.items():
        order = [row.stage for row in table_rows if row.target == target]
        label = stage_spans(stages, order) + (f" @ {target}" if many_targets else "")
        count = f"{len(names)} test{'' if len(names) == 1 else 's'}"
        found[index] = (label, f"{count} failing at {reference} too: {first_few(names)}")
    return found


def inherited_failures(stage: StageRecord) -> list[tuple[str, tuple[str, ...]]]:
    """The stage's failed tests that fail at a reference stage too: (the reference, their
    names sorted), so that two stages failing the same tests compare equal."""
    by_reference: dict[str, list[str]] = {}
    for test in stage.tests:
        if test.status == "failed" and test.already_failing_at:
            by_reference.setdefault(test.already_failing_at, []).append(test.name)
    return [(reference, tuple(sorted(names))) for reference, names in sorted(by_reference.items())]


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
    parts += failure_notes(stage, with_inherited=False)  # notes() says those once
    return " · ".join(parts)


def failure_notes(stage: StageRecord, *, with_inherited: bool = True) -> list[str]:
    """The stage's failed tests, those it broke apart from those it did not."""
    failed = [t for t in stage.tests if t.status == "failed"]
    broke = first_few(
        [
            f"{t.name} ({shorten(t.reason.partition(chr(10))[0], 160)})"
            for t in failed
            if t.regression
        ]
    )
    expected = first_few([f"{t.name} ({t.expected})" for t in failed if t.expected])
    notes = [f"failed tests: {broke}"] if broke else []
    if expected:
        notes.append(f"failed as expected: {expected}")
    if with_inherited:
        notes += [
            f"failing at {reference} too: {first_few(names)}"
            for reference, names in inherited_failures(stage)
        ]
    return notes


def grid(run: RunRecord, *, exact: bool = False) -> str:
    """Sizes as a target x stage table (a foreign target's row says why it was skipped)."""
    table_rows = rows(run)
    stages = list(dict.fromkeys(row.stage for row in table_rows))
    targets = list(dict.fromkeys(row.target for row in table_rows))
    cell = {row.key: row for row in table_rows}
    cells = []
    for target in targets:
        found = [cell.get((stage, target)) for stage in stages]
        passed = sum(r.tests_passed for r in found if r)
        ran = sum(r.tests_run for r in found if r)
        cells.append(
            [
                target,
                *(_grid_cell(r, exact=exact) for r in found),
                f"{passed}/{ran}" if ran else "—",
            ]
        )
    headers = ["target", *stages, "tests"]
    return format_table(headers, cells, set(range(1, len(headers)))) + "\n"


def _grid_cell(row: Row | None, *, exact: bool) -> str:
    if row is None:
        return ""
    if row.size is None:
        return row.status
    return size_text(row.size, exact=exact) + ("" if row.status == "ok" else f" ({row.status})")
