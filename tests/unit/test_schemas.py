"""The published JSON Schemas: valid, the source of every default, in step with the records,
and the YAML reader's own limits (duplicates, alias bombs, size, encoding)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from minbuild.budgets.baseline import BaselineEntry
from minbuild.project.config import load_project
from minbuild.runs import records
from minbuild.runs.composition import Composition, Section, Share
from minbuild.util import schemas
from minbuild.util.errors import ConfigError
from minbuild.util.yamlfile import MAX_BYTES, load
from tests.conftest import REPO


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_every_schema_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    Draft202012Validator.check_schema(schemas.schema(kind))


def fields(record: type) -> set[str]:
    return {field.name for field in dataclasses.fields(record)}


def test_the_run_schema_declares_exactly_the_records_fields() -> None:
    run = schemas.schema("run")
    assert set(run["properties"]) == fields(records.RunRecord)
    assert set(run["$defs"]["stage_record"]["properties"]) == fields(records.StageRecord)
    assert set(run["$defs"]["test_result"]["properties"]) == fields(records.TestResult)
    assert set(run["$defs"]["staticlib_record"]["properties"]) == fields(records.StaticlibRecord)
    assert set(run["$defs"]["cache_record"]["properties"]) == fields(records.CacheRecord)
    assert set(run["$defs"]["composition_record"]["properties"]) == fields(Composition)
    assert set(run["$defs"]["section"]["properties"]) == fields(Section)
    assert set(run["$defs"]["share"]["properties"]) == fields(Share)
    entry = schemas.schema("baseline")["properties"]["entries"]["items"]
    assert set(entry["properties"]) == fields(BaselineEntry)


def walk_properties(node: Any, at: str = "") -> list[tuple[str, dict[str, Any], bool]]:
    """Every declared property of an input schema: (path, schema, required)."""
    found = []
    if isinstance(node, dict):
        required = set(node.get("required", ()))
        for key, child in node.get("properties", {}).items():
            found.append((f"{at}.{key}".lstrip("."), child, key in required))
            found += walk_properties(child, f"{at}.{key}")
        for key, child in node.get("$defs", {}).items():
            found += walk_properties(child, f"$defs.{key}")
    return found


@pytest.mark.parametrize("kind", ["project", "staircase", "targets"])
def test_every_input_key_has_a_default_or_is_required(kind: str) -> None:
    for path, rule, required in walk_properties(schemas.schema(kind)):
        if ".profile." in path:
            continue  # cargo's own settings: absent means cargo's default
        assert required or "default" in rule, f"{kind}: {path} has no default"


def test_defaults_come_from_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text("crate: {manifest: Cargo.toml}\nfeature_matrix: {depth: 3}\n")
    assert load_project(path).feature_matrix == {
        "depth": 3,
        "exclude": [],
        "groups": [],
        "exclusive": [],
        "always": [],
    }
    path.write_text("crate: {manifest: Cargo.toml}\n")
    matrix = load_project(path).feature_matrix
    assert matrix == {"depth": 2, "exclude": [], "groups": [], "exclusive": [], "always": []}


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("release", True),
        ("codegen-units-1", True),
        ("x86_64-unknown-linux-gnu", True),
        ("nightly-2024-05-01", True),
        ("../x", False),
        ("a/b", False),
        ("..", False),
        (".hidden", False),
        ("", False),
        ("a b", False),
        ("x" * 101, False),
    ],
)
def test_names_follow_one_rule(name: str, valid: bool) -> None:
    problem = schemas.name_problem(name)
    if valid:
        assert problem is None
    else:
        assert problem is not None and problem.startswith("expected a valid name")


CONFIGS = [*sorted((REPO / "config").glob("*.yaml")), REPO / "tests/crates/hello/minbuild.yaml"]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_bundled_files_name_their_schema_for_editors(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{path} has no modeline"
    schema = (path.parent / match.group(1)).resolve()
    assert schema.is_file() and schema.parent.name == "schemas"
    kind = schema.name.removesuffix(".schema.json")
    problems = list(Draft202012Validator(schemas.schema(kind)).iter_errors(load(path).data))
    assert not problems


def error_of(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "project.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_project(path)
    return str(caught.value)


def test_a_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    message = error_of(tmp_path, "schema: 1\ncrate:\n  manifest: a\n  manifest: b\n")
    assert message.endswith("project.yaml:4: crate.manifest: duplicate key (first given at line 3)")


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    levels = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        levels.append(f"a{level}: &a{level} [{refs}]")
    message = error_of(tmp_path, "\n".join(levels) + "\n")
    assert "values once aliases are expanded (an alias bomb?)" in message


def test_too_big_and_not_text_are_one_line(tmp_path: Path) -> None:
    assert "bigger than 1,024 KiB" in error_of(tmp_path, "#" * (MAX_BYTES + 1))
    assert "not UTF-8 text (byte 0xff at offset 9)" in error_of(tmp_path, b"schema: 1\xff\n")


def test_nan_is_not_a_timeout(tmp_path: Path) -> None:
    message = error_of(tmp_path, "crate: {manifest: a}\ntest_timeout: .nan\n")
    assert message.endswith("project.yaml:2: test_timeout: .nan is not a usable number")


def test_an_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    message = error_of(tmp_path, "crate: {manifest: a}\ntest_timout: 5\n")
    assert message.endswith(
        "project.yaml:2: test_timout: unknown key; did you mean 'test_timeout'?"
    )


def test_a_bad_value_is_quoted_briefly(tmp_path: Path) -> None:
    message = error_of(tmp_path, f"crate: {{manifest: a}}\ntest_timeout: '{'9' * 5000}'\n")
    assert len(message) < 300 and message.endswith("got text '" + "9" * 58 + "…")
