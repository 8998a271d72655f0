"""The cargo profile a stage builds with: cargo's built-in one, the crate's own, the stage's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minbuild.project.stages import ProfileValue, Stage
from minbuild.rust.cargo import Crate

# cargo's built-in profiles, for the settings a staircase changes.
BUILTIN_PROFILES: Mapping[str, Mapping[str, ProfileValue]] = {
    "dev": {
        "opt-level": 0,
        "debug": "full",
        "panic": "unwind",
        "lto": False,
        "codegen-units": 256,
        "strip": "none",
    },
    "release": {
        "opt-level": 3,
        "debug": "none",
        "panic": "unwind",
        "lto": False,
        "codegen-units": 16,
        "strip": "none",
    },
}
# Spellings cargo treats as the same setting, keyed by type too: `debug = true` is 2, not 1.
_SAME: Mapping[str, Mapping[tuple[type, Any], ProfileValue]] = {
    "lto": {(bool, True): "fat"},
    "strip": {(bool, True): "symbols", (bool, False): "none"},
    "debug": {
        (bool, True): "full",
        (int, 2): "full",
        (bool, False): "none",
        (int, 0): "none",
        (int, 1): "limited",
    },
}
_STRIP_STRENGTH = ("none", "debuginfo", "symbols")


def _spelled_as_cargo_means(key: str, value: ProfileValue) -> ProfileValue:
    return _SAME.get(key, {}).get((type(value), value), value)


def _own(crate: Crate, stage: Stage) -> dict[str, ProfileValue]:
    """The crate's [profile.<base>], for the settings a staircase changes."""
    return {
        key: value
        for key, value in crate.profiles.get(stage.base_profile, {}).items()
        if key in BUILTIN_PROFILES[stage.base_profile]
    }


def stage_settings(crate: Crate, stage: Stage) -> Mapping[str, ProfileValue]:
    """The settings the stage lays over the crate's profile. A stage's `strip` means "at least
    this much": one weaker than the crate's own is left out, so that a crate which strips its
    symbols (`strip = true`) does not get them back at the strip-debuginfo stage."""
    wanted, own = stage.profile.get("strip"), _own(crate, stage).get("strip")
    if wanted is None or own is None:
        return stage.profile
    ours, theirs = _spelled_as_cargo_means("strip", wanted), _spelled_as_cargo_means("strip", own)
    if theirs not in _STRIP_STRENGTH or ours not in _STRIP_STRENGTH:
        return stage.profile
    if _STRIP_STRENGTH.index(theirs) <= _STRIP_STRENGTH.index(ours):
        return stage.profile
    return {key: value for key, value in stage.profile.items() if key != "strip"}


def effective_profile(crate: Crate, stage: Stage) -> dict[str, ProfileValue]:
    """cargo's built-in profile, then the crate's [profile.<base>], then the stage's settings."""
    own, settings = _own(crate, stage), stage_settings(crate, stage)
    merged = {**BUILTIN_PROFILES[stage.base_profile], **own, **settings}
    merged = {key: _spelled_as_cargo_means(key, value) for key, value in merged.items()}
    if "strip" not in own and "strip" not in settings and merged["debug"] == "none":
        # Since Rust 1.77 cargo strips debuginfo by default when a profile has none of its own.
        merged["strip"] = "debuginfo"
    return merged
