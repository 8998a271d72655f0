"""The published JSON Schemas (resources/schemas/): every file minbuild reads is checked against
its schema, whose `default`s are also the defaults minbuild fills in; a rejection is one line."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from minbuild.util.text import did_you_mean, excerpt
from minbuild.util.yamlfile import Document, KeyPath

DOCS_URL = "https://minbuild.github.io/minbuild/"
"""Where the docs site is published (mkdocs.yml's site_url); it serves the schemas too."""

KINDS = ("project", "staircase", "targets", "run", "baseline", "space", "optimize")


@functools.cache
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file (project, staircase, targets, run, baseline)."""
    text = resources.files("minbuild").joinpath(f"resources/schemas/{kind}.schema.json")
    loaded: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return loaded


def published_url(kind: str) -> str:
    """The schema's address on the docs site, the same on every machine: versioned by the
    file format (`schema: 1` is v1), so a committed file's modeline stays right."""
    return f"{DOCS_URL}schema/v1/{kind}.schema.json"


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema(kind))


def validated(doc: Document, kind: str) -> dict[str, Any]:
    """`doc`'s data checked against its schema, with every default filled in; the first
    problem (in the file's order) is a ConfigError naming file, line and key."""
    data = {} if doc.data is None else doc.data  # an empty file is an empty mapping
    problems = [_problem(doc, error, schema(kind)) for error in _validator(kind).iter_errors(data)]
    if problems:
        at, message = min(problems, key=lambda p: (doc.line(p[0]) or 0, -len(p[0])))
        raise doc.error(at, message)
    filled: dict[str, Any] = with_defaults(data, schema(kind), schema(kind))
    return filled


def name_problem(value: str) -> str | None:
    """What is wrong with `value` as a name by the schemas' own rule (for names given on the
    command line), or None."""
    rule = schema("project")["$defs"]["name"]
    if Draft202012Validator(rule).is_valid(value):
        return None
    return f"{_expected(rule['x-expected'])}, got {describe(value)}"


def with_defaults(value: Any, node: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    """`value` with the schema's default for every absent property, recursively."""
    node = _resolve(root, node)
    if isinstance(value, dict) and "properties" in node:
        filled = dict(value)
        for key, child in node["properties"].items():
            if key in filled:
                filled[key] = with_defaults(filled[key], child, root)
            elif "default" in child or "default" in _resolve(root, child):
                default = child.get("default", _resolve(root, child).get("default"))
                filled[key] = with_defaults(copy.deepcopy(default), child, root)
        return filled
    if isinstance(value, list) and isinstance(node.get("items"), Mapping):
        return [with_defaults(item, node["items"], root) for item in value]
    return value


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    reference = node.get("$ref")
    if not isinstance(reference, str):
        return node
    target: Mapping[str, Any] = root
    for part in reference.removeprefix("#/").split("/"):
        target = target[part]
    return target


def _problem(doc: Document, error: ValidationError, root: Mapping[str, Any]) -> tuple[KeyPath, str]:
    """Where a schema violation is, and what to tell a person about it."""
    at: KeyPath = tuple(error.absolute_path)
    value, wanted = error.instance, cast(Any, error.validator_value)
    rule: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    expected: str | None = rule.get("x-expected")
    if error.validator == "additionalProperties" and isinstance(value, dict):
        known = list(rule.get("properties", {}))
        extra = [key for key in value if key not in known]
        first = min(extra, key=lambda key: doc.line((*at, str(key))) or 0)
        return (*at, str(first)), f"unknown key{did_you_mean(str(first), known)}" + (
            "" if did_you_mean(str(first), known) else f" (known: {', '.join(known)})"
        )
    if error.validator == "required" and isinstance(value, dict):
        missing: KeyPath = (next(key for key in rule["required"] if key not in value),)
        child = _resolve(root, rule["properties"][missing[0]])
        while child.get("required"):  # a missing section: name the key it needs
            missing = (*missing, child["required"][0])
            child = _resolve(root, child["properties"][missing[-1]])
        return (*at, *missing), "is required"
    if expected:
        return at, f"{_expected(expected)}, got {describe(value)}"
    if error.validator == "type":
        return at, f"expected {_types(wanted)}, got {describe(value)}"
    if error.validator == "enum":
        choices = [json.dumps(choice) for choice in wanted]
        hint = did_you_mean(str(value), [str(c) for c in wanted])
        return at, f"must be one of {', '.join(choices)}, got {describe(value)}{hint}"
    bounds = {
        "minimum": "at least",
        "exclusiveMinimum": "more than",
        "maximum": "at most",
        "exclusiveMaximum": "less than",
    }
    if error.validator in bounds:
        return (
            at,
            f"must be {bounds[str(error.validator)]} {wanted}, got {excerpt(value)}",
        )
    if error.validator == "minLength":
        return at, "must not be empty"
    if error.validator == "minItems":
        return at, f"needs at least {wanted} item(s)"
    if error.validator == "maxLength":
        return at, f"longer than {wanted} characters"
    return at, error.message[:200]


def _expected(text: str) -> str:
    return text if text.startswith("expected") else f"expected {text}"


def _types(types: str | Iterable[str]) -> str:
    names = {
        "string": "text",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "array": "a list",
        "object": "a mapping",
        "null": "nothing",
    }
    listed = [types] if isinstance(types, str) else list(types)
    return " or ".join(names.get(name, name) for name in listed)


def describe(value: Any) -> str:
    """A bad value as a message quotes it: its kind and a bounded excerpt."""
    kinds = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing",
    }
    kind = kinds.get(type(value), type(value).__name__)
    return kind if value is None or isinstance(value, list | dict) else f"{kind} {excerpt(value)}"
