"""A build that failed for want of its linker: which program, and what installs it. rustc says
so in one line (`error: linker `cc` not found`), whatever the crate."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from minbuild.project.targets import Target

_NOT_FOUND = re.compile(r"^error: linker `([^`]+)` not found", re.MULTILINE)
HOST_PACKAGES = {"cc": "gcc", "gcc": "gcc", "c++": "g++", "g++": "g++", "clang": "clang"}
"""Debian's package of each linker a host build may name (rustc's default is cc)."""
HOST_LINKER = "cc"
"""What rustc links host builds with, unless the crate's config names another."""


def missing_linker(stderr: str, target: Target | None) -> str | None:
    """What the build lacked, with the command that installs it, if rustc found no linker."""
    found = _NOT_FOUND.search(stderr)
    if found is None:
        return None
    name = found.group(1)
    if target is not None and target.linker == name:
        return f"the linker {name} (for {target.triple}); install with: {target.fix()}"
    return f"the linker {name}; install with: {install_line(name)}"


def install_line(linker: str) -> str:
    package = HOST_PACKAGES.get(Path(linker).name)
    if package is None:
        return f"the package that provides {linker} (or name another linker)"
    return f"apt-get install -y --no-install-recommends {package}"


def host_linker_problem() -> str | None:
    """Why a host build cannot link here (no `cc` on PATH), with the fix; None if it can."""
    if shutil.which(HOST_LINKER):
        return None
    return f"no {HOST_LINKER} on PATH (rustc links with it); install with: {install_line('cc')}"
