"""The staircase: stages as declared, and each resolved to everything it and the ones above set."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from minbuild.project.config import Project, existing
from minbuild.util.errors import ConfigError
from minbuild.util.schemas import validated
from minbuild.util.text import did_you_mean, texts
from minbuild.util.yamlfile import Document, KeyPath, load

ProfileValue = str | int | bool
BASE_PROFILES = ("dev", "release")
_RUSTC_Z_FLAG = re.compile(r"^-Z\s*([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class PostLink:
    """A program run over the linked artifact, whose output is the stage's artifact."""

    argv: tuple[str, ...]
    """The command; `{input}` is the linked artifact, `{output}` where it writes."""
    package: str
    """The Debian package that provides the program (the fix when it is missing)."""

    def command(self, source: str, output: str) -> tuple[str, ...]:
        return tuple(a.replace("{input}", source).replace("{output}", output) for a in self.argv)


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
    post_link: tuple[PostLink, ...] = ()
    """Programs run over the linked artifact, in order (wasm-opt): what is sized and tested
    is their output."""

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
    doc = load(existing(project, ("staircase",), project.staircase))
    data = validated(doc, "staircase")
    _validate_feature_sets(project, doc, data["stages"])
    staircase = resolve(doc, data["stages"], project.feature_sets, project.rustflags)
    _validate_budget_stages(project, [stage.name for stage in staircase])
    return staircase


def _validate_budget_stages(project: Project, known: list[str]) -> None:
    """A budget naming no stage would never be checked: a typo must not pass silently."""
    for index, budget in enumerate(project.budgets):
        if not set(budget.stage) & set("*?[") and budget.stage not in known:
            raise project.source.error(
                ("budgets", index, "stage"),
                f"no stage '{budget.stage}' in the staircase" + did_you_mean(budget.stage, known),
            )


def _validate_feature_sets(
    project: Project, doc: Document, declared: Sequence[dict[str, Any]]
) -> None:
    """Every set a stage names must be defined by the project file: the fix goes there."""
    defined = project.feature_sets
    for index, spec in enumerate(declared):
        for position, name in enumerate(spec["feature_sets"]):
            if name not in defined:
                used_at = f"{doc.path.name}:{doc.line(('stages', index, 'feature_sets', position))}"
                raise project.source.error(
                    ("feature_sets",),
                    f"no feature set '{name}', which stage {spec['name']} uses ({used_at}); "
                    f"define it, e.g. `{name}: []` (defined: {', '.join(defined) or 'none'})"
                    + did_you_mean(name, defined),
                )


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
    needs = texts(spec["needs"])
    base = spec["base_profile"] or (previous.base_profile if previous else None)
    if base not in BASE_PROFILES:
        raise doc.error(
            (*at, "base_profile"),
            f"must be one of {', '.join(BASE_PROFILES)}"
            + ("" if previous else " (the first stage must set it)"),
        )
    default_features = spec["default_features"]
    features = list(previous.features if previous else ())
    for name in [*_expand_sets(spec, feature_sets), *texts(spec["features"])]:
        if name not in features:
            features.append(name)
    std_features = spec["build_std_features"]
    if std_features is not None:
        std_features = texts(std_features)
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
            **spec["profile"],
        },
        rustflags=(
            *(previous.rustflags if previous else ()),
            *texts(spec["rustflags"]),
        ),
        build_std=texts(spec["build_std"]) or (previous.build_std if previous else ()),
        build_std_features=std_features
        if std_features is not None
        else previous.build_std_features
        if previous
        else None,
        cargo_unstable=tuple(
            dict.fromkeys(
                [
                    *(previous.cargo_unstable if previous else ()),
                    *texts(spec["cargo_unstable"]),
                ]
            )
        ),
    )


def _expand_sets(spec: dict[str, Any], feature_sets: Mapping[str, tuple[str, ...]]) -> list[str]:
    return [feature for name in spec["feature_sets"] for feature in feature_sets.get(name, ())]


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
