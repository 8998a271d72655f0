"""What `minbuild optimize` searches: settings, each with values and how each is applied on
top of a start point (resources/space.yaml, narrowed or extended by the project file)."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minbuild.project.config import Project, bundled, existing
from minbuild.project.stages import PostLink, ProfileValue, Stage
from minbuild.util.schemas import validated
from minbuild.util.text import did_you_mean, texts
from minbuild.util.yamlfile import Document, load

HOST = "host"
"""What a setting's `targets` calls a build for this machine."""
Assignment = Mapping[str, str]
"""A value (by label) for every setting of a space: one point of the search."""


@dataclass(frozen=True)
class Application:
    """How one value of a setting changes a build."""

    profile: Mapping[str, ProfileValue]
    """Cargo profile keys it sets."""
    rustflags: tuple[str, ...]
    """Flags it adds to RUSTFLAGS."""
    cargo_unstable: tuple[str, ...]
    """cargo -Z flags it passes."""
    build_std: tuple[str, ...]
    """Crates for -Z build-std (empty: std is not rebuilt for it)."""
    build_std_features: tuple[str, ...] | None
    """Features for -Z build-std-features (None: std's defaults)."""
    needs: frozenset[str]
    """What the toolchain must offer: nightly-flags, build-std."""
    post_link: PostLink | None = None
    """A program run over the linked artifact (wasm-opt)."""

    @property
    def empty(self) -> bool:
        return not (
            self.profile
            or self.rustflags
            or self.cargo_unstable
            or self.build_std
            or self.build_std_features is not None
            or self.post_link
        )


@dataclass(frozen=True)
class Setting:
    """One dimension of the search."""

    name: str
    """Unique name, e.g. opt-level."""
    description: str
    """What it changes, in one line."""
    release: str
    """The value that applies nothing: as the crate's release profile has it."""
    values: Mapping[str, Application]
    """Every value by label, the release value among them."""
    kinds: tuple[str, ...]
    """Artifact kinds it applies to (empty: every kind)."""
    targets: tuple[str, ...] = ()
    """Targets it applies to, as patterns of triples, `host` for a build for this machine
    (empty: every target)."""

    def for_target(self, triple: str | None) -> bool:
        """Whether it is searched for a build for `triple` (None: the host)."""
        if not self.targets:
            return True
        if triple is None:
            return HOST in self.targets
        return any(fnmatch.fnmatchcase(triple, pattern) for pattern in self.targets)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.values)


@dataclass(frozen=True)
class Space:
    """The settings a search may change, and those it leaves at the start point's value."""

    settings: tuple[Setting, ...]
    """The settings searched."""
    fixed: tuple[Setting, ...] = ()
    """Settings of the file not searched (narrowed away, not for this kind): every point
    keeps the start point's value of each."""
    left_out: Mapping[str, str] = field(default_factory=dict)
    """Why each fixed setting is not searched."""

    @property
    def every(self) -> tuple[Setting, ...]:
        """Searched and fixed settings: what a point gives a value for, and a build applies."""
        return (*self.settings, *self.fixed)

    def setting(self, name: str) -> Setting:
        return next(s for s in self.every if s.name == name)

    @property
    def release(self) -> dict[str, str]:
        """Every setting at its release value."""
        return {setting.name: setting.release for setting in self.every}

    def neighbours(self, point: Assignment) -> list[tuple[str, str]]:
        """Every (setting, value) that changes `point` in one searched setting, in order."""
        return [
            (setting.name, label)
            for setting in self.settings
            for label in setting.labels
            if label != point[setting.name]
        ]

    def agrees_on_fixed(self, point: Assignment, other: Assignment) -> bool:
        """Whether two points give every fixed setting the same value."""
        return all(point[s.name] == other[s.name] for s in self.fixed)


def bundled_space() -> Path:
    return bundled("space.yaml")


