"""How cargo reaches the crate's dependencies: online from crates.io through the crate's
Cargo.lock (cargo's default), or offline; and which route -Z build-std takes for std's own.

The user's `--locked`, `--offline` and `--frozen` mean what they mean to cargo, for the one
resolution a run makes before its builds. Every build after it is `--locked`: the lock that
resolution left is the one every stage builds from, and no stage rewrites it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from minbuild.util import command
from minbuild.util.errors import CommandFailed, MinbuildError

LOCK_NEEDS_UPDATE = "needs to be updated but --locked was passed"
"""What cargo says when `--locked` (or `--frozen`) meets a Cargo.lock that Cargo.toml no
longer matches."""


@dataclass(frozen=True)
class Network:
    """The user's choice, as cargo's flags."""

    locked: bool = False
    """Cargo.lock must not change (cargo's --locked)."""
    offline: bool = False
    """No network: only what is already downloaded, vendored or in a directory source."""
    offline_by_environment: bool = False
    """CARGO_NET_OFFLINE=true: cargo is offline without the flag, which stays the user's."""

    @classmethod
    def of(
        cls,
        *,
        locked: bool = False,
        offline: bool = False,
        frozen: bool = False,
        offline_by_environment: bool = False,
    ) -> Network:
        """From the three flags cargo takes (`--frozen` is `--locked --offline`)."""
        return cls(locked or frozen, offline or frozen, offline_by_environment)

    def resolving(self) -> tuple[str, ...]:
        """Cargo's flags for the run's one resolution of the lock file: the user's."""
        return (*(["--locked"] if self.locked else []), *(["--offline"] if self.offline else []))

    def building(self) -> tuple[str, ...]:
        """Cargo's flags for everything after it: the lock stays as the resolution left it."""
        return ("--locked", *(["--offline"] if self.offline else []))

    def describe(self) -> str:
        if self.locked and self.offline:
            return "--frozen"
        return " ".join(self.resolving()) or "online"


CARGO_DEFAULT = Network()
"""Online, and Cargo.lock written or updated as `cargo build` would."""


@dataclass(frozen=True)
class StdRoute:
    """Where -Z build-std takes std's own dependencies (compiler_builtins, hashbrown, ...)."""

    offline: bool
    """From one local directory source (std's vendored copy, merged with the crate's own
    dependencies: sources.py), not from crates.io."""
    why: str
    """What decided it, for doctor and the dry run."""

    def line(self) -> str:
        return f"build-std route: {self.describe()}"

    def describe(self) -> str:
        where = (
            "offline, from std's vendored dependencies merged with the crate's (one directory "
            "source)"
            if self.offline
            else "online: cargo fetches std's dependencies from crates.io"
        )
        return f"{where}; {self.why}"


def std_route(
    network: Network,
    crate_dir: Path,
    cargo: Iterable[str],
    env: Mapping[str, str],
) -> StdRoute:
    """Offline when the run is (the flag, CARGO_NET_OFFLINE, `net.offline` in cargo's
    configuration) or when the crate's configuration replaces crates.io with a local source:
    build-std resolves std's dependencies through that replacement, which does not hold them.
    Otherwise online, as cargo does for any other crate."""
    if network.offline:
        return StdRoute(True, "the run is offline (--offline or --frozen)")
    if network.offline_by_environment:
        return StdRoute(True, "the run is offline (CARGO_NET_OFFLINE=true)")
    offline = cargo_config(crate_dir, "net.offline", cargo, env)
    if offline is True:
        return StdRoute(True, "the crate's cargo configuration sets net.offline = true")
    replaced = cargo_config(crate_dir, "source.crates-io.replace-with", cargo, env)
    if isinstance(replaced, str):
        return StdRoute(
            True,
            f"the crate's cargo configuration replaces crates.io with the source `{replaced}`, "
            "which does not hold std's dependencies",
        )
    return StdRoute(False, "the run is online and crates.io is not replaced")


def cargo_config(
    directory: Path, key: str, cargo: Iterable[str], env: Mapping[str, str]
) -> object | None:
    """A value of cargo's configuration as cargo itself merges it for `directory` (its
    .cargo/config.toml files upward, CARGO_HOME's, the environment), or None when unset or
    when this cargo cannot say (`cargo config get` is unstable: RUSTC_BOOTSTRAP lets any
    cargo answer)."""
    argv = [*_plain(cargo), "-Zunstable-options", "config", "get", "--format", "json-value", key]
    try:
        result = command.run(
            argv, env={**env, "RUSTC_BOOTSTRAP": "1"}, cwd=directory, check=True, timeout=60
        )
    except CommandFailed:
        return None  # unset (cargo exits 101 and says so) or a cargo without the command
    except MinbuildError:
        return None
    try:
        value: object = json.loads(result.stdout)
    except ValueError:
        return None
    return value


def _plain(cargo: Iterable[str]) -> list[str]:
    """The cargo argv without the flags this module adds (config get takes none of them)."""
    return [arg for arg in cargo if arg not in ("--locked", "--offline", "--frozen")]
