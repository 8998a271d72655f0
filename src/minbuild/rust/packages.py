"""What setup installs, as needs: the Debian and Python packages that provide something, and
the check after that they did; and which Debian packages dpkg lists as installed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.util import command


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


def files_missing(paths: Sequence[str]) -> Callable[[], list[str]]:
    return lambda: [path for path in paths if not Path(path).exists()]
