"""A published crate's source, as cargo downloads it.

Cargo itself does the resolving and the downloading: a scratch package that depends on
`NAME = "=VERSION"` (or `"*"`, the newest) is handed to `cargo metadata`, which resolves the
requirement against the registry (crates.io, or whatever the user's cargo configuration
replaces it with) and unpacks the crate into its registry cache. That unpacked directory is
the crate as published (its normalized Cargo.toml, its Cargo.lock when it ships one, tests/,
build.rs): it is copied out whole, through a temporary sibling and one rename, so that a copy
cut short is never taken for the crate."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild.rust.resolution import MISSING_PACKAGE, NO_VERSION
from minbuild.util import command
from minbuild.util.errors import ConfigError, MinbuildError, NetworkError, ToolMissingError
from minbuild.util.text import shorten

MAX_NAME_CHARS = 64
"""crates.io's limit on a crate's name."""
MAX_VERSION_CHARS = 64
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Semantic versioning's grammar, without leading zeros in the three numbers: only ASCII
# letters, digits, dots, hyphens and one plus, so a version can never form a path of its own.
_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = re.compile(
    rf"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-{_IDENTIFIERS})?"
    rf"(?:\+{_IDENTIFIERS})?"
)
# Longer than any crate name crates.io accepts, so no crate asked for can share its name.
SCRATCH_PACKAGE = "minbuild-scratch-package-that-depends-on-the-crate-to-fetch-and-nothing-else"
FETCH_TIMEOUT = 900.0
"""Seconds for the one `cargo metadata`: it downloads the crate and everything it depends on."""
WORKSPACE_NOTE = (
    "# Added by `minbuild try`: this copy is a workspace of its own, not a member of the\n"
    "# Cargo project in a directory above it.\n[workspace]\n"
)


@dataclass(frozen=True)
class CrateSpec:
    """What a person asked for: NAME, or NAME@VERSION."""

    name: str
    version: str | None
    """Exactly this version; None: the newest (pre-releases aside, as cargo's `*`)."""

    def __str__(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name

    def requirement(self) -> str:
        """The dependency's version requirement in the scratch package."""
        return f"={self.version}" if self.version else "*"


@dataclass(frozen=True)
class Published:
    """One version of a crate as cargo unpacked it from the registry."""

    name: str
    version: str
    source: Path
    """Cargo's unpacked copy: read, never written."""

    def directory_name(self) -> str:
        return f"{self.name}-{self.version}"


def parse_spec(text: str) -> CrateSpec:
    """NAME or NAME@VERSION, each checked so that neither can be anything but a name."""
    name, at, version = text.partition("@")
    problem = name_problem(name) or (version_problem(version) if at else None)
    if problem:
        raise ConfigError(problem)
    return CrateSpec(name, version if at else None)


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a crate's name on crates.io (ASCII letters, digits, `-` and `_`,
    a letter first, at most 64 characters), or None."""
    if not name:
        return "no crate name: give NAME or NAME@VERSION"
    if len(name) > MAX_NAME_CHARS:
        return (
            f"`{name[:20]}…` is {len(name)} characters long; a crate's name has at most "
            f"{MAX_NAME_CHARS}"
        )
    if not _NAME.fullmatch(name):
        return (
            f"`{name}` is not a crate name: ASCII letters, digits, `-` and `_` only, a letter first"
        )
    return None


def version_problem(version: str) -> str | None:
    """Why `version` is not one exact version (MAJOR.MINOR.PATCH, maybe a pre-release and
    build metadata), or None."""
    if not version:
        return "no version after `@`: give NAME@VERSION (e.g. ripgrep@14.1.1), or NAME alone"
    if len(version) > MAX_VERSION_CHARS or not _VERSION.fullmatch(version):
        return (
            f"`{shorten(version, MAX_VERSION_CHARS)}` is not an exact version: give all three "
            "numbers (14.1.1, 1.0.0-beta.2), or no version for the newest"
        )
    return None


def held_in(directory: Path) -> tuple[str, str] | None:
    """The package (name, version) that `directory`'s Cargo.toml declares, or None."""
    try:
        manifest = tomllib.loads((directory / "Cargo.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    package = manifest.get("package")
    if not isinstance(package, dict):
        return None
    name, version = package.get("name"), package.get("version")
    if isinstance(name, str) and isinstance(version, str):
        return name, version
    return None


def holds(directory: Path, name: str, version: str) -> bool:
    """Whether `directory` holds that crate at that version (build metadata aside, as cargo
    matches versions)."""
    held = held_in(directory)
    return held is not None and held[0] == name and _release(held[1]) == _release(version)


@contextlib.contextmanager
def workspace(parent: Path, name: str) -> Iterator[Path]:
    """A temporary directory inside `parent` for the scratch package and the copy on its way
    (the copy's final rename must stay on one filesystem); removed at the end, whatever
    happened."""
    parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".minbuild-fetch-{name}.", dir=parent))
    try:
        yield temporary
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def resolve(
    spec: CrateSpec,
    work: Path,
    cargo: Sequence[str],
    env: Mapping[str, str],
    *,
    offline: bool = False,
) -> Published:
    """Let cargo resolve `spec` and download it; where cargo unpacked it. Run from `work`, so
    the cargo configuration of the directory the crate goes to applies (a mirror, a proxy)."""
    scratch = work / "scratch"
    scratch.mkdir()
    (scratch / "lib.rs").write_text("", encoding="utf-8")
    (scratch / "Cargo.toml").write_text(_scratch_manifest(spec), encoding="utf-8")
    argv = [*cargo, "metadata", "--format-version", "1", *(["--offline"] if offline else [])]
    done = command.run(
        [*argv, "--manifest-path", str(scratch / "Cargo.toml")],
        env=env,
        cwd=scratch,
        check=False,
        timeout=FETCH_TIMEOUT,
    )
    if done.returncode != 0:
        raise failure(done.stderr, spec)
    published = _located(json.loads(done.stdout), scratch / "Cargo.lock", spec, env)
    if spec.version and _release(published.version) != _release(spec.version):
        raise MinbuildError(f"try: cargo resolved {spec} to {published.version}")
    if not holds(published.source, published.name, published.version):
        raise MinbuildError(
            f"try: {published.source} does not hold {published.name} {published.version}"
        )
    return published


def _scratch_manifest(spec: CrateSpec) -> str:
    # [workspace]: its own root even when the working dir lies inside another Cargo project.
    return (
        f'[package]\nname = "{SCRATCH_PACKAGE}"\nversion = "0.0.0"\nedition = "2021"\n'
        f'publish = false\n\n[lib]\npath = "lib.rs"\n\n[dependencies]\n'
        f'{spec.name} = "{spec.requirement()}"\n\n[workspace]\n'
    )


def _release(version: str) -> str:
    """The version without its build metadata, which cargo ignores in a requirement."""
    return version.partition("+")[0]


def _located(metadata: object, lock: Path, spec: CrateSpec, env: Mapping[str, str]) -> Published:
    """The version the scratch package's lock names for the crate, and its unpacked directory:
    metadata's manifest_path, or for a crate without a lib target, which cargo resolves and
    downloads but leaves out of metadata (a package can only depend on a lib), the copy in
    cargo's registry cache."""
    version = _locked_version(lock, spec.name)
    packages = metadata.get("packages", []) if isinstance(metadata, dict) else []
    for package in packages:
        if (package.get("name"), package.get("version")) == (spec.name, version) and package.get(
            "source"
        ):
            return Published(spec.name, version, Path(package["manifest_path"]).parent)
    home = Path(env.get("CARGO_HOME") or os.environ.get("CARGO_HOME") or Path.home() / ".cargo")
    # One directory per registry (and per cargo's naming of it); crates.io's bytes for one
    # version are the same in each, and the newest unpacking is the one cargo just checked.
    unpacked = sorted(
        home.glob(f"registry/src/*/{spec.name}-{version}/Cargo.toml"),
        key=lambda found: found.stat().st_mtime,
    )
    if not unpacked:
        raise MinbuildError(
            f"try: cargo resolved {spec.name} {version} but left no unpacked copy in "
            f"{home / 'registry' / 'src'} (a source replacement keeps it elsewhere)"
        )
    return Published(spec.name, version, unpacked[-1].parent)


def _locked_version(lock: Path, name: str) -> str:
    """The version of `name` that the scratch package depends on, as its Cargo.lock says
    (`"name"` when one version of it is locked, `"name version"` when several are)."""
    try:
        packages = tomllib.loads(lock.read_text(encoding="utf-8")).get("package", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MinbuildError(f"try: cargo resolved {name} but wrote no readable {lock}") from error
    scratch: dict[str, Any] = next((p for p in packages if p.get("name") == SCRATCH_PACKAGE), {})
    for dependency in scratch.get("dependencies", []):
        parts = str(dependency).split()
        if parts[0] != name:
            continue
        if len(parts) > 1:
            return parts[1]
        versions = [p.get("version") for p in packages if p.get("name") == name]
        if len(versions) == 1 and isinstance(versions[0], str):
            return versions[0]
    raise MinbuildError(f"try: cargo's lock for the scratch package {lock} does not name {name}")


def copy_out(published: Published, destination: Path, work: Path) -> bool:
    """Copy cargo's unpacked crate to `destination` whole or not at all (a copy in `work`,
    then one rename). True when its Cargo.toml gained an empty [workspace] table: a Cargo.toml
    in a directory above would otherwise claim it as a member it does not list."""
    copy = work / "copy"
    shutil.copytree(published.source, copy, symlinks=True)
    (copy / ".cargo-ok").unlink(missing_ok=True)  # cargo's own mark of a finished unpacking
    own_workspace = _inside_a_cargo_project(destination.parent) and not _has_workspace(copy)
    if own_workspace:
        manifest = copy / "Cargo.toml"
        manifest.write_text(manifest.read_text(encoding="utf-8") + "\n" + WORKSPACE_NOTE)
    try:
        copy.rename(destination)
    except OSError as error:
        # Another run put it there first (rename(2) refuses a non-empty directory): theirs
        # stands if it is this crate.
        if not holds(destination, published.name, published.version):
            raise ConfigError(
                f"try: {destination} appeared while {published.name} was fetched and does not "
                "hold it: remove it, or pass --dir for another place"
            ) from error
    return own_workspace


def _inside_a_cargo_project(directory: Path) -> bool:
    return any((each / "Cargo.toml").is_file() for each in (directory, *directory.parents))


def _has_workspace(crate: Path) -> bool:
    try:
        return "workspace" in tomllib.loads((crate / "Cargo.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False


# --- cargo's failures, each said in one line -------------------------------------------------

_CURL_ERROR = re.compile(r"^\s*(\[\d+\] .+)$", re.MULTILINE)
_NETWORK = (
    "network failure seems to have happened",
    "failed to download from",
    "spurious network error",
    "failed to get successful HTTP response",
    "Could not resolve host",
    "Couldn't resolve host",
)
# cargo 1.95 says "you're using offline mode (--offline)"; 1.97 "offline mode (via `--offline`)"
_OFFLINE = ("--offline was specified", "offline mode", "is not cached")
# cargo 1.95 suggests names on a line of its own, 1.97 in a hint after the error
_PERHAPS = re.compile(r"(?:perhaps you meant:|packages with similar names:)\s*(.+)")
_YANKED = re.compile(r"^\s*version (\S+) is yanked", re.MULTILINE)
_NEEDS_CARGO = re.compile(r"^\s*version (\S+) requires cargo (\S+)", re.MULTILINE)
_LOCATION = re.compile(r"location searched: (.+)")


def failure(stderr: str, spec: CrateSpec) -> MinbuildError:
    """What cargo's failed resolution of `spec` means, in one line with what to do: a crate
    or a version that does not exist is bad input (exit 2); a registry out of reach, or an
    offline run without the download, is the machine's (exit 3)."""
    offline = any(marker in stderr for marker in _OFFLINE)
    curl = _CURL_ERROR.search(stderr)
    if curl or any(marker in stderr for marker in _NETWORK):
        # curl's code and words, without the detail in brackets that repeats the host
        why = f" ({shorten(curl.group(1).split(' (')[0].strip(), 120)})" if curl else ""
        return NetworkError(
            f"try: cannot reach the registry to fetch {spec}{why}: check the network or the "
            "proxy (HTTPS_PROXY, cargo's http.proxy), or pass --offline to take what cargo "
            "downloaded before"
        )
    if offline:
        return NetworkError(
            f"try: {spec} is not among what cargo downloaded before, and cargo is offline "
            "(--offline, or CARGO_NET_OFFLINE / net.offline): run once online"
        )
    where = _where(stderr)
    if missing := MISSING_PACKAGE.search(stderr):
        meant = _PERHAPS.search(stderr)
        perhaps = f" (perhaps you meant {meant.group(1).strip()})" if meant else ""
        name = missing["named"] or missing["searched"]
        return ConfigError(f"try: no crate named `{name}` {where}{perhaps}")
    if unresolved := NO_VERSION.search(stderr):
        return _unresolved(stderr, spec, where, unresolved["found"])
    said = next((ln.strip() for ln in stderr.splitlines() if ln.startswith("error")), "")
    last = stderr.strip().splitlines()[-1:] or ["no output"]
    return MinbuildError(f"try: cargo could not fetch {spec}: {shorten(said or last[0], 300)}")


def _where(stderr: str) -> str:
    found = _LOCATION.search(stderr)
    location = found.group(1).strip() if found else "crates.io index"
    return "on crates.io" if location == "crates.io index" else f"in the {location}"


def _unresolved(stderr: str, spec: CrateSpec, where: str, found: str | None) -> MinbuildError:
    yanked = _YANKED.search(stderr)
    if yanked:
        return ConfigError(
            f"try: {spec} does not resolve: version {yanked.group(1)} was yanked {where}; "
            f"pick another (`cargo info {spec.name}` lists them)"
        )
    needs = _NEEDS_CARGO.search(stderr)
    if needs:
        return ToolMissingError(
            f"try: {spec} needs cargo {needs.group(2)} or newer to read its index entry: pass "
            "--toolchain with a newer one"
        )
    newest = newest_version([version.strip() for version in (found or "").split(",")])
    if newest is None:
        return ConfigError(f"try: {spec} does not resolve {where}")
    if "-" in _release(newest) and not spec.version:
        return ConfigError(
            f"try: {spec} has only pre-releases {where} (up to {newest}): give one exactly, "
            f"e.g. {spec.name}@{newest}"
        )
    return ConfigError(f"try: {spec} does not resolve: versions {where} go up to {newest}")


def newest_version(versions: Sequence[str]) -> str | None:
    """The highest of `versions` by semver precedence, releases over pre-releases of the same
    numbers; one that is not a version is left out."""
    ranked = [(_precedence(v), v) for v in versions if _VERSION.fullmatch(v)]
    return max(ranked)[1] if ranked else None


def _precedence(version: str) -> tuple[tuple[int, ...], bool, tuple[tuple[int, int | str], ...]]:
    release, _, pre = _release(version).partition("-")
    numbers = tuple(int(part) for part in release.split("."))
    # Semver: numeric identifiers below alphanumeric ones, each kind in its own order.
    identifiers = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".") if pre)
    return numbers, not pre, identifiers
