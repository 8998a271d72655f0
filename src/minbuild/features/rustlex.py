"""Just enough of a Rust lexer to find cfgs: comments, strings and chars never look like code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Token:
    """An identifier, a string literal or one punctuation character, with its line."""

    kind: Literal["ident", "string", "punct"]
    text: str
    line: int


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RAW = re.compile(r'(?:b|c)?r(#*)"')
_NUMBER = re.compile(r"[0-9][0-9A-Za-z_.]*")


def tokens(source: str) -> Iterator[Token]:
    """The code tokens of `source`; comments are skipped, literals become one token each."""
    position, line, end = 0, 1, len(source)
    while position < end:
        char = source[position]
        if char == "\n":
            line += 1
            position += 1
        elif char.isspace():
            position += 1
        elif source.startswith("//", position):
            newline = source.find("\n", position)
            position = end if newline < 0 else newline
        elif source.startswith("/*", position):
            stop = _block_comment_end(source, position)
            line += source.count("\n", position, stop)
            position = stop
        elif raw := _RAW.match(source, position):
            closing = '"' + raw.group(1)
            stop = source.find(closing, raw.end())
            stop = end if stop < 0 else stop + len(closing)
            yield Token("string", source[raw.end() : stop - len(closing)], line)
            line += source.count("\n", position, stop)
            position = stop
        elif char == '"' or (char in "bc" and source.startswith('"', position + 1)):
            start = position + (1 if char == '"' else 2)
            stop = _string_end(source, start)
            yield Token("string", source[start : stop - 1], line)
            line += source.count("\n", position, stop)
            position = stop
        elif char == "'" or (char == "b" and source.startswith("'", position + 1)):
            position = _char_or_lifetime_end(source, position + (1 if char == "'" else 2))
        elif ident := _IDENT.match(source, position):
            yield Token("ident", ident.group(), line)
            position = ident.end()
        elif number := _NUMBER.match(source, position):
            position = number.end()
        else:
            yield Token("punct", char, line)
            position += 1


def _block_comment_end(source: str, position: int) -> int:
    """Block comments nest in Rust: /* a /* b */ c */ is one comment."""
    depth, position = 0, position
    while position < len(source):
        if source.startswith("/*", position):
            depth, position = depth + 1, position + 2
        elif source.startswith("*/", position):
            depth, position = depth - 1, position + 2
            if depth == 0:
                return position
        else:
            position += 1
    return len(source)


def _string_end(source: str, position: int) -> int:
    while position < len(source):
        if source[position] == "\\":
            position += 2
        elif source[position] == '"':
            return position + 1
        else:
            position += 1
    return len(source)


def _char_or_lifetime_end(source: str, position: int) -> int:
    """After a quote: a char literal ('x', '\\n', '\\u{1F600}') or a lifetime ('a)."""
    if source.startswith("\\", position):
        close = source.find("'", position + 2)
        return len(source) if close < 0 else close + 1
    if position + 1 < len(source) and source[position + 1] == "'":
        return position + 2  # 'x'
    ident = _IDENT.match(source, position)
    return ident.end() if ident else position + 1  # a lifetime, or a stray quote
