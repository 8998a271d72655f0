"""The staircase: stages as declared, and each resolved to everything it and the ones above set."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from minbuild.config import Project, text_list
from minbuild.errors import ConfigError
from minbuild.yamlfile import Document, KeyPath, checked, did_you_mean, load, schema

ProfileValue = str | int | bool
NEEDS = ("nightly-flags", "build-std")
BASE_PROFILES = ("dev", "release")
PROFILE_VALUES: Mapping[str, tuple[ProfileValue, ...]] = {
    "opt-level": (0, 1, 2, 3, "s", "z"),
    "panic": ("unwind", "abort", "immediate-abort"),
    "lto": (True, False, "fat", "thin", "off"),
    "strip": ("none", "debuginfo", "symbols", True, False),
    "debug": (True, False, 0, 1, 2, "none", "line-tables-only", "limited", "full"),
    "codegen-units": (),  # any positive integer
}
_RUSTC_Z_FLAG = re.compile(r"^-Z\s*([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Stage:
    """One step of the staircase with everything the steps before it set (cumulative)."""

    index: int
    """Position in the staircase, from 0."""
    name: str
    """Unique name, e.g. lto."""
    description: str
    """What this step changes, in one line."""
    needs: frozenset[str]
    """What the toolchain must offer: nightly-flags, build-std."""
    base_profile: str
    """The built-in cargo profile the stage starts from: dev or release."""
    default_features: bool
    """Whether cargo's default features are on."""
    features: tuple[str, ...]
    """Cargo features passed with --features, in order of first appearance."""
    profile: Mapping[str, ProfileValue]
    """Profile settings the staircase sets (not yet merged with the project's own)."""
    rustflags: tuple[str, ...]
    """Flags for RUSTFLAGS."""
    build_std: tuple[str, ...]
    """Crates for -Z build-std; empty means std is not rebuilt."""
    build_std_features: tuple[str, ...] | None
    """Features for -Z build-std-features; None means cargo's default std features."""
    cargo_unstable: tuple[str, ...]
    """Other cargo -Z flags."""

    def cargo_z_flags(self) -> tuple[str, ...]:
        """Names of every cargo -Z flag the stage passes (to probe the toolchain for them)."""
        flags = ["build-std"] if self.build_std else []
        if self.build_std_features is not None:
            flags.append("build-std-features")
        return (*flags, *self.cargo_unstable)

    def rustc_z_flags(self) -> tuple[str, ...]:
        """Names of every rustc -Z option in RUSTFLAGS (to probe the toolchain for them)."""
        return tuple(
            match.group(1) for flag in self.rustflags if (match := _RUSTC_Z_FLAG.match(flag))
        )


def load_staircase(project: Project) -> tuple[Stage, ...]:
    """Read the project's staircase file and resolve every stage against the project."""
    doc = load(project.staircase)
    data = checked(doc, doc.data, schema("staircase"), ())
    if data["schema"] != 1:
        raise doc.error(("schema",), f"unsupported schema version {data['schema']} (expected 1)")
    if not data["stages"]:
        raise doc.error(("stages",), "declares no stages")
    declared = [
        checked(doc, item, schema("stage"), ("stages", i)) for i, item in enumerate(data["stages"])
    ]
    return resolve(doc, declared, project.feature_sets, project.rustflags)


def resolve(
    doc: Document,
    declared: Sequence[dict[str, Any]],
    feature_sets: Mapping[str, tuple[str, ...]],
    rustflags: Sequence[str] = (),
) -> tuple[Stage, ...]:
    """Fold each declared stage onto the one before it (the project's rustflags first)."""
    stages: list[Stage] = []
    previous: Stage | None = None
    for index, spec in enumerate(declared):
        if index == 0:
            spec = {**spec, "rustflags": [*rustflags, *spec["rustflags"]]}
        previous = _fold(doc, ("stages", index), spec, previous, feature_sets)
        if previous.name in (stage.name for stage in stages):
            raise doc.error(("stages", index, "name"), f"duplicate stage name '{previous.name}'")
        stages.append(previous)
    return tuple(stages)


