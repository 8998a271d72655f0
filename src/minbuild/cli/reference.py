"""The docs site's two reference pages, generated so that neither can drift: the CLI's from the
commands' table and their options' declarations, the files' from their JSON Schemas'
descriptions and defaults. docs/hooks.py pastes them into the pages when MkDocs builds."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from minbuild.cli.parser import Common
from minbuild.commands.option import Option, declared
from minbuild.commands.registry import COMMANDS, Command
from minbuild.util.errors import EXIT_MEANINGS
from minbuild.util.schemas import published_url, schema

FILE_KINDS = {
    "project": "The project file, `minbuild.yaml` (`minbuild init` writes one)",
    "space": "The optimize search space (`minbuild optimize --space FILE`)",
    "staircase": "The staircase: the stages and their settings (`staircase:` in the project file)",
    "targets": "The cross targets (`targets:` in the project file)",
}
"""The files a person writes, each with what it is (minbuild writes the others: runs...)."""


def cli_markdown() -> str:
    """Every command: what it does, how it is spelled, each option with its default."""
    lines = ["| command | what it does |", "|---|---|"]
    lines += [f"| [`{c.name}`](#{c.name}) | {c.help} |" for c in COMMANDS]
    lines += ["", "Every command also takes:", "", *_options_table(Common, frozenset()), ""]
    for command in COMMANDS:
        lines += [f"## {command.name}", "", f"{_sentence(command.help)}", ""]
        lines += ["```text", _usage(command), "```", ""]
        lines += [*_options_table(command.options, _not_own(command)), ""]
    lines += ["## Exit codes", "", "| code | meaning |", "|---|---|"]
    lines += [f"| {int(code)} | {meaning} |" for code, meaning in EXIT_MEANINGS.items()]
    return "\n".join(lines) + "\n"


def files_markdown() -> str:
    """Every key of every file a person writes: its type, default and meaning."""
    lines: list[str] = []
    for kind, what in FILE_KINDS.items():
        root = schema(kind)
        lines += [f"## {kind}", "", f"{_sentence(what)}", ""]
        lines += [
            f"Schema: <{published_url(kind)}>.",
            "",
            "| key | type | default | meaning |",
            "|---|---|---|---|",
        ]
        lines += [
            _key_row(key, node, root, needed=needed) for key, node, needed in _keys(root, root, "")
        ]
        lines.append("")
    return "\n".join(lines)


def _not_own(command: Command[Any, Any]) -> frozenset[str]:
    return frozenset({name for name, _, _ in declared(Common)} | command.leave_out)


def _usage(command: Command[Any, Any]) -> str:
    parts = [f"minbuild {command.name}"]
    for name, option, _ in declared(command.options):
        if name in _not_own(command):
            continue
        spelled = option.flag if option.switch else f"{option.flag} {_metavar(name, option)}"
        if option.positional:
            spelled = f"{option.flag}{' ...' if option.many else ''}"
        parts.append(spelled if option.positional else f"[{spelled}]")
    return " ".join(parts)


def _options_table(cls: type[Any], leave_out: frozenset[str]) -> list[str]:
    rows = [
        _option_row(name, option, default)
        for name, option, default in declared(cls)
        if name not in leave_out
    ]
    if not rows:
        return ["No options of its own."]
    return ["| option | meaning | default |", "|---|---|---|", *rows]


def _option_row(name: str, option: Option, default: Any) -> str:
    spellings = [s for s in (option.short, option.flag, option.plural) if s]
    if not option.switch and not option.positional:
        spellings = [f"{s} {_metavar(name, option)}" for s in spellings]
    meaning = option.help
    if option.choices:
        meaning += f" (one of: {', '.join(f'`{c}`' for c in option.choices)})"
    if option.many:
        meaning += "; repeatable, or comma-separated"
    said = "(default" in option.help
    shown = "" if said or default in (None, (), False) else f"`{default}`"
    return f"| {', '.join(f'`{s}`' for s in spellings)} | {_cell(meaning)} | {shown} |"


def _metavar(name: str, option: Option) -> str:
    return option.metavar or name.upper()


def _keys(
    node: Mapping[str, Any], root: Mapping[str, Any], at: str
) -> Iterator[tuple[str, Any, bool]]:
    """Each key under `node`, depth first, as a dotted path (`tests[].name`,
    `feature_sets.<name>`), and whether it is required."""
    node = _resolved(node, root)
    for key, child in node.get("properties", {}).items():
        path = f"{at}.{key}" if at else key
        yield path, child, key in node.get("required", ())
        yield from _keys(child, root, path)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        path = f"{at}.<name>" if at else "<name>"
        yield path, extra, False
        yield from _keys(extra, root, path)
    items = node.get("items")
    if isinstance(items, dict) and "properties" in _resolved(items, root):
        yield from _keys(items, root, f"{at}[]")


def _resolved(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        name = str(node["$ref"]).removeprefix("#/$defs/")
        node = {**root["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _key_row(key: str, node: Mapping[str, Any], root: Mapping[str, Any], *, needed: bool) -> str:
    node = _resolved(node, root)
    default = f"`{json.dumps(node['default'])}`" if "default" in node else ""
    default = "required" if needed else default
    meaning = node.get("description") or node.get("x-expected") or ""
    return f"| `{key}` | {_type(node, root)} | {default} | {_cell(meaning)} |"


def _type(node: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    alternatives = node.get("oneOf") or node.get("anyOf")
    if alternatives:
        return " or ".join(_type(_resolved(a, root), root) for a in alternatives)
    kind = node.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds and isinstance(node.get("items"), dict):
        inner = _type(_resolved(node["items"], root), root)
        kinds = [f"list of {inner}" if k == "array" else k for k in kinds]
    return " or ".join(kinds)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def write_schemas(into: Path) -> list[Path]:
    """The published schemas, copied where the docs site serves them (schema/v1/)."""
    into.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in FILE_KINDS:
        path = into / f"{kind}.schema.json"
        path.write_text(json.dumps(schema(kind), indent=2) + "\n", "utf-8")
        written.append(path)
    return written
