"""The winner of an optimize search as text a person pastes: a Cargo profile, config lines."""

from __future__ import annotations

import json
from typing import Any

from minbuild.optimize.trials import Export


def profile_toml(found: Export) -> str:
    """The `[profile.NAME]` table, ready to paste into Cargo.toml."""
    lines = [f"[profile.{found.profile_name}]", 'inherits = "release"']
    lines += [f"{key} = {_toml(value)}" for key, value in found.profile.items()]
    return "\n".join(lines) + "\n"


def config_toml(found: Export) -> str:
    """The `.cargo/config.toml` lines (rustflags, [unstable]); empty when none are needed.
    For a foreign target its rustflags and linker go in [target.<triple>], which cargo
    reads instead of [build] rustflags."""
    lines = []
    if found.target:
        # a custom target is its spec file's path; cargo names its table by the file's stem
        name = found.target.removesuffix(".json").rsplit("/", 1)[-1]
        lines += ["[build]", f"target = {_toml(found.target)}", f"[target.{name}]"]
        if found.linker:
            lines.append(f"linker = {_toml(found.linker)}")
        if found.rustflags:
            lines.append(f"rustflags = {_toml(list(found.rustflags))}")
    elif found.rustflags:
        lines += ["[build]", f"rustflags = {_toml(list(found.rustflags))}"]
    if found.unstable:
        lines += ["[unstable]", *(f"{k} = {_toml(v)}" for k, v in found.unstable.items())]
    return "\n".join(lines) + "\n" if lines else ""


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(str(value))  # a TOML basic string: JSON's escapes are TOML's
