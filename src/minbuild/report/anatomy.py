"""Where the bytes are, as text: one artifact's sections and crates, and what moved between two
(terminal tables and markdown). Pure functions over records."""

from __future__ import annotations

from collections.abc import Sequence

from minbuild.report.movers import CompositionDiff, Level, Mover
from minbuild.report.movers import label as stage_label
from minbuild.report.table import size_text
from minbuild.runs.composition import UNATTRIBUTED, Composition, Section
from minbuild.runs.records import StageRecord
from minbuild.util.errors import printable
from minbuild.util.text import format_table, md_code, md_table, md_text

TOP = 10


def composition_text(label: str, parts: Composition, *, exact: bool = False, top: int = TOP) -> str:
    """An artifact's sections, then its code by crate (the largest `top`)."""
    sections = [
        [
            printable(s.name),
            size_text(s.size, exact=exact),
            _share(s.size, parts.file_size),
            _where(s),
        ]
        for s in parts.sections
    ]
    crates = [
        [
            printable(c.name),
            c.origin,
            size_text(c.size, exact=exact),
            _share(c.size, parts.code_size),
        ]
        for c in parts.crates[:top]
    ]
    rest = parts.crates[top:]
    if rest:
        crates.append(
            [f"({len(rest)} more)", "", size_text(sum(c.size for c in rest), exact=exact), ""]
        )
    named = [
        [printable(p.name), size_text(p.size, exact=exact), _share(p.size, parts.code_size)]
        for p in parts.parts
    ]
    part_table = format_table(("part", "size", f"% of {parts.code_section}"), named, {1, 2})
    return "\n".join(
        [
            f"{label}: {size_text(parts.file_size, exact=exact)} in the file, "
            f"{size_text(parts.loaded_size, exact=exact)} loaded ({parts.format})",
            "",
            format_table(("section", "size", "% of file", ""), sections, {1, 2}),
            "",
            _coverage(parts),
            "",
            format_table(("crate", "origin", "size", f"% of {parts.code_section}"), crates, {2, 3}),
            *(
                ["", "the project's parts (a symbol counts in every part it matches):", part_table]
                if named
                else []
            ),
        ]
    )


def counted_parts(stages: Sequence[StageRecord]) -> list[tuple[StageRecord, Composition]]:
    """The stages whose composition counted the project's parts, each with that composition."""
    return [(s, s.composition) for s in stages if s.composition and s.composition.parts]


def parts_cells(
    stages: Sequence[StageRecord], *, exact: bool = False
) -> tuple[list[str], list[list[str]]]:
    """The project's named parts stage by stage (headers, rows): each part's code and its
    share of the code section. No rows when no stage counted a part."""
    counted = counted_parts(stages)
    names: list[str] = []
    for _, composition in counted:
        names += [part.name for part in composition.parts if part.name not in names]
    rows = []
    for stage, composition in counted:
        sizes = {part.name: part.size for part in composition.parts}
        code = composition.code_size
        cells = [
            f"{size_text(sizes[name], exact=exact)} ({_share(sizes[name], code)})"
            if name in sizes
            else "—"
            for name in names
        ]
        rows.append([stage_label(stage), *cells])
    return ["stage", *(printable(name) for name in names)], rows


def _coverage(parts: Composition) -> str:
    if not parts.crates:
        return f"{parts.code_section} by crate: no symbols ({parts.symbol_source})"
    share = parts.attributed / parts.code_size if parts.code_size else 0.0
    return (
        f"{parts.code_section} by crate ({size_text(parts.code_size)}; symbols from "
        f"{parts.symbol_source} cover {share:.1%}, the rest is {UNATTRIBUTED}):"
    )


def _where(section: Section) -> str:
    if not section.in_file:
        return "zero-filled when loaded, not in the file"
    return "" if section.loaded or section.name.startswith("[") else "not loaded"


def _share(size: int, whole: int) -> str:
    return f"{size / whole:.1%}" if whole else ""


def diff_text(change: CompositionDiff, *, exact: bool = False, top: int = TOP) -> str:
    """What moved from `before` to `after`: a headline, then sections, crates and symbols."""
    parts = [_headline(change, exact=exact)]
    for level, title in _LEVELS:
        movers = change.top(level, top)
        if movers:
            parts += ["", format_table(_headers(level), _cells(movers, exact=exact), {1, 2, 3})]
        elif level != "section":
            parts += ["", f"no {title} moved"]
    return "\n".join(parts)


def diff_markdown(change: CompositionDiff, *, exact: bool = False, top: int = TOP) -> str:
    """The same as a pull-request comment shows it: the headline, then one table per level."""
    lines = [f"**{md_text(_headline(change, exact=exact), 400)}**"]
    for level, _ in _LEVELS:
        movers = change.top(level, top)
        if movers:
            cells = [[md_code(row[0]), *row[1:]] for row in _cells(movers, exact=exact)]
            lines += ["", *md_table(_headers(level), cells, "lrrr")]
    return "\n".join(lines)


def movers_markdown(
    changes: Sequence[CompositionDiff], *, exact: bool = False, top: int = 5
) -> str:
    """One table of the crates that moved most in each change: the summary a reviewer reads
    first."""
    rows = []
    for change in changes:
        for index, mover in enumerate(change.top("crate", top) or [None]):
            first = index == 0
            rows.append(
                [
                    md_text(f"{change.before_label} → {change.after_label}") if first else "",
                    f"{change.file_delta:+,}" if first else "",
                    md_code(mover.name) if mover else "(none)",
                    f"{mover.delta:+,}" if mover else "",
                ]
            )
    return "\n".join(md_table(["change", "file", "crate", "Δ"], rows, "lrlr"))


_LEVELS: tuple[tuple[Level, str], ...] = (
    ("section", "section"),
    ("crate", "crate"),
    ("symbol", "symbol among the largest"),
)


def _headline(change: CompositionDiff, *, exact: bool) -> str:
    code = change.after.code_section
    file, in_code = _signed(change.file_delta, exact=exact), _signed(change.code_delta, exact=exact)
    return f"{change.after_label} against {change.before_label}: file {file}, {code} {in_code}"


def _headers(level: Level) -> tuple[str, str, str, str]:
    return (level, "before", "after", "Δ")


def _cells(movers: Sequence[Mover], *, exact: bool) -> list[list[str]]:
    """Names come from the artifact: escaped so that none can break a line or a terminal."""
    return [
        [
            printable(m.name if len(m.name) <= 80 else m.name[:77] + "..."),
            "new" if m.before is None else size_text(m.before, exact=exact),
            "gone" if m.after is None else size_text(m.after, exact=exact),
            _signed(m.delta, exact=exact),
        ]
        for m in movers
    ]


def _signed(delta: int, *, exact: bool) -> str:
    return ("+" if delta > 0 else "-" if delta < 0 else "±") + size_text(abs(delta), exact=exact)
