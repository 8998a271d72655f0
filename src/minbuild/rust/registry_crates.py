"""Debian's packaged crates (librust-NAME-dev, in /usr/share/cargo/registry), for `setup
--crates`: a crate's sources, the packages its own tests and its default features need (which
its package only suggests or recommends), and what no packaged version meets."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import semantic_version

from minbuild.rust.packages import Need
from minbuild.util import command

REGISTRY = Path("/usr/share/cargo/registry")
"""Debian's registry of crate sources (librust-*-dev): the offline route to real crates."""


def crate_need(name: str) -> Need:
    """A crate's sources from Debian's registry (librust-NAME-dev), to try minbuild on."""
    package = _debian_package(name)

    def missing() -> list[str]:
        found = list(REGISTRY.glob(f"{name}-[0-9]*/Cargo.toml"))
        return [] if found else [f"{REGISTRY}/{name}-<version>"]

    return Need(f"crate {name}", (package,), (), missing)


def dev_dependency_need(name: str) -> Need | None:
    """The Debian packages of an installed registry crate's dev-dependencies (what its own
    tests need to build: integration_tests), those apt knows; None when none is packaged or
    the crate is not installed yet."""
    manifest = _installed_manifest(name)
    if manifest is None:
        return None
    tables = [manifest.get("dev-dependencies", {})]
    tables += [t.get("dev-dependencies", {}) for t in manifest.get("target", {}).values()]
    names = sorted({dep.get("package", key) if isinstance(dep, dict) else key
                    for table in tables for key, dep in table.items()})  # fmt: skip
    known = [(dep, package) for dep in names if _apt_knows(package := _debian_package(dep))]
    if not known:
        return None

    def missing() -> list[str]:
        return [f"{REGISTRY}/{dep}-<version>" for dep, _ in known if not _registry_has(dep)]

    return Need(f"crate {name}'s dev-dependencies", tuple(p for _, p in known), (), missing)


def default_features_need(name: str) -> Need | None:
    """The Debian packages that complete an installed registry crate's default features:
    librust-NAME-dev only recommends a feature package that brings dependencies of its own,
    which --no-install-recommends skips (cbindgen's default `clap` feature, clap 3), and
    librust-NAME+default-dev is provided by those. None when the crate is not installed yet
    or its own package provides its default features."""
    manifest = _installed_manifest(name)
    if manifest is None:
        return None
    providers = [
        p for p in _providers(_debian_package(name, "+default")) if p != _debian_package(name)
    ]
    if not providers:
        return None
    wanted = _default_dependencies(manifest)

    def missing() -> list[str]:
        return [
            f'{REGISTRY}/{dep}-<version> ("{requirement}")'
            for dep, requirement in wanted.items()
            if not _any_meets(requirement, _packaged_versions(dep))
        ]

    return Need(f"crate {name}'s default features", tuple(providers), (), missing)


def _installed_manifest(name: str) -> dict[str, Any] | None:
    """The Cargo.toml of the newest version of `name` in Debian's registry (None: none)."""
    manifests = sorted(REGISTRY.glob(f"{name}-[0-9]*/Cargo.toml"))
    if not manifests:
        return None
    with manifests[-1].open("rb") as handle:
        return tomllib.load(handle)


def _providers(virtual: str) -> list[str]:
    """The packages apt knows that provide `virtual` (or the package of that name)."""
    shown = command.run(["apt-cache", "showpkg", virtual], check=False).stdout
    return provided_by(shown)


def provided_by(showpkg: str) -> list[str]:
    """The package names under `apt-cache showpkg`'s "Reverse Provides:" heading (the lines
    after it: NAME VERSION (= VERSION))."""
    _, found, after = showpkg.partition("Reverse Provides:")
    return [line.split()[0] for line in after.strip().splitlines() if line.strip()] if found else []


def _default_dependencies(manifest: dict[str, Any]) -> dict[str, str]:
    """The optional dependencies the crate's default features turn on, with their
    requirements (`clap` or `dep:clap` in a default feature, followed through features)."""
    features: dict[str, list[str]] = manifest.get("features", {})
    dependencies = manifest.get("dependencies", {})
    seen, todo, found = set(), list(features.get("default", [])), {}
    while todo:
        item = todo.pop().removeprefix("dep:").split("/")[0].rstrip("?")
        if item in seen:
            continue
        seen.add(item)
        if item in features:
            todo += features[item]
        spec = dependencies.get(item)
        if isinstance(spec, dict) and spec.get("optional") and isinstance(spec.get("version"), str):
            found[spec.get("package", item)] = spec["version"]
    return found


def dev_dependency_mismatches(name: str) -> list[str]:
    """For an installed registry crate: each dev-dependency whose requirement no packaged
    version meets (cargo resolves dev-dependencies before any build, so the crate's own
    tests, and then every stage, would fail offline), naming both versions."""
    manifest = _installed_manifest(name)
    if manifest is None:
        return []
    tables = [manifest.get("dev-dependencies", {})]
    tables += [t.get("dev-dependencies", {}) for t in manifest.get("target", {}).values()]
    found = []
    for table in tables:
        for key, dep in table.items():
            package = dep.get("package", key) if isinstance(dep, dict) else key
            wanted = dep.get("version") if isinstance(dep, dict) else dep
            packaged = _packaged_versions(package)
            if not isinstance(wanted, str) or not packaged:
                continue
            if not _any_meets(wanted, packaged):
                found.append(
                    f'crate {name}: dev-dependency {package} = "{wanted}" matches no packaged '
                    f"version ({', '.join(packaged)} in {REGISTRY}): cargo resolves it before "
                    "any build, so relax it in the copy's Cargo.toml, remove it (the tests that "
                    "use it cannot build), or take the crate from crates.io (minbuild try)"
                )
    return found


def _packaged_versions(name: str) -> list[str]:
    versions = []
    for spelled in {name, name.replace("-", "_")}:
        versions += [p.parent.name.removeprefix(f"{spelled}-") for p in
                     REGISTRY.glob(f"{spelled}-[0-9]*/Cargo.toml")]  # fmt: skip
    return sorted(versions)


def _debian_package(crate: str, feature: str = "") -> str:
    """Debian's name for a crate's sources (librust-NAME-dev), or for one of its features'
    packages (`feature` "+default": librust-NAME+default-dev)."""
    return f"librust-{crate.replace('_', '-').lower()}{feature}-dev"


def _any_meets(requirement: str, versions: Sequence[str]) -> bool:
    """Some version meets cargo's `requirement` (or it is one semantic_version cannot read)."""
    return any(_meets(requirement, version) is not False for version in versions)


def _meets(requirement: str, version: str) -> bool | None:
    """Whether `version` meets cargo's `requirement` (a bare `0.9` is `^0.9`); None when
    the requirement is not one semantic_version reads."""
    parts = [part.strip() for part in requirement.split(",")]
    spec = ",".join(f"^{part}" if part[:1].isdigit() else part for part in parts)
    try:
        return bool(semantic_version.SimpleSpec(spec).match(semantic_version.Version(version)))
    except ValueError:
        return None


def _apt_knows(package: str) -> bool:
    return command.run(["apt-cache", "show", package], check=False).returncode == 0


def _registry_has(name: str) -> bool:
    return any(REGISTRY.glob(f"{name}-[0-9]*/Cargo.toml")) or any(
        REGISTRY.glob(f"{name.replace('-', '_')}-[0-9]*/Cargo.toml")
    )
