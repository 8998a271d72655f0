"""The toolchain a crate pins for itself (rust-toolchain.toml), read as rustup reads it."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.rust import choice
from minbuild.util.schemas import name_problem

PIN_FILES = ("rust-toolchain.toml", "rust-toolchain")
"""The files rustup reads a directory's toolchain from, in the order it prefers them."""


@dataclass(frozen=True)
class Pin:
    """The toolchain a crate's rust-toolchain(.toml) names, as rustup would read it."""

    channel: str
    """The toolchain's name, e.g. 1.56.1, nightly-2026-11-01."""
    file: Path
    """Where it is pinned."""
    problem: str | None = None
    """Why minbuild cannot take it (a path toolchain, a name that is not one)."""


def pinned(directory: Path) -> Pin | None:
    """The pin rustup applies to cargo run in `directory`: the nearest rust-toolchain.toml or
    rust-toolchain, from the directory upward."""
    for folder in (directory, *directory.parents):
        for name in PIN_FILES:
            if (folder / name).is_file():
                return _read_pin(folder / name)
    return None


def _read_pin(path: Path) -> Pin:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return Pin("?", path, f"cannot read it: {error.strerror}")
    try:
        table = tomllib.loads(text).get("toolchain")
    except tomllib.TOMLDecodeError:
        table = {"channel": text.strip()}  # the legacy form: the name alone
    if not isinstance(table, dict):
        return Pin("?", path, "it has no [toolchain] table")
    if "path" in table:
        return Pin(str(table["path"]), path, "a toolchain by path is not one rustup names")
    channel = table.get("channel")
    if not isinstance(channel, str) or name_problem(channel):
        return Pin(str(channel), path, "its channel is not a toolchain name")
    return Pin(channel, path)


def set_aside(
    pin: Pin | None, chosen: str, label: str, findings: Sequence[choice.Finding]
) -> choice.PinSetAside | None:
    """When the run takes another toolchain (`chosen`, `label`) than the pin: why (what the
    choice's `findings` say of the pinned one: missing, fewer stages, no build)."""
    if pin is None or chosen == pin.channel:
        return None
    return choice.PinSetAside(pin.channel, str(pin.file), pin.problem or _why(pin, findings), label)


def _why(pin: Pin, findings: Sequence[choice.Finding]) -> str:
    for finding in findings:
        if isinstance(finding, choice.Missing) and f"toolchain {pin.channel}:" in finding.error:
            return finding.error.split(": ", 1)[1]
        if isinstance(finding, choice.RunsFewer | choice.CannotBuild) and finding.label.startswith(
            f"{pin.channel} ("
        ):
            return finding.line().split(": ", 1)[1]
    return "another toolchain runs more stages"
