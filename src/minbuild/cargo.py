"""What cargo says about a crate (features, targets, profiles) and the profile a stage gets."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild import command
from minbuild.config import Project
from minbuild.errors import ConfigError
from minbuild.stages import ProfileValue, Stage
from minbuild.yamlfile import did_you_mean

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


@dataclass(frozen=True)
class Crate:
    """The package minbuild builds, as cargo sees it."""

    name: str
    """Package name."""
    version: str
    """Package version."""
    manifest: Path
    """The package's Cargo.toml."""
    workspace_root: Path
    """Where cargo reads [profile.*] from."""
    features: Mapping[str, tuple[str, ...]]
    """cargo metadata's feature table (feature -> what it enables)."""
    binaries: tuple[str, ...]
    """Names of the package's bin targets."""
    dependencies: tuple[str, ...]
    """Names the package's dependencies go by (for `dep/feature` names like log/max_level_off)."""
    lib_crate_types: tuple[str, ...]
    """crate-type of the lib target (empty if none)."""
    profiles: Mapping[str, Mapping[str, Any]]
    """The workspace root manifest's [profile.*] tables."""


def read_crate(
    project: Project, cargo: Iterable[str], env: Mapping[str, str], library: str | None = None
) -> Crate:
    """Ask `cargo metadata` about the project's package (or its `library` kind's package)."""
    metadata = _metadata(project, cargo, env)
    packages = {pkg["name"]: pkg for pkg in metadata["packages"]}
    package = _package(project, packages, library)
    root = Path(metadata["workspace_root"])
    with (root / "Cargo.toml").open("rb") as handle:
        profiles = tomllib.load(handle).get("profile", {})
    targets = package["targets"]
    return Crate(
        name=package["name"],
        version=package["version"],
        manifest=Path(package["manifest_path"]),
        workspace_root=root,
        features={name: tuple(values) for name, values in package["features"].items()},
        binaries=tuple(t["name"] for t in targets if "bin" in t["kind"]),
        dependencies=tuple(d.get("rename") or d["name"] for d in package["dependencies"]),
        lib_crate_types=next(
            (
                tuple(t["crate_types"])
                for t in targets
                if set(t["kind"]) & {"lib", "cdylib", "staticlib", "rlib"}
            ),
            (),
        ),
        profiles=profiles,
    )


def _metadata(project: Project, cargo: Iterable[str], env: Mapping[str, str]) -> Any:
    """`cargo metadata` for the project's workspace (members only, no network)."""
    result = command.run(
        [
            *cargo,
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
            "--manifest-path",
            str(project.manifest),
        ],
        env=env,
    )
    return json.loads(result.stdout)


def _package(project: Project, packages: dict[str, Any], library: str | None) -> Any:
    name = project.libraries[library] if library else project.package
    at: tuple[str, ...] = ("crate", library, "package") if library else ("crate", "package")
    if name is None:
        for package in packages.values():
            if Path(package["manifest_path"]) == project.manifest:
                return package
        raise project.source.error(at, f"{project.manifest} is a virtual workspace: name a package")
    if name not in packages:
        raise project.source.error(
            at, f"no package '{name}' in the workspace" + did_you_mean(name, packages)
        )
    return packages[name]


def enabled_features(
    crate: Crate, default_features: bool, features: Iterable[str]
) -> frozenset[str]:
    """Every feature a build turns on, following what each feature implies."""
    pending = [
        *(["default"] if default_features and "default" in crate.features else []),
        *features,
    ]
    enabled: set[str] = set()
    while pending:
        name = pending.pop()
        if name in crate.features and name not in enabled:
            enabled.add(name)
            pending.extend(crate.features[name])
    return frozenset(enabled)


def is_feature(crate: Crate, name: str) -> bool:
    """A feature of the package, or `dependency/feature` (cargo's syntax) of one of its deps."""
    if name in crate.features:
        return True
    dependency, slash, _ = name.partition("/")
    return bool(slash) and dependency.rstrip("?") in crate.dependencies


def check_features(project: Project, stages: Iterable[Stage], crate: Crate) -> None:
    """Every feature named in the project file or the staircase must exist in the crate."""
    known = list(crate.features)

    def check(name: str, at: tuple[str | int, ...]) -> None:
        if not is_feature(crate, name):
            message = (
                f"feature '{name}' is not declared by {crate.name}'s Cargo.toml"
                f"{did_you_mean(name, known)} (features: {', '.join(sorted(known))})"
            )
            raise project.source.error(at, message)

    for set_name, names in project.feature_sets.items():
        for position, name in enumerate(names):
            check(name, ("feature_sets", set_name, position))
    for index, fixture in enumerate(project.fixtures):
        for position, name in enumerate(fixture.needs_features):
            check(name, ("fixtures", index, "needs_features", position))
    for index, test in enumerate(project.tests):
        for key, names in (
            ("needs_features", test.needs_features),
            ("unless_features", test.unless_features),
        ):
            for position, name in enumerate(names):
                check(name, ("tests", index, key, position))
    for stage in stages:
        for name in stage.features:
            if not is_feature(crate, name):
                raise ConfigError(
                    f"stages.{stage.name}.features: feature '{name}' is not "
                    f"declared by {crate.name}{did_you_mean(name, known)}",
                    file=str(project.staircase),
                )


def effective_profile(crate: Crate, stage: Stage) -> dict[str, ProfileValue]:
    """cargo's built-in profile, then the crate's [profile.<base>], then the stage's settings."""
    own = {
        key: value
        for key, value in crate.profiles.get(stage.base_profile, {}).items()
        if key in BUILTIN_PROFILES[stage.base_profile]
    }
    merged = {**BUILTIN_PROFILES[stage.base_profile], **own, **stage.profile}
    merged = {
        key: _SAME.get(key, {}).get((type(value), value), value) for key, value in merged.items()
    }
    if "strip" not in own and "strip" not in stage.profile and merged["debug"] == "none":
        # Since Rust 1.77 cargo strips debuginfo by default when a profile has none of its own.
        merged["strip"] = "debuginfo"
    return merged


def workspace_features(
    project: Project, cargo: Iterable[str], env: Mapping[str, str]
) -> tuple[Path, dict[Path, tuple[str, ...]]]:
    """The workspace root, and every member's directory with the features it declares."""
    metadata = _metadata(project, cargo, env)
    return Path(metadata["workspace_root"]), {
        Path(package["manifest_path"]).parent: tuple(package["features"])
        for package in metadata["packages"]
    }


def declared_cfgs(workspace_root: Path) -> list[str]:
    """cfg names declared for check-cfg in [lints.rust] unexpected_cfgs (root Cargo.toml)."""
    with (workspace_root / "Cargo.toml").open("rb") as handle:
        data = tomllib.load(handle)
    lints = data.get("workspace", {}).get("lints", data.get("lints", {}))
    setting = lints.get("rust", {}).get("unexpected_cfgs", {})
    checks = setting.get("check-cfg", []) if isinstance(setting, dict) else []
    return [check.removeprefix("cfg(").split(",")[0].rstrip(")").strip() for check in checks]
