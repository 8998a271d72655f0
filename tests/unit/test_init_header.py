"""The header `minbuild init` writes says how to run the file with minbuild itself (no
process is started: the draft is made from a crate built by hand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from minbuild.commands import init as starter
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
