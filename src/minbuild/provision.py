"""Installing what the staircase and the cross targets need, and checking that they have it."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from minbuild import command, stages, toolchains
from minbuild.config import Project
from minbuild.errors import ToolMissingError
from minbuild.targets import Target
from minbuild.toolchains import DEBIAN_PACKAGES


def missing_packages(packages: Sequence[str]) -> list[str]:
    """The Debian packages among `packages` that dpkg does not list as installed."""
    missing = []
    for package in dict.fromkeys(packages):
        status = command.run(["dpkg-query", "-W", "-f=${Status}", package], check=False)
        if "install ok installed" not in status.stdout:
            missing.append(package)
    return missing


def needs(targets: Sequence[Target]) -> tuple[list[str], list[str]]:
    """Debian and Python packages for the build-std stages and the given targets."""
    apt = list(dict.fromkeys([*DEBIAN_PACKAGES, *(p for t in targets for p in t.packages)]))
    pip = list(dict.fromkeys(p for t in targets for p in t.pip))
    return apt, pip


def setup(targets: Sequence[Target], dry_run: bool = False) -> list[str]:
    """Install what is missing (apt-get as root, pip); returns what it did, line by line."""
    apt, pip = needs(targets)
    missing_apt = missing_packages(apt)
    missing_pip = [name for name in pip if importlib.util.find_spec(name) is None]
    report = [
        f"Debian packages needed: {' '.join(apt)}; missing: {' '.join(missing_apt) or 'none'}",
        f"Python packages needed: {' '.join(pip) or 'none'}; missing: "
        f"{' '.join(missing_pip) or 'none'}",
    ]
    steps = []
    if missing_apt:
        steps += [
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "--no-install-recommends", *missing_apt],
        ]
    if missing_pip:
        steps.append([sys.executable, "-m", "pip", "install", "-q", *missing_pip])
    if missing_apt and os.geteuid() != 0 and not dry_run:
        raise ToolMissingError(
            "not root: run `sudo apt-get update && sudo apt-get install -y "
            f"--no-install-recommends {' '.join(missing_apt)}`, then this "
            "again"
        )
    for argv in steps:
        if not dry_run:
            command.run(argv, env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=1800)
        report.append(f"{'would run' if dry_run else 'ran'}: {' '.join(argv)}")
    if not steps:
        report.append("nothing to install")
    return report


@dataclass(frozen=True)
class Finding:
    """One stage or target: can it run here, and if not, why and what fixes it."""

    what: str
    available: bool
    detail: str


def doctor(
    project: Project, staircase: Sequence[stages.Stage], targets: Sequence[Target]
) -> list[Finding]:
    """Every stage and target: available or not, with the reason and the fix."""
    try:
        resolution = toolchains.resolve(staircase, None)
    except ToolMissingError as error:
        return [Finding("toolchain", False, str(error))]
    toolchain = resolution.toolchain
    findings = [Finding("toolchain", True, f"{toolchain.label}, commit {toolchain.commit[:12]}")]
    for stage in staircase:
        reason = resolution.skipped.get(stage.name)
        findings.append(Finding(f"stage {stage.name}", reason is None, reason or "ready"))
    cross_blocker = (
        None
        if toolchain.library_source
        else (
            f"cross builds need -Z build-std, which {toolchain.label} cannot do; "
            f"install: {toolchains.DEBIAN.install}"
        )
    )
    for target in targets:
        missing = target.missing()
        problem = cross_blocker or (
            f"missing {', '.join(missing)}; fix: {target.fix()}" if missing else None
        )
        runner = " ".join(target.runner).replace("{python}", "python")
        runs = f"under {runner}" if runner else "natively"
        findings.append(
            Finding(
                f"target {target.triple}",
                problem is None,
                problem or f"ready: builds a {target.artifact}, runs {runs}",
            )
        )
    return findings
