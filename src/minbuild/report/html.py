"""The HTML report: one self-contained file (no network) with the staircase chart, the sizes
table, a treemap of each stage's composition and the diff of any two stages."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import squarify

from minbuild.report import charts
from minbuild.report.anatomy import diff_text
from minbuild.report.movers import CompositionDiff, label
from minbuild.report.table import delta_text, failure_notes, size_text
from minbuild.runs.composition import Composition, Section, Share
from minbuild.runs.records import RunRecord, StageRecord
from minbuild.runs.rows import rows, tests_text, toolchain_label

TREEMAP_WIDTH, TREEMAP_HEIGHT = 960, 420
COLOURS = {"crate": "#e4572e", "dependency": "#f3a712", "std": "#3b75af", "other": "#8c8c8c"}
SECTION_COLOUR = "#c9d6df"
SMALLEST_LABELLED = 2_500  # square pixels a block needs to carry its name
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def html_report(run: RunRecord, diffs: Sequence[CompositionDiff] = (), budget: str = "") -> str:
    """The whole report as one HTML document; `diffs` (what --diff, --details or --against
    asked for) and `budget` (the budget lines) are shown too."""
    composed = [s for s in run.stages if s.composition is not None]
    title = f"{run.crate.get('name')} {run.crate.get('version')}: minbuild size report"
    data = {label(s): _stage_data(s.composition) for s in composed if s.composition}
    parts = {
        "title": html.escape(title),
        "meta": html.escape(_meta(run)),
        "chart": inline_svg(charts.staircase_svg(run)),
        "table": _sizes_table(run),
        "budget": f"<pre>{html.escape(budget)}</pre>" if budget else "",
        "treemaps": "\n".join(_treemap_section(s, unfolded=s is composed[-1]) for s in composed),
        "legend": legend(),
        "diffs": "\n".join(f"<pre>{html.escape(diff_text(d))}</pre>" for d in diffs),
        # Inside a script element `<` may start `</script>` or `<!--`: JSON's \u003c cannot.
        "data": json.dumps(data).replace("<", "\\u003c"),
    }
    return page(title, filled(resource("report.html"), parts))


def page(title: str, body: str) -> str:
    """One self-contained HTML document: minbuild's style, `title`, and `body` as it is."""
    parts = {"title": html.escape(title), "style": resource("report.css"), "body": body}
    return filled(resource("page.html"), parts)


def filled(template: str, parts: Mapping[str, str]) -> str:
    """`template` with each {{name}} replaced by its part."""
    # One pass: a piece filled in (a section's name, say) is never searched for placeholders.
    return _PLACEHOLDER.sub(lambda match: parts[match.group(1)], template)


def resource(name: str) -> str:
    return resources.files("minbuild").joinpath(f"resources/{name}").read_text("utf-8")


def _meta(run: RunRecord) -> str:
    commit = run.crate.get("git_commit") or "no commit"
    return (
        f"run {run.run_id} · commit {commit[:12]} · toolchain "
        f"{toolchain_label(run.toolchain)} · host {run.host}"
    )


def inline_svg(svg: str) -> str:
    """matplotlib's SVG document without its XML prolog and doctype, to sit inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""


def _sizes_table(run: RunRecord) -> str:
    cells = []
    for row in rows(run):
        delta, percent = delta_text(row.delta, row.delta_percent)
        tests = tests_text(row.record)
        failures = " · ".join(failure_notes(row.record))
        values = [row.stage, row.target, size_text(row.size), delta, percent, tests, row.status]
        values.append(failures)
        cells.append(values)
    headers = ("stage", "target", "size", "Δ", "Δ %", "tests", "status", "failed tests")
    return html_table(headers, cells)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of text cells, escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _stage_data(parts: Composition) -> dict[str, Any]:
    """What the page's diff needs of one stage: sizes by section, crate and symbol (a name
    that repeats sums, as in size-report's diffs)."""

    def summed(items: Sequence[Section | Share]) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for item in items:
            sizes[item.name] = sizes.get(item.name, 0) + item.size
        return sizes

    return {
        "file": parts.file_size,
        "code": parts.code_size,
        "sections": summed(parts.sections),
        "crates": summed(parts.crates),
        "symbols": summed(parts.symbols),
    }


