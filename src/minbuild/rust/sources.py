"""One offline directory source for -Z build-std that holds std's dependencies AND the crate's.

Offline build-std replaces the `crates-io` source with the toolchain's vendored copy of std's
dependencies. That replacement overrides the crate's own (a directory source in its
.cargo/config.toml, `cargo vendor` output, Debian's registry), so the crate's dependencies
vanish ("no matching package"). The fix is a link farm under the state dir: one directory
source with a link per package of both, deduplicated by name and version.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild.rust.cargo import metadata_of
from minbuild.util.errors import CommandFailed

# How cargo names crates.io, whatever replaces it (metadata reports the original source).
CRATES_IO = (
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
)
CHECKSUMS = ".cargo-checksum.json"


@dataclass(frozen=True)
class Package:
    """A package a directory source must hold."""

    name: str
    version: str
    directory: Path
    """Where its sources are (with a Cargo.toml)."""


@dataclass(frozen=True)
class Farm:
    """The directory source to give build-std, or why there can be none."""

    path: Path | None
    """The merged directory source (or std's own vendor dir when the crate needs nothing)."""
    problem: str | None = None
    """Why build-std cannot build this crate offline: two different copies of one package."""
    packages: int = 0
    """How many of the crate's dependencies the farm holds besides std's."""


def offline_source(
    manifest: Path,
    cargo: Iterable[str],
    env: Mapping[str, str],
    std_vendor: Path,
    root: Path,
) -> Farm:
    """The directory source that serves both std's and the crate's crates.io dependencies,
    kept under `root`/sources."""
    try:
        metadata = _every_dependency(manifest, cargo, env)
    except CommandFailed as error:
        return Farm(
            None, f"cargo metadata cannot list the crate's dependencies: {error.last_line()}"
        )
    theirs = [
        Package(p["name"], p["version"], Path(p["manifest_path"]).parent)
        for p in metadata["packages"]
        if p["source"] in CRATES_IO
    ]
    if not theirs:
        return Farm(std_vendor)
    checksums = _lock_checksums(Path(metadata["workspace_root"]) / "Cargo.lock")
    merged: dict[tuple[str, str], Package] = {}
    for package in [*vendored_packages(std_vendor), *theirs]:
        key = (package.name, package.version)
        if key in merged and not same_package(merged[key], package, checksums.get(key)):
            return Farm(
                None,
                f"{package.name} {package.version} comes from two different copies: "
                f"{merged[key].directory} (std's dependencies) and {package.directory} "
                f"({metadata['workspace_root']}'s); one offline source cannot hold both",
            )
        merged.setdefault(key, package)
    return Farm(_link_farm(list(merged.values()), checksums, root), None, len(theirs))


def _every_dependency(manifest: Path, cargo: Iterable[str], env: Mapping[str, str]) -> Any:
    """The crate's dependency graph with every feature on: cargo resolves its lockfile so, and
    asks the source for an optional dependency that no default build compiles (bat's
    `regex-fancy` pulls syntect's fancy-regex). Where some feature's dependencies cannot be
    had (a distribution leaves them out), the graph of the default features."""
    try:
        return metadata_of(manifest, cargo, env, dependencies=True, all_features=True)
    except CommandFailed:
        return metadata_of(manifest, cargo, env, dependencies=True)


def vendored_packages(directory: Path) -> list[Package]:
    """Every package in a directory source (one subdirectory with a Cargo.toml each)."""
    found = []
    for manifest in sorted(directory.glob("*/Cargo.toml")):
        try:
            with manifest.open("rb") as handle:
                package = tomllib.load(handle).get("package", {})
        except (OSError, tomllib.TOMLDecodeError):
            continue  # not a package cargo could use either
        if "name" in package and isinstance(package.get("version"), str):
            found.append(Package(package["name"], package["version"], manifest.parent))
    return found


def same_package(first: Package, second: Package, locked: str | None = None) -> bool:
    """The same directory, or two copies whose .crate checksums agree: recorded in their
    checksum files, or for a copy without one (a registry cache), in the crate's Cargo.lock."""
    if first.directory.resolve() == second.directory.resolve():
        return True
    sums = [_recorded_checksum(p.directory) or locked for p in (first, second)]
    return sums[0] is not None and sums[0] == sums[1]


def _recorded_checksum(directory: Path) -> str | None:
    try:
        value = json.loads((directory / CHECKSUMS).read_text(encoding="utf-8")).get("package")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and len(value) == 64 else None


def _lock_checksums(lock: Path) -> dict[tuple[str, str], str]:
    try:
        with lock.open("rb") as handle:
            packages: list[dict[str, Any]] = tomllib.load(handle).get("package", [])
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {(p["name"], p["version"]): p["checksum"] for p in packages if "checksum" in p}


def _link_farm(
    packages: list[Package], checksums: Mapping[tuple[str, str], str], root: Path
) -> Path:
    """Build the farm once per set of packages; concurrent runs race harmlessly to rename."""
    listing = sorted(f"{p.name} {p.version} {p.directory.resolve()}" for p in packages)
    digest = hashlib.sha256("\n".join(listing).encode()).hexdigest()[:16]
    final = root / "sources" / digest
    if final.is_dir():
        return final
    building = final.with_name(f".{digest}.{secrets.token_hex(4)}.partial")
    building.mkdir(parents=True)
    try:
        for package in packages:
            _add(building / f"{package.name}-{package.version}", package, checksums)
        try:
            building.rename(final)
        except OSError:  # another run made the same farm first: use theirs
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return final


def _add(entry: Path, package: Package, checksums: Mapping[tuple[str, str], str]) -> None:
    source = package.directory.resolve()
    if (source / CHECKSUMS).is_file():
        entry.symlink_to(source, target_is_directory=True)
        return
    # A registry cache or checkout has no checksum file: link its contents and write one
    # that matches the crate's Cargo.lock, as `cargo vendor` would.
    entry.mkdir()
    for child in source.iterdir():
        (entry / child.name).symlink_to(child)
    recorded = checksums.get((package.name, package.version))
    (entry / CHECKSUMS).write_text(json.dumps({"files": {}, "package": recorded}))
