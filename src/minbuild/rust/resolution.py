"""The run's one resolution of the crate's dependencies, through its Cargo.lock as cargo
resolves them (online by default), and one line for each way it fails."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from minbuild.rust.cargo import Crate, metadata_of
from minbuild.rust.network import Network
from minbuild.util.errors import CommandFailed, ConfigError, NetworkError

MISSING_PACKAGE = re.compile(
    r"no matching package (?:named `(?P<named>[^`]+)` found|found\s+searched package name: "
    r"`(?P<searched>[^`]+)`)(?:.*?required by package `(?P<by>[^ `]+))?",
    re.DOTALL,
)
STALE_LOCK = re.compile(
    r"cannot (?:update|create) the lock file (?P<a>\S+) because --locked was passed"
    r"|the lock file (?P<b>\S+) needs to be updated but --locked was passed"
)
NO_VERSION = re.compile(
    r"failed to select a version for the requirement `(?P<name>[^ `]+) = \"(?P<wanted>[^\"]+)\"`"
    r"(?:\s*candidate versions found which didn't match: (?P<found>[^\n]+))?"
    r"(?:\s*location searched: (?P<where>[^\n]+))?"
)
NOT_DOWNLOADED = re.compile(
    r"failed to download `?(?P<what>[^`\n]+?)`?\s*\n(?:.*\n)*?.*--offline was specified"
)
UNREACHABLE = re.compile(
    r"(?:Couldn't resolve host|failed to connect|Could not resolve|network failure|"
    r"download of \S+ failed|SSL connect error|Connection refused|timed out)"
)


@dataclass(frozen=True)
class Locked:
    """What the resolution did to Cargo.lock."""

    lock: Path
    change: str | None
    """None: it was there and cargo left it as it was; else what cargo did (wrote, updated)."""

    def line(self) -> str | None:
        if self.change is None:
            return None
        return (
            f"{self.change} {self.lock} as `cargo build` would (--locked refuses that); every "
            "stage builds --locked from it"
        )


def resolve(crate: Crate, cargo: Iterable[str], env: Mapping[str, str], network: Network) -> Locked:
    """Resolve the workspace's dependencies once (dev-dependencies included: cargo resolves
    them before any build) with the user's flags; raise ConfigError (exit 2) for what the
    crate or its lock gets wrong, NetworkError (exit 3) when crates.io cannot be reached.
    `cargo` must not carry network flags of its own: `network` gives them."""
    lock = crate.workspace_root / "Cargo.lock"
    before = _digest(lock)
    try:
        metadata_of(
            crate.manifest, [*cargo, *network.resolving()], env, dependencies=True, online=True
        )
    except CommandFailed as error:
        explained = _explained(crate, network, error.output_tail)
        if explained is None:
            return Locked(lock, None)  # another problem: the builds say it in cargo's words
        raise explained from error
    after = _digest(lock)
    if after == before:
        return Locked(lock, None)
    return Locked(lock, "wrote" if before is None else "updated")


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _explained(crate: Crate, network: Network, output: str) -> ConfigError | NetworkError | None:
    """One line for what went wrong, naming the package, the versions and what to do."""
    manifest = str(crate.manifest)
    if stale := STALE_LOCK.search(output):
        lock = stale["a"] or stale["b"]
        return ConfigError(
            f"{lock} does not match {manifest} and --locked forbids updating it: run "
            "`cargo update --workspace` (or leave out --locked); nothing was built"
        )
    if wrong := NO_VERSION.search(output):
        name = wrong["name"]
        found = (wrong["found"] or "none").strip().rstrip(".").removesuffix(", ...")
        where = (wrong["where"] or "the crate's sources").strip()
        return ConfigError(
            f'{manifest}: {_role(crate, name)} `{name} = "{wrong["wanted"]}"` does not '
            f"resolve: {where} has {found}; change the requirement, or give cargo a source "
            "that has a matching version"
        )
    if missing := MISSING_PACKAGE.search(output):
        name = missing["named"] or missing["searched"]
        return ConfigError(f"{manifest}: {_missing(crate, name, missing['by'], network)}")
    if offline := NOT_DOWNLOADED.search(output):
        return ConfigError(
            f"{manifest}: {offline['what'].strip()} is not downloaded and the run is offline: "
            "run once online (or `cargo fetch`), or vendor it"
        )
    if UNREACHABLE.search(output):
        return NetworkError(
            f"cargo cannot reach the crate's registry to resolve {manifest}: "
            f"{_first_error(output)}; retry, or run with --offline if the crates are downloaded"
        )
    return None


def _role(crate: Crate, name: str) -> str:
    if name in crate.dev_dependencies:
        return f"dev-dependency of {crate.name}"
    if name in crate.dependencies:
        return f"dependency of {crate.name}"
    return "a dependency's requirement"


def _missing(crate: Crate, name: str, by: str | None, network: Network) -> str:
    fix = "or vendor it"
    if name in crate.dev_dependencies:
        what = f"dev-dependency `{name}` of {crate.name}"
        fix = "or remove it from [dev-dependencies] (then the tests that use it cannot build)"
    elif name in crate.dependencies:
        what = f"dependency `{name}` of {crate.name}"
    else:
        what = f"package `{name}` (required by {by or 'a dependency'})"
    if network.offline:
        return f"cargo cannot find {what} offline: run once online, {fix}"
    debian = f"librust-{name.replace('_', '-')}-dev"
    return (
        f"cargo cannot find {what} in the crate's sources, and resolves it before any build: "
        f"publish or add it (from Debian's registry: apt-get install {debian}) {fix}"
    )


def _first_error(output: str) -> str:
    errors = [line.strip() for line in output.splitlines() if line.strip()]
    caused = [line for line in errors if UNREACHABLE.search(line)]
    return (caused or errors or ["no output"])[-1]
