"""Text helpers every layer uses: tables, sizes, suggestions, bounded excerpts."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import humanize

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


def md_row(cells: Sequence[str]) -> str:
    """One row of a markdown table; a `|` inside a cell is escaped."""
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def first_few(names: Sequence[str], shown: int = 5) -> str:
    """`a, b, c, d, e and 211 more`: a long list of names, cut for one line."""
    text = ", ".join(names[:shown])
    return text + (f" and {len(names) - shown} more" if len(names) > shown else "")
