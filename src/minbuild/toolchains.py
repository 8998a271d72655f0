"""Choosing ONE toolchain for every stage: deltas between stages come from flags, not compilers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from minbuild import command
from minbuild.errors import MinbuildError, ToolMissingError
from minbuild.stages import Stage

DEBIAN_PACKAGES = ("rustc-web", "cargo-web", "rust-web-src")
# What those packages must leave behind for minbuild to build std from source.
DEBIAN_FILES = (
    "/usr/bin/cargo",
    "/usr/bin/rustc",
    "/usr/lib/rustlib/src/rust/library/std/Cargo.toml",
)
_CARGO_Z = re.compile(r"^\s*-Z\s+([a-z0-9-]+)", re.MULTILINE)
_RUSTC_Z = re.compile(r"^\s*-Z\s+([a-z0-9_-]+)(?:=|\s)", re.MULTILINE)


@dataclass(frozen=True)
class Candidate:
    """A way to run cargo that minbuild knows how to probe."""

    name: str
    """What --toolchain calls it."""
    cargo: tuple[str, ...]
    """argv prefix that runs this toolchain's cargo."""
    rustc: tuple[str, ...]
    """argv prefix that runs its rustc."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Set for every command of this toolchain."""
    install: str = ""
    """The command that would install it, for people reading a skip reason."""


DEBIAN = Candidate(
    "debian",
    ("/usr/bin/cargo",),
    ("/usr/bin/rustc",),
    # RUSTC_BOOTSTRAP lets a stable-channel compiler take -Z flags; build-std needs them.
    {"RUSTC": "/usr/bin/rustc", "RUSTDOC": "/usr/bin/rustdoc", "RUSTC_BOOTSTRAP": "1"},
    install=f"apt-get install -y {' '.join(DEBIAN_PACKAGES)}",
)


def rustup(name: str, env: Mapping[str, str] | None = None) -> Candidate:
    return Candidate(
        name,
        ("cargo", f"+{name}"),
        ("rustc", f"+{name}"),
        dict(env or {}),
        install=f"rustup toolchain install {name} --component rust-src",
    )


_INSTALL_STD_SOURCE = (
    f"{DEBIAN.install} (Debian's rustc with its std source; minbuild then picks it), "
    "or: rustup component add rust-src --toolchain nightly"
)
_CHANGED_FLAG = (
    "enable it with a toolchain that accepts it: `rustup toolchain install nightly`, or pin one "
    "with --toolchain NAME (flags like this change between nightlies; `cargo -Z help` and "
    "`rustc -Z help` list what yours accepts)"
)

PREFERENCE = (rustup("nightly"), DEBIAN, rustup("stable", {"RUSTC_BOOTSTRAP": "1"}))


@dataclass(frozen=True)
class Toolchain:
    """A probed toolchain: what it is and which unstable flags it really accepts."""

    candidate: Candidate
    """How to run it."""
    release: str
    """rustc -vV release, e.g. 1.96.0."""
    commit: str
    """rustc -vV commit-hash."""
    host: str
    """Host triple."""
    library_source: Path | None
    """std's source for -Z build-std, if installed."""
    vendor: Path | None
    """std's vendored dependencies, if build-std must take them from a local directory."""
    cargo_z: frozenset[str]
    """cargo -Z flags it accepts."""
    rustc_z: frozenset[str]
    """rustc -Z options it accepts."""

    @property
    def label(self) -> str:
        return f"{self.candidate.name} (rustc {self.release})"

    def cannot_run(self, stage: Stage) -> str | None:
        """Why this toolchain cannot build `stage`, and the command that would fix it; or None."""
        if "build-std" in stage.needs and self.library_source is None:
            return (
                f"toolchain {self.label} has no std library source for -Z build-std; "
                f"enable it with: {_INSTALL_STD_SOURCE}"
            )
        for flag in stage.cargo_z_flags():
            if flag not in self.cargo_z:
                return f"toolchain {self.label}: cargo does not accept -Z {flag}; {_CHANGED_FLAG}"
        for option in stage.rustc_z_flags():
            if option not in self.rustc_z:
                return f"toolchain {self.label}: rustc does not accept -Z {option}; {_CHANGED_FLAG}"
        return None


@dataclass(frozen=True)
class Resolution:
    """The chosen toolchain and, for each stage it cannot run, why and how to enable it."""

    toolchain: Toolchain
    skipped: Mapping[str, str]


def probe(candidate: Candidate) -> Toolchain:
    """Ask the toolchain what it is; raise ToolMissingError if it is not installed."""
    version = _ask(candidate, [*candidate.rustc, "-vV"])
    facts = dict(line.split(": ", 1) for line in version.splitlines() if ": " in line)
    sysroot = Path(_ask(candidate, [*candidate.rustc, "--print", "sysroot"]).strip())
    library = sysroot / "lib" / "rustlib" / "src" / "rust" / "library"
    has_source = (library / "std" / "Cargo.toml").is_file()
    bootstrap = {"RUSTC_BOOTSTRAP": "1"}
    return Toolchain(
        candidate=candidate,
        release=facts.get("release", "?"),
        commit=facts.get("commit-hash", "?"),
        host=facts.get("host", "?"),
        library_source=library if has_source else None,
        vendor=library / "vendor" if has_source and (library / "vendor").is_dir() else None,
        cargo_z=frozenset(
            _CARGO_Z.findall(_ask(candidate, [*candidate.cargo, "-Z", "help"], check=False))
        ),
        rustc_z=frozenset(
            _RUSTC_Z.findall(
                _ask(candidate, [*candidate.rustc, "-Z", "help"], check=False, extra=bootstrap)
            )
        ),
    )


def _ask(
    candidate: Candidate,
    argv: list[str],
    check: bool = True,
    extra: Mapping[str, str] | None = None,
) -> str:
    try:
        result = command.run(argv, env={**candidate.env, **(extra or {})}, check=check, timeout=60)
    except MinbuildError as error:
        raise ToolMissingError(
            f"toolchain {candidate.name}: {argv[0]} failed: {str(error).splitlines()[0]}"
        ) from error
    return result.stdout


def resolve(stages: Sequence[Stage], requested: str | None) -> Resolution:
    """The first toolchain (by preference) that runs every stage, else the one that runs most."""
    if requested:
        chosen = [DEBIAN if requested == DEBIAN.name else _named(requested)]
    else:
        chosen = list(PREFERENCE)
    best: Resolution | None = None
    problems: list[str] = []
    for candidate in chosen:
        try:
            toolchain = probe(candidate)
        except ToolMissingError as error:
            problems.append(str(error))
            continue
        resolution = Resolution(toolchain, _skips(toolchain, stages))
        if not resolution.skipped:
            return resolution
        if best is None or len(resolution.skipped) < len(best.skipped):
            best = resolution
    if best is None:
        raise ToolMissingError(
            "no usable Rust toolchain: "
            + "; ".join(problems)
            + ". Install one with rustup (https://rustup.rs) or "
            + DEBIAN.install
        )
    return best


def _named(name: str) -> Candidate:
    stable = name == "stable" or re.fullmatch(r"\d+\.\d+(\.\d+)?", name)
    return rustup(name, {"RUSTC_BOOTSTRAP": "1"} if stable else None)


def _skips(toolchain: Toolchain, stages: Sequence[Stage]) -> dict[str, str]:
    return {stage.name: reason for stage in stages if (reason := toolchain.cannot_run(stage))}
