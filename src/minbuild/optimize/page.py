"""An optimize search as one self-contained HTML page: its chart of size per trial (and
size against speed), the winner against the references, what each setting is worth, where
the winner's bytes are, every trial, and how to apply the winner."""

from __future__ import annotations

import html

from minbuild.optimize import charts
from minbuild.optimize.report import (
    apply_lines,
    contributions_table,
    references_table,
    speed_table,
    summary_lines,
    trials_table,
    winner_composition,
)
from minbuild.optimize.trials import OptimizeRecord
from minbuild.report.html import html_table, inline_svg, legend, page, treemap_svg
from minbuild.report.table import size_text


def search_html(record: OptimizeRecord) -> str:
    """The whole page."""
    head, counts = summary_lines(record)
    sections = []
    for title, (headers, rows) in (
        ("The winner and the references", references_table(record)),
        ("What each setting is worth (leave-one-out)", contributions_table(record)),
        ("Size and speed", speed_table(record)),
    ):
        if rows:
            sections.append(f"<h2>{html.escape(title)}</h2>" + html_table(headers, rows))
    composed = winner_composition(record)
    if composed is not None:
        label, parts = composed
        heading = (
            f"{label}: {size_text(parts.file_size)} in the file, "
            f"{size_text(parts.loaded_size)} loaded"
        )
        sections.append(
            f"<h2>Where the winner's bytes are</h2><p>{html.escape(heading)}</p>"
            f"<p>{legend()}</p>{treemap_svg(parts)}"
        )
    headers, rows = trials_table(record)
    sections.append("<h2>Every trial</h2>" + html_table(headers, rows))
    if record.export is not None:
        applying = "\n".join(apply_lines(record.export))
        sections.append(f"<h2>The winner, by hand</h2><pre>{html.escape(applying)}</pre>")
    title = f"{record.crate.get('name')} {record.crate.get('version')}: minbuild optimize"
    chart = inline_svg(charts.trials_svg(record))
    body = (
        f"<h1>{html.escape(title)}</h1>\n"
        f'<p class="meta">{html.escape(f"{head} · {counts}")}</p>\n'
        f'<div class="chart">{chart}</div>\n' + "\n".join(sections)
    )
    return page(title, body)
