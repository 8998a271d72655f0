"""Text helpers every layer uses: tables, sizes, suggestions, bounded excerpts."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import humanize

from minbuild.util.errors import printable

EXCERPT = 60
"""Characters of a bad value quoted in a message."""


def human_size(size: int) -> str:
    """Bytes as a person reads them: 1.5 KiB, 2.0 MiB."""
    return str(humanize.naturalsize(size, binary=True, format="%.1f"))


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


def did_you_mean(word: str, choices: list[str] | Mapping[str, Any]) -> str:
    """ "; did you mean 'X'?" for the closest choice, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def texts(value: Sequence[Any]) -> tuple[str, ...]:
    """A list the schema has checked, as text (argv items may be written as numbers)."""
    return tuple(str(item) for item in value)


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """A value as a message quotes it inline: its repr, cut to `limit` characters with "…"
    (unlike `shorten`, no count: the message stays one short line)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def shorten(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


MD_LIMIT = 200
"""Characters of one string from a document that a markdown report shows (a name of 1 MB is
cut, with how much more there was)."""
# Markdown's inline punctuation; `_` only where it could open or close emphasis (GitHub never
# takes x86_64's for that), so the common names stay as they are.
_MD_SPECIAL = re.compile(r"([\\`*\[\]!~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")


def md_text(text: object, limit: int = MD_LIMIT) -> str:
    """A string from a document (which a pull request may have written) as markdown prose: one
    line, bounded, HTML escaped, markdown's inline punctuation escaped, and no @mention or
    #reference that GitHub would turn into a ping or a link."""
    line = shorten(printable(" ".join(str(text).split())), limit)
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(line, quote=False))
    return escaped.replace("#", "&#35;").replace("@", "&#64;")


def md_code(text: object, limit: int = MD_LIMIT) -> str:
    """A string from a document as a markdown code span: one line, bounded, its fence longer
    than any run of backticks in it (GitHub neither links nor pings inside a code span)."""
    line = shorten(printable(" ".join(str(text).split())), limit)
    fence = "`" * (max((len(run) for run in re.findall("`+", line)), default=0) + 1)
    return f"{fence} {line} {fence}" if "`" in line else f"{fence}{line}{fence}"


def md_fenced(text: str, info: str = "") -> str:
    """Lines from a document as a fenced block whose fence no line of them can close."""
    longest = max((len(run) for run in re.findall("`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{printable_lines(text)}\n{fence}"


def printable_lines(text: str) -> str:
    """`text` with its lines kept and every other control character escaped."""
    return "\n".join(printable(line) for line in text.splitlines())


def md_row(cells: Sequence[str]) -> str:
    """One row of a markdown table; a `|` inside a cell is escaped."""
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """A markdown table's lines; `align` has one letter per column, `l` or `r` (numbers)."""
    assert len(align) == len(headers), (align, headers)
    rule = ["--:" if letter == "r" else "---" for letter in align]
    return [md_row(headers), md_row(rule), *(md_row(row) for row in rows)]


def first_few(names: Sequence[str], shown: int = 5) -> str:
    """`a, b, c, d, e and 211 more`: a long list of names, cut for one line."""
    text = ", ".join(names[:shown])
    return text + (f" and {len(names) - shown} more" if len(names) > shown else "")


def stage_spans(stages: list[str], order: list[str]) -> str:
    """`release…lto, build-std`: the stages, each run of neighbours in `order` as first…last."""
    positions = sorted(order.index(stage) for stage in stages)
    runs: list[list[int]] = []
    for position in positions:
        if runs and position == runs[-1][-1] + 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    return ", ".join(
        order[run[0]] if len(run) == 1 else f"{order[run[0]]}…{order[run[-1]]}" for run in runs
    )