def load_space(
    project: Project,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    target: str | None = None,
    kind: str | None = None,
) -> Space:
    """The bundled space, the project file's own settings over it by name, narrowed to
    `only` (if given) and without `skip`, each also taken from the project file's
    `optimize` key; settings not for the artifact's kind (`kind`, default the project's) or
    for `target` (None: the host) are not searched either. What is not searched stays fixed
    at the start point's value."""
    kind = kind or project.artifact.kind
    settings = {s.name: s for s in _read(load(bundled_space()))}
    declared = project.optimize
    if declared["space"]:
        own = existing(project, ("optimize", "space"), project.path.parent / declared["space"])
        settings.update({s.name: s for s in _read(load(own))})
    only = [*texts(declared["settings"]), *only]
    skip = [*texts(declared["skip"]), *skip]
    for name in [*only, *skip]:
        if name not in settings:
            raise project.source.error(
                ("optimize",),
                f"no setting '{name}' in the search space{did_you_mean(name, list(settings))}"
                f" (settings: {', '.join(settings)})",
            )
    left_out: dict[str, str] = {}
    kept, fixed = [], []
    for setting in settings.values():
        if setting.kinds and kind not in setting.kinds:
            left_out[setting.name] = f"not for a {kind} artifact"
        elif not setting.for_target(target):
            left_out[setting.name] = f"not for {target or 'a build for this machine'}"
        elif only and setting.name not in only:
            left_out[setting.name] = "not among the settings asked for"
        elif setting.name in skip:
            left_out[setting.name] = "skipped as asked"
        else:
            kept.append(setting)
            continue
        fixed.append(setting)
    return Space(tuple(kept), tuple(fixed), left_out)


def _read(doc: Document) -> list[Setting]:
    data = validated(doc, "space")
    found: list[Setting] = []
    for index, spec in enumerate(data["settings"]):
        at = ("settings", index)
        if spec["name"] in (s.name for s in found):
            raise doc.error((*at, "name"), f"duplicate setting name '{spec['name']}'")
        values = {str(label): _application(value) for label, value in spec["values"].items()}
        for label, value in values.items():
            argv = " ".join(value.post_link.argv) if value.post_link else ""
            if value.post_link and not ("{input}" in argv and "{output}" in argv):
                raise doc.error(
                    (*at, "values", label, "post_link", "argv"),
                    "must name the linked artifact as {input} and where it writes as {output}",
                )
        release = spec["release"]
        if release not in values:
            raise doc.error(
                (*at, "release"),
                f"'{release}' is not one of the setting's values ({', '.join(values)})"
                + did_you_mean(release, list(values)),
            )
        if not values[release].empty:
            raise doc.error(
                (*at, "values", release),
                "the release value must apply nothing (write it as {}): it stands for the "
                "release profile as the crate has it",
            )
        found.append(
            Setting(
                spec["name"],
                spec["description"],
                release,
                values,
                texts(spec["kinds"]),
                texts(spec["targets"]),
            )
        )
    return found


def _application(spec: dict[str, Any]) -> Application:
    # the schema's defaults are not filled in under `values` (additionalProperties)
    features = spec.get("build_std_features")
    post_link = spec.get("post_link")
    return Application(
        profile=dict(spec.get("profile", {})),
        rustflags=texts(spec.get("rustflags", ())),
        cargo_unstable=texts(spec.get("cargo_unstable", ())),
        build_std=texts(spec.get("build_std", ())),
        build_std_features=None if features is None else texts(features),
        needs=frozenset(spec.get("needs", ())),
        post_link=PostLink(texts(post_link["argv"]), post_link["package"]) if post_link else None,
    )


def apply(
    space: Space,
    point: Assignment,
    features_of: Stage,
    rustflags: Sequence[str],
    name: str,
    description: str,
) -> Stage:
    """The stage that builds `point`: the release profile, `features_of`'s features, the
    project's `rustflags`, then every setting's value applied in the space's order."""
    stage = Stage(
        index=0,
        name=name,
        description=description,
        needs=frozenset(),
        base_profile="release",
        default_features=features_of.default_features,
        features=features_of.features,
        profile={},
        rustflags=tuple(rustflags),
        build_std=(),
        build_std_features=None,
        cargo_unstable=(),
    )
    for setting in space.every:
        stage = applied(stage, setting.values[point[setting.name]])
    return stage


def applied(stage: Stage, value: Application) -> Stage:
    """`stage` with one value applied over it: its profile keys win, its flags join (once),
    std is rebuilt if either rebuilds it, its std features (if any) replace the stage's,
    its post-link step runs after the stage's."""
    return dataclasses.replace(
        stage,
        needs=stage.needs | value.needs,
        profile={**stage.profile, **value.profile},
        rustflags=tuple(dict.fromkeys((*stage.rustflags, *value.rustflags))),
        cargo_unstable=tuple(dict.fromkeys((*stage.cargo_unstable, *value.cargo_unstable))),
        build_std=stage.build_std or value.build_std,
        build_std_features=value.build_std_features
        if value.build_std_features is not None
        else stage.build_std_features,
        post_link=tuple(
            dict.fromkeys((*stage.post_link, *((value.post_link,) if value.post_link else ())))
        ),
    )
