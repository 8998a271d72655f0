"""The ways to run a Rust toolchain that minbuild knows how to probe: rustup's, as users name
them, and Debian's rustc-web (with std's source); the order they are tried in."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

DEBIAN_PACKAGES = ("rustc-web", "cargo-web", "rust-web-src")
# What those packages must leave behind for minbuild to build std from source.
DEBIAN_FILES = (
    "/usr/bin/cargo",
    "/usr/bin/rustc",
    "/usr/lib/rustlib/src/rust/library/std/Cargo.toml",
)


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
    """A rustup toolchain as users name it (`nightly`, `+nightly`, `nightly-2026-11-01`,
    `1.95.0`). Probing never installs one: rustup would otherwise fetch a missing toolchain
    for minutes before its first answer."""
    name = name.removeprefix("+")
    return Candidate(
        name,
        ("cargo", f"+{name}"),
        ("rustc", f"+{name}"),
        {"RUSTUP_AUTO_INSTALL": "0", **(env or {})},
        install=f"rustup toolchain install {name} --component rust-src",
    )


def std_source_fix(candidate: Candidate) -> str:
    """The command a user runs to give this toolchain std's source."""
    if candidate.name == DEBIAN.name:
        return DEBIAN.install
    if candidate.cargo[:1] == ("cargo",):
        return (
            f"rustup component add rust-src --toolchain {candidate.name} (or: {DEBIAN.install}: "
            "Debian's rustc with its std source, which minbuild then picks)"
        )
    return f"install std's source for it, or: {DEBIAN.install}"


PREFERENCE = (rustup("nightly"), DEBIAN, rustup("stable", {"RUSTC_BOOTSTRAP": "1"}))
_CARGO_NETWORK_FLAGS = ("--locked", "--offline", "--frozen")


def with_cargo_flags(candidate: Candidate, flags: Sequence[str]) -> Candidate:
    """`candidate` whose cargo always takes `flags` (cargo's --locked/--offline: global flags,
    so they go before the subcommand), in place of any it took before."""
    plain = tuple(arg for arg in candidate.cargo if arg not in _CARGO_NETWORK_FLAGS)
    return replace(candidate, cargo=(*plain, *flags))


def named_candidate(name: str) -> Candidate:
    """The candidate for a toolchain as a user names it: debian, or rustup's (`+NAME`)."""
    name = name.removeprefix("+")
    if name == DEBIAN.name:
        return DEBIAN
    # A stable or beta compiler takes -Z flags only with RUSTC_BOOTSTRAP (one compiler for
    # every stage keeps the deltas honest, so the flag is worth it).
    stable = re.fullmatch(r"(stable|beta|\d+\.\d+(\.\d+)?)(-.+)?", name)
    return rustup(name, {"RUSTC_BOOTSTRAP": "1"} if stable else None)
