"""Reading YAML files with the line of every key, within bounds a hostile file cannot break."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from minbuild.util.errors import ConfigError

KeyPath = tuple[str | int, ...]
MAX_BYTES = 1 << 20
"""Project, staircase and targets files are a few KiB; a bigger file is a mistake."""
MAX_NODES = 100_000
"""Nodes a file may hold once aliases are expanded (an alias bomb expands to billions)."""
MERGE_KEY = "tag:yaml.org,2002:merge"
FLOAT = "tag:yaml.org,2002:float"


@dataclass(frozen=True)
class Document:
    """A parsed file and the line of every key and list item in it."""

    path: Path
    data: Any
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def line(self, at: KeyPath) -> int | None:
        """The line of `at`, or of its nearest ancestor that has one."""
        for end in range(len(at), -1, -1):
            if at[:end] in self.lines:
                return self.lines[at[:end]]
        return None

    def error(self, at: KeyPath, message: str) -> ConfigError:
        key = ".".join(str(part) for part in at)
        return ConfigError(
            f"{key}: {message}" if key else message, file=str(self.path), line=self.line(at)
        )


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """A file's text, refused with one line if it is unreadable, too big or not UTF-8."""
    try:
        # Non-blocking, so that a FIFO or a device is refused, never waited on.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", file=str(path)) from error
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):
        os.close(handle)
        if stat.S_ISDIR(mode):
            raise ConfigError("cannot read: Is a directory", file=str(path))
        raise ConfigError("is a FIFO, socket or device, not a regular file", file=str(path))
    os.set_blocking(handle, True)
    with os.fdopen(handle, "rb") as stream:
        try:
            raw = stream.read(limit + 1)
        except OSError as error:
            raise ConfigError(f"cannot read: {error.strerror}", file=str(path)) from error
    if len(raw) > limit:
        raise ConfigError(
            f"bigger than {limit // 1024:,} KiB, the most minbuild reads", file=str(path)
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})",
            file=str(path),
            line=line,
        ) from error


def load(path: Path) -> Document:
    """Parse `path` with yaml.safe_load; positions come from composing the same text."""
    return parse(read_text(path), path)


def parse(text: str, path: Path) -> Document:
    """`text` parsed as the file `path` (which need not exist yet: a draft)."""
    try:
        # compose() builds a node tree only (no Python objects), so it is as safe as safe_load.
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        lines: dict[KeyPath, int] = {}
        if node is not None:
            _Indexer(path, lines).index(node, ())
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(
            f"invalid YAML: {problem}", file=str(path), line=mark.line + 1 if mark else None
        ) from error
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise ConfigError(f"a value cannot be read: {error}", file=str(path)) from error
    except RecursionError as error:
        raise ConfigError("nested too deeply to read", file=str(path)) from error
    return Document(path, data, lines)


class _Indexer:
    """Walks the node tree once: records lines, refuses duplicate keys, alias bombs and
    NUL bytes (no command line, environment or path can carry one)."""

    def __init__(self, path: Path, lines: dict[KeyPath, int]) -> None:
        self.path, self.lines, self.visited = path, lines, 0

    def index(self, node: yaml.Node, at: KeyPath) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise ConfigError(
                f"more than {MAX_NODES:,} values once aliases are expanded (an alias bomb?)",
                file=str(self.path),
                line=node.start_mark.line + 1,
            )
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == MERGE_KEY:
                    self.index(value_node, at)
                    continue
                key, line = str(key_node.value), key_node.start_mark.line + 1
                if key in first:
                    raise ConfigError(
                        f"{'.'.join(map(str, (*at, key)))}: duplicate key "
                        f"(first given at line {first[key]})",
                        file=str(self.path),
                        line=line,
                    )
                first[key] = line
                self.lines[(*at, key)] = line
                self._refuse_nul(key, (*at, key), line)
                self.index(value_node, (*at, key))
        elif isinstance(node, yaml.ScalarNode) and "\0" in node.value:
            self._refuse_nul(node.value, at, node.start_mark.line + 1)
        elif node.tag == FLOAT and node.value.lower().lstrip("+-") in (".nan", ".inf"):
            raise ConfigError(
                f"{'.'.join(map(str, at))}: {node.value} is not a usable number",
                file=str(self.path),
                line=node.start_mark.line + 1,
            )
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                self.lines[(*at, position)] = item.start_mark.line + 1
                self.index(item, (*at, position))

    def _refuse_nul(self, text: str, at: KeyPath, line: int) -> None:
        if "\0" in text:
            raise ConfigError(
                f"{'.'.join(map(str, at))}: holds a NUL byte (\\0), which no command line, "
                "environment or path can carry",
                file=str(self.path),
                line=line,
            )
