"""What a workspace's Cargo.lock says: how big its dependency graph is, and whose packages
are the workspace's own."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from minbuild.rust.cargo import Crate, metadata_of
from minbuild.util.errors import CommandFailed


def graph_size(crate: Crate, cargo: Iterable[str], env: Mapping[str, str]) -> int:
    """How many packages the crate's Cargo.lock holds (every platform's, the crate's own
    included): the measure of a build's work that needs no build. Without a lock file cargo
    writes one first (`cargo metadata`, offline)."""
    if not (crate.workspace_root / "Cargo.lock").is_file():
        try:
            metadata_of(crate.manifest, cargo, env, dependencies=True)
        except CommandFailed:
            return 1 + len(crate.dependencies)
    packages = locked_packages(crate.workspace_root)
    return max(1, len(packages)) if packages is not None else 1 + len(crate.dependencies)


def locked_packages(workspace_root: Path) -> list[Mapping[str, Any]] | None:
    """The [[package]] entries of the workspace's Cargo.lock, None without a readable one."""
    try:
        with (workspace_root / "Cargo.lock").open("rb") as handle:
            packages = tomllib.load(handle).get("package", [])
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return [p for p in packages if isinstance(p, dict) and isinstance(p.get("name"), str)]


def crate_origins(crate: Crate) -> tuple[frozenset[str], frozenset[str]]:
    """The names symbols give (`-` as `_`) to the workspace's own packages and path
    dependencies, and to its registry, git and vendored dependencies, from Cargo.lock."""
    packages = locked_packages(crate.workspace_root) or [{"name": crate.name}]
    own = {p["name"].replace("-", "_") for p in packages if "source" not in p}
    theirs = {p["name"].replace("-", "_") for p in packages if "source" in p}
    return frozenset(own | {crate.name.replace("-", "_")}), frozenset(theirs)


def with_compiled(
    locked: tuple[frozenset[str], frozenset[str]], libraries: Iterable[tuple[str, str]]
) -> tuple[frozenset[str], frozenset[str]]:
    """Cargo.lock's names for the own crates and the dependencies, with the names of the
    libraries a build compiled for packages the lock holds, where they differ (`libraries`:
    package, library). Packages the lock does not hold (std's, under build-std) add nothing,
    nor does a name the other side holds: a wrapper package whose library is called as the
    crate it wraps (`wasmtime`) has hardly any code of its own."""
    own, theirs = set(locked[0]), set(locked[1])
    for package, library in libraries:
        if package in locked[0] and library not in locked[1]:
            own.add(library)
        elif package in locked[1] and library not in locked[0]:
            theirs.add(library)
    return frozenset(own), frozenset(theirs)
