"""The project file's JSON Schema is the one source of its keys, types, defaults and help: the
typed model the reader takes (project/file_model.py) is generated from it, so mypy refuses a
key the schema lacks, and the reference page is rendered from it. What types cannot say is held
here: a key the schema accepts that the reader never looks at would be accepted and ignored,
and a field of `Project` (and the records it holds) that no key fills would be set by nobody."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from tools import file_model

from minbuild.features.combinations import feature_matrix_spec
from minbuild.optimize.space import load_space
from minbuild.project import config
from minbuild.project.config import Artifact, Fixture, Project, TestSpec, load_project
from minbuild.project.declared_budgets import Budget
from minbuild.util import schemas
from tests.conftest import REPO

# Fields no key of the file sets: the file itself, where it is, what is derived from the rest.
NOT_FROM_KEYS: dict[type, set[str]] = {
    Project: {"path", "source"},
    Budget: {"where"},
}
# A field whose name is not its key's: field -> the key path that fills it.
RENAMED: dict[tuple[type, str], str] = {
    (Project, "manifest"): "crate.manifest",
    (Project, "package"): "crate.package",
    (Project, "artifact"): "crate.artifact",
    (Project, "libraries"): "crate.cdylib.package",
    (Project, "staticlib_exports"): "crate.staticlib.exports",
    (Project, "cache_tool"): "cache.tool",
    (Project, "cache_dir"): "cache.dir",
    (Project, "cache_redis"): "cache.redis",
}
# Where each dataclass sits in the file.
PLACES: dict[type, str] = {
    Project: "",
    Artifact: "crate.artifact",
    Fixture: "fixtures.*",
    TestSpec: "tests.*",
    Budget: "budgets.*",
}


def leaves(node: Mapping[str, Any], root: Mapping[str, Any], at: str = "") -> Iterator[str]:
    """Every key path the schema accepts (list items as `*`), down to values it keeps whole."""
    node = schemas._resolve(root, node)
    properties = node.get("properties")
    if properties:
        for key, child in properties.items():
            yield from leaves(child, root, f"{at}.{key}".lstrip("."))
        return
    items = node.get("items")
    if isinstance(items, dict) and "properties" in schemas._resolve(root, items):
        yield from leaves(items, root, f"{at}.*")
        return
    yield at


class Recording(dict[str, Any]):
    """A mapping that notes the path of every key read from it (and from what it holds)."""

    def __init__(self, data: dict[str, Any], at: str, seen: set[str]) -> None:
        super().__init__(
            {key: wrap(value, f"{at}.{key}".lstrip("."), seen) for key, value in data.items()}
        )
        self.at, self.seen = at, seen

    def __getitem__(self, key: str) -> Any:
        self.seen.add(f"{self.at}.{key}".lstrip("."))
        return super().__getitem__(key)


def wrap(value: Any, at: str, seen: set[str]) -> Any:
    if isinstance(value, dict):
        return Recording(value, at, seen)
    if isinstance(value, list):
        return [wrap(item, f"{at}.*", seen) for item in value]
    return value


def read_keys(monkeypatch: pytest.MonkeyPatch, path: Path) -> set[str]:
    """The key paths the reader (and the feature matrix and optimize's space, which take their
    sections whole) reads when it loads `path`."""
    seen: set[str] = set()
    real = schemas.validated

    def recording(doc: Any, kind: str) -> dict[str, Any]:
        return Recording(real(doc, kind), "", seen)

    monkeypatch.setattr(config, "validated", recording)
    project = load_project(path)
    feature_matrix_spec(project)
    load_space(project)  # optimize's section, read by the space it narrows
    return seen


def test_the_reader_reads_every_key_the_schema_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = schemas.schema("project")
    accepted = set(leaves(schema, schema)) - {"schema"}  # the version, which the schema pins
    read = read_keys(monkeypatch, REPO / "config" / "demo.yaml")
    read |= read_keys(monkeypatch, REPO / "config" / "demo-lib.yaml")
    assert accepted - read == set(), "keys the schema accepts and the reader ignores"


@pytest.mark.parametrize("record", list(PLACES), ids=lambda r: r.__name__)
def test_every_field_is_filled_from_a_key_the_schema_declares(record: type) -> None:
    schema = schemas.schema("project")
    accepted = set(leaves(schema, schema))
    place = PLACES[record]
    for field in dataclasses.fields(record):
        if field.name in NOT_FROM_KEYS.get(record, set()):
            continue
        key = RENAMED.get((record, field.name), f"{place}.{field.name}".lstrip("."))
        assert any(path == key or path.startswith(f"{key}.") for path in accepted), (
            f"{record.__name__}.{field.name}: no key {key} in project.schema.json"
        )


def test_the_typed_model_is_what_the_schema_generates() -> None:
    assert file_model.MODEL.read_text(encoding="utf-8") == file_model.generated(), (
        "the schema changed: run python tools/file_model.py"
    )
