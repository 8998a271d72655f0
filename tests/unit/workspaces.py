"""Workspaces, packages, targets and projects built by hand, as `cargo metadata` and a
project file would describe them (for the artifact and package-choice unit tests)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from minbuild.project.config import Project, load_project
from minbuild.rust.cargo import CargoTarget, Crate, Workspace
from minbuild.util.errors import ConfigError

# Lines of the keys in the file project() writes, for errors that must point at them.
PACKAGE_LINE = 4
ARTIFACT_LINE = 5
CDYLIB_LINE = 6
MINIMAL_LINE = 8


def project(
    tmp_path: Path,
    *,
    manifest: str = "ws/Cargo.toml",
    package: str | None = None,
    kind: str = "bin",
    name: str | None = None,
    cdylib: str | None = None,
    minimal: Sequence[str] = (),
    file: str = "minbuild.yaml",
) -> Project:
    """A project file for a crate under tmp_path/ws (the manifest need not exist)."""
    text = "\n".join(
        [
            "schema: 1",
            "crate:",
            f"  manifest: {manifest}",
            f"  package: {json.dumps(package)}",
            f"  artifact: {{kind: {kind}, name: {json.dumps(name)}}}",
            f"  cdylib: {{package: {json.dumps(cdylib)}}}",
            "feature_sets:",
            f"  minimal: {json.dumps(list(minimal))}",
            "  disable_logging: []",
            "",
        ]
    )
    path = tmp_path / file
    path.write_text(text, encoding="utf-8")
    return load_project(path)


def bin_target(name: str, *required_features: str) -> CargoTarget:
    return CargoTarget(name, ("bin",), ("bin",), required_features)


def lib_target(name: str, *crate_types: str) -> CargoTarget:
    """A lib target; cargo lists the crate types as its kinds too (["cdylib", "rlib"])."""
    types = crate_types or ("lib",)
    return CargoTarget(name, types, types)


def package(
    name: str,
    root: Path,
    *targets: CargoTarget,
    manifest: Path | None = None,
    default_run: str | None = None,
    features: Mapping[str, tuple[str, ...]] | None = None,
) -> Crate:
    """A workspace member in root/NAME (or at `manifest`)."""
    return Crate(
        name=name,
        version="0.1.0",
        manifest=manifest or root / name / "Cargo.toml",
        workspace_root=root,
        features=features or {},
        targets=targets,
        dependencies=(),
        profiles={},
        default_run=default_run,
    )


def workspace(root: Path, *members: Crate, default: Sequence[str] = ()) -> Workspace:
    return Workspace(root, members, tuple(default))


def artifact_message(
    manifest: Path,
    name: str,
    kinds: Sequence[str],
    filenames: Sequence[str],
    *,
    crate_types: Sequence[str] | None = None,
    executable: str | None = None,
) -> dict[str, Any]:
    """A cargo `compiler-artifact` message as --message-format=json prints it."""
    return {
        "reason": "compiler-artifact",
        "manifest_path": str(manifest),
        "target": {"name": name, "kind": list(kinds), "crate_types": list(crate_types or kinds)},
        "filenames": list(filenames),
        "executable": executable,
        "fresh": False,
    }


def raised(call: Callable[..., object], *args: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return str(caught.value)


# choose_package
