"""The header `minbuild init` writes says how to run the file with minbuild itself (no
process is started: the draft is made from a crate built by hand)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from minbuild.commands import init as starter
from minbuild.engine import owntests
from minbuild.project.config import load_project
from minbuild.project.integration import IntegrationTests
from minbuild.rust.cargo import Workspace
from tests.unit.helpers import crate

NO_DEPENDENCIES: Any = {
    "packages": [{"id": "tinyvm 1.0", "name": "tinyvm", "features": {}}],
    "resolve": {"nodes": [{"id": "tinyvm 1.0", "deps": []}]},
}


def header(path: Path) -> list[str]:
    tinyvm = crate()
    workspace = Workspace(tinyvm.workspace_root, (tinyvm,), (tinyvm.name,))
    draft = starter._Draft(path, tinyvm.manifest, workspace, tinyvm, NO_DEPENDENCIES)
    text = draft.text(None, None)
    assert yaml.safe_load(text)["schema"] == 1
    return [line for line in text.splitlines() if line.startswith("# Run it")]


def test_the_header_says_minbuild_min_build_in_the_crate_directory() -> None:
    assert header(Path("/demo/minbuild.yaml")) == [
        "# Run it in this directory: minbuild min-build   (elsewhere: minbuild min-build "
        "--config PATH)"
    ]


def test_a_file_of_another_name_is_run_with_its_name() -> None:
    (line,) = header(Path("/demo/size check.yaml"))
    assert "minbuild min-build --config 'size check.yaml'   (elsewhere" in line
    assert "nox" not in line


def test_tests_that_fail_without_the_default_features_are_written_as_needing_them(
    tmp_path: Path,
) -> None:
    tinyvm = dataclasses.replace(crate(), test_targets={"cli": Path("/demo/tests/cli.rs")})
    assert owntests.dropped_defaults(tinyvm, ["run"]) == ["compile", "logging"]
    assert owntests.dropped_defaults(tinyvm, ["everything", "logging"]) == []
    workspace = Workspace(tinyvm.workspace_root, (tinyvm,), (tinyvm.name,))
    draft = starter._Draft(
        Path("/demo/minbuild.yaml"), tinyvm.manifest, workspace, tinyvm, NO_DEPENDENCIES
    )
    draft.integration = ("cli",)
    draft.needs_defaults = (["assembles_a_file", "compiles"], ["compile", "logging"])
    written = yaml.safe_load(draft.text(None, None))["integration_tests"]
    assert written["requires"] == [
        {"tests": ["assembles_a_file", "compiles"], "needs_features": ["compile", "logging"]}
    ]
    path = tmp_path / "minbuild.yaml"
    path.write_text(draft.text(None, None))
    (tmp_path / "Cargo.toml").write_text("")
    loaded: IntegrationTests | None = load_project(path).integration_tests
    assert loaded is not None and loaded.requires[0].needs_features == ("compile", "logging")
