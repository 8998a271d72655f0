"""The example project files (Wasmtime's CLI and C API) are read as a user's would be: a
change to the project file's schema that breaks them fails here, not on a user's machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.project.config import load_project
from tests.conftest import REPO

PROJECTS = sorted((REPO / "examples").glob("*/*/minbuild.yaml"))


def test_the_wasmtime_examples_are_there() -> None:
    assert {p.parent.name for p in PROJECTS} >= {"cli", "capi", "platform"}


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: str(p.relative_to(REPO)))
def test_an_example_project_file_loads(path: Path) -> None:
    project = load_project(path)
    assert project.manifest == path.parent / "Cargo.toml"
    # every file a command names beside the project file exists
    commands = [test.argv for test in project.tests] + [f.argv for f in project.fixtures]
    for argv in commands:
        for arg in argv:
            if arg.startswith("{config_dir}/"):
                assert (path.parent / arg.removeprefix("{config_dir}/")).is_file(), arg
