"""Reading YAML with positions, and checking it against the defaults file that is our schema."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from minbuild.errors import ConfigError

KeyPath = tuple[str | int, ...]
REQUIRED = "<required>"


@dataclass(frozen=True)
class Document:
    """A parsed YAML file and the line of every key and list item in it."""

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


def load(path: Path) -> Document:
    """Parse `path` with yaml.safe_load; positions come from composing the same text."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", file=str(path)) from error
    try:
        data = yaml.safe_load(text)
        # compose() builds a node tree only (no Python objects), so it is as safe as safe_load.
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(
            f"invalid YAML: {problem}", file=str(path), line=mark.line + 1 if mark else None
        ) from error
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _index(node, (), lines)
    return Document(path, data, lines)


def _index(node: yaml.Node, at: KeyPath, lines: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*at, str(key_node.value))
            lines[child] = key_node.start_mark.line + 1
            _index(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            lines[(*at, position)] = item.start_mark.line + 1
            _index(item, (*at, position), lines)


def schema(section: str) -> dict[str, Any]:
    """One section of the defaults file: every key with its default."""
    text = resources.files("minbuild").joinpath("resources/schema.yaml").read_text("utf-8")
    sections: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return sections[section]


def did_you_mean(word: str, choices: list[str] | Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def checked(doc: Document, value: Any, defaults: Mapping[str, Any], at: KeyPath) -> dict[str, Any]:
    """`value` merged over `defaults`, after rejecting unknown keys and values of the wrong type."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise doc.error(at, f"expected a mapping, got {_kind(value)}")
    for key in value:
        if key not in defaults:
            raise doc.error((*at, str(key)), "unknown key" + did_you_mean(str(key), defaults))
    merged: dict[str, Any] = {}
    for key, default in defaults.items():
        merged[key] = _checked_value(
            doc, value.get(key, default), default, (*at, key), given=key in value
        )
    return merged


def _checked_value(doc: Document, value: Any, default: Any, at: KeyPath, given: bool) -> Any:
    if default == REQUIRED:
        if not given or not isinstance(value, str) or not value:
            raise doc.error(at, "is required (non-empty text)" if given else "is required")
        return value
    if isinstance(default, dict) and default:
        # A missing section is an empty one: its own defaults, and its required keys missing.
        return checked(doc, value if given else {}, default, at)
    expected = _expected_types(default)
    # bool is an int to Python, but `timeout: true` is a mistake, not a number.
    wrong_bool = isinstance(value, bool) and bool not in expected
    if expected and (wrong_bool or not isinstance(value, expected)):
        raise doc.error(at, f"expected {_kind(default)}, got {_kind(value)} {value!r}")
    return value


def _expected_types(default: Any) -> tuple[type, ...]:
    if default is None:
        return ()
    if isinstance(default, bool):
        return (bool,)
    if isinstance(default, float):
        return (int, float)
    return (type(default),)


def _kind(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing",
    }
    return names.get(type(value), type(value).__name__)