def _blocks(parts: Composition) -> list[tuple[str, int, str, str]]:
    """(name, size, colour, kind) of every block: code by crate, the other sections whole."""
    blocks = [
        (c.name, c.size, COLOURS[c.origin], f"{c.origin} crate") for c in parts.crates if c.size > 0
    ]
    if not blocks:  # no symbols: the code section as one block
        blocks = [(parts.code_section, parts.code_size, COLOURS["other"], "section")]
    blocks += [
        (s.name, s.size, SECTION_COLOUR, "section")
        for s in parts.sections
        if s.size > 0 and s.in_file and s.name != parts.code_section
    ]
    return sorted(blocks, key=lambda block: -block[1])


def _treemap_section(stage: StageRecord, *, unfolded: bool) -> str:
    parts = stage.composition
    if parts is None:
        return ""
    heading = (
        f"{label(stage)}: {size_text(parts.file_size)} in the file, "
        f"{size_text(parts.loaded_size)} loaded"
    )
    return (
        f'<details class="stage"{" open" if unfolded else ""}>'
        f"<summary>{html.escape(heading)}</summary>{treemap_svg(parts)}</details>"
    )


def treemap_svg(parts: Composition) -> str:
    """The file as a treemap: each crate's code and each other section, by size."""
    blocks = _blocks(parts)
    total = sum(block[1] for block in blocks)
    if not total:
        return "<p>empty</p>"
    sizes = squarify.normalize_sizes([b[1] for b in blocks], TREEMAP_WIDTH, TREEMAP_HEIGHT)
    rectangles = squarify.squarify(sizes, 0, 0, TREEMAP_WIDTH, TREEMAP_HEIGHT)
    shapes = [
        _rectangle(block, rect, total) for block, rect in zip(blocks, rectangles, strict=True)
    ]
    return (
        f'<svg class="treemap" viewBox="0 0 {TREEMAP_WIDTH} {TREEMAP_HEIGHT}" '
        f'width="{TREEMAP_WIDTH}" height="{TREEMAP_HEIGHT}" role="img">{"".join(shapes)}</svg>'
    )


def _rectangle(block: tuple[str, int, str, str], rect: dict[str, float], total: int) -> str:
    name, size, colour, kind = block
    x, y, dx, dy = rect["x"], rect["y"], rect["dx"], rect["dy"]
    tip = html.escape(f"{name} ({kind}): {size_text(size)}, {size / total:.1%} of the file")
    text = ""
    if dx * dy >= SMALLEST_LABELLED and dx > 40:
        shown = html.escape(name if len(name) * 7 < dx else name[: max(1, int(dx / 7) - 1)] + "…")
        text = (
            f'<text x="{x + 4:.1f}" y="{y + 15:.1f}">{shown}</text>'
            f'<text x="{x + 4:.1f}" y="{y + 29:.1f}" class="size">{size_text(size)}</text>'
        )
    return (
        f'<g><title>{tip}</title><rect x="{x:.1f}" y="{y:.1f}" width="{dx:.1f}" '
        f'height="{dy:.1f}" fill="{colour}"/>{text}</g>'
    )


def legend() -> str:
    entries: Sequence[tuple[str, str]] = [
        (COLOURS["crate"], "the project's crates"),
        (COLOURS["dependency"], "dependencies"),
        (COLOURS["std"], "std, core, alloc and their crates"),
        (COLOURS["other"], "C code, stubs, unattributed"),
        (SECTION_COLOUR, "other sections"),
    ]
    return "".join(
        f'<span class="key"><i style="background:{colour}"></i>{html.escape(text)}</span>'
        for colour, text in entries
    )
