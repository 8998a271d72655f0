"""Installing what the staircase needs from Debian (rustc-web for the build-std stages)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from minbuild import command
from minbuild.errors import ToolMissingError
from minbuild.toolchains import DEBIAN_PACKAGES


def missing_packages(packages: Sequence[str] = DEBIAN_PACKAGES) -> list[str]:
    """The Debian packages among `packages` that dpkg does not list as installed."""
    missing = []
    for package in packages:
        status = command.run(["dpkg-query", "-W", "-f=${Status}", package], check=False)
        if "install ok installed" not in status.stdout:
            missing.append(package)
    return missing


def install(packages: Sequence[str]) -> list[str]:
    """Install `packages` with apt-get (root only); returns the commands it ran."""
    install_argv = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0:
        raise ToolMissingError(
            "not root: run `sudo apt-get update && sudo "
            f"{' '.join(install_argv)}`, then run this again"
        )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    ran = []
    for argv in (["apt-get", "update", "-qq"], install_argv):
        command.run(argv, env=env, timeout=1800)
        ran.append(" ".join(argv))
    return ran