def _fold(
    doc: Document,
    at: KeyPath,
    spec: dict[str, Any],
    previous: Stage | None,
    feature_sets: Mapping[str, tuple[str, ...]],
) -> Stage:
    needs = text_list(doc, spec["needs"], (*at, "needs"))
    for position, need in enumerate(needs):
        if need not in NEEDS:
            raise doc.error(
                (*at, "needs", position),
                f"unknown need '{need}' (known: "
                f"{', '.join(NEEDS)}){did_you_mean(need, list(NEEDS))}",
            )
    base = spec["base_profile"] or (previous.base_profile if previous else None)
    if base not in BASE_PROFILES:
        raise doc.error(
            (*at, "base_profile"),
            f"must be one of {', '.join(BASE_PROFILES)}"
            + ("" if previous else " (the first stage must set it)"),
        )
    default_features = spec["default_features"]
    if default_features is not None and not isinstance(default_features, bool):
        raise doc.error((*at, "default_features"), "expected true or false")
    features = list(previous.features if previous else ())
    for name in _expand_sets(doc, spec, at, feature_sets) + text_list(
        doc, spec["features"], (*at, "features")
    ):
        if name not in features:
            features.append(name)
    std_features = spec["build_std_features"]
    if std_features is not None:
        std_features = text_list(doc, std_features, (*at, "build_std_features"))
    return Stage(
        index=previous.index + 1 if previous else 0,
        name=spec["name"],
        description=spec["description"],
        needs=frozenset(needs) | (previous.needs if previous else frozenset()),
        base_profile=base,
        default_features=(
            default_features
            if default_features is not None
            else previous.default_features
            if previous
            else True
        ),
        features=tuple(features),
        profile={
            **(previous.profile if previous else {}),
            **_profile(doc, spec["profile"], (*at, "profile")),
        },
        rustflags=(
            *(previous.rustflags if previous else ()),
            *text_list(doc, spec["rustflags"], (*at, "rustflags")),
        ),
        build_std=text_list(doc, spec["build_std"], (*at, "build_std"))
        or (previous.build_std if previous else ()),
        build_std_features=std_features
        if std_features is not None
        else previous.build_std_features
        if previous
        else None,
        cargo_unstable=tuple(
            dict.fromkeys(
                [
                    *(previous.cargo_unstable if previous else ()),
                    *text_list(doc, spec["cargo_unstable"], (*at, "cargo_unstable")),
                ]
            )
        ),
    )


def _expand_sets(
    doc: Document, spec: dict[str, Any], at: KeyPath, feature_sets: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    names = text_list(doc, spec["feature_sets"], (*at, "feature_sets"))
    expanded: list[str] = []
    for position, name in enumerate(names):
        if name not in feature_sets:
            defined = ", ".join(feature_sets) or "none"
            raise doc.error(
                (*at, "feature_sets", position),
                f"feature set '{name}' is not defined by the project file "
                f"(defined: {defined}){did_you_mean(name, feature_sets)}",
            )
        expanded.extend(feature_sets[name])
    return tuple(expanded)


def _profile(doc: Document, settings: dict[str, Any], at: KeyPath) -> dict[str, ProfileValue]:
    for key, value in settings.items():
        if key not in PROFILE_VALUES:
            raise doc.error(
                (*at, key), "unknown profile setting" + did_you_mean(key, PROFILE_VALUES)
            )
        allowed = PROFILE_VALUES[key]
        valid = (
            (value in allowed and type(value) in {type(a) for a in allowed})
            if allowed
            else (isinstance(value, int) and not isinstance(value, bool) and value > 0)
        )
        if not valid:
            choices = ", ".join(map(str, allowed)) if allowed else "a positive integer"
            raise doc.error((*at, key), f"invalid value {value!r} (expected {choices})")
    return dict(settings)


def select(
    stages: Sequence[Stage], names: Sequence[str], first: str | None, last: str | None
) -> tuple[Stage, ...]:
    """The stages a command line asks for: --stage NAME (repeatable) and/or --from/--to."""
    known = [stage.name for stage in stages]
    for name in [*names, *(n for n in (first, last) if n)]:
        if name not in known:
            raise ConfigError(
                f"--stage/--from/--to: unknown stage '{name}'"
                f"{did_you_mean(name, known)} (stages: {', '.join(known)})"
            )
    start = known.index(first) if first else 0
    end = known.index(last) if last else len(known) - 1
    chosen = [s for s in stages[start : end + 1] if not names or s.name in names]
    if not chosen:
        raise ConfigError(f"--from {first} --to {last}: selects no stage")
    return tuple(chosen)
