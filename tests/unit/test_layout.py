"""The package's layout keeps the rules its README states: rooms that tools do not take for
output, one error module, modules of a readable size, and no positional flags."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "src" / "minbuild"
# Directory names common tooling treats as output or caches (GitHub's Python .gitignore,
# pytest's norecursedirs, hatchling's default excludes).
OUTPUT_NAMES = {"build", "dist", "target", "out", "tmp", "env", "venv", "node_modules"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_subpackage_has_a_name_tools_take_for_output() -> None:
    rooms = {path.name for path in PACKAGE.iterdir() if path.is_dir()}
    assert rooms & OUTPUT_NAMES == set()


def test_every_error_class_lives_in_util_errors() -> None:
    elsewhere = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}"
        for path in modules()
        if path != PACKAGE / "util" / "errors.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).endswith(("Error", "Exception", "Failed")) for base in node.bases)
        and not node.name.startswith("_")  # a private signal, caught in its own module
    ]
    assert elsewhere == []


GENERATED = {"project/file_model.py"}
"""Modules a tool writes (tools/file_model.py): their length is the schema's."""


def test_no_module_is_over_420_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in modules()
        if str(path.relative_to(PACKAGE)) not in GENERATED
        and (count := len(path.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert long == {}


def test_a_flag_parameter_is_passed_by_name() -> None:
    """`f(x, True)` says nothing at the call; `f(x, exact=True)` does."""
    positional = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}({arg.arg})"
        for path in modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for arg in (*node.args.posonlyargs, *node.args.args)
        if arg.annotation is not None and ast.unparse(arg.annotation) in ("bool", "bool | None")
    ]
    assert positional == []
