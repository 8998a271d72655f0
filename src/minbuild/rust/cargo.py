"""What cargo says about a crate: its packages, features, targets and own profiles."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minbuild.project.config import Project
from minbuild.project.stages import Stage
from minbuild.util import command
from minbuild.util.errors import CommandFailed, ConfigError
from minbuild.util.text import did_you_mean


@dataclass(frozen=True)
class CargoTarget:
    """One target of a package as `cargo metadata` lists it (a lib, a bin, an example...)."""

    name: str
    """The target's name (a lib and a bin may share it)."""
    kinds: tuple[str, ...]
    """cargo's kind: bin, lib, cdylib, staticlib, rlib, proc-macro, example, test, bench..."""
    crate_types: tuple[str, ...]
    """What rustc makes of it: bin, lib, rlib, cdylib, staticlib, dylib, proc-macro."""
    required_features: tuple[str, ...] = ()
    """[[bin]] required-features: cargo skips the target unless all of these are on."""

    @property
    def is_bin(self) -> bool:
        return "bin" in self.kinds

    @property
    def is_lib(self) -> bool:
        return bool(set(self.kinds) & LIB_KINDS)

    def describe(self) -> str:
        if self.is_bin:
            needs = f" (needs features {', '.join(self.required_features)})"
            return f"bin {self.name}" + (needs if self.required_features else "")
        return f"lib {self.name} ({', '.join(self.crate_types)})"


LIB_KINDS = frozenset({"lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"})


@dataclass(frozen=True)
class Crate:
    """The package to build, as cargo sees it."""

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
    targets: tuple[CargoTarget, ...]
    """Its lib and bin targets (examples, tests and benches left out)."""
    dependencies: tuple[str, ...]
    """Names the package's dependencies go by (for `dep/feature` names like log/max_level_off)."""
    profiles: Mapping[str, Mapping[str, Any]]
    """The workspace root manifest's [profile.*] tables."""
    default_run: str | None = None
    """The package's `default-run` binary, if it names one."""
    optional_dependencies: tuple[str, ...] = ()
    """Of `dependencies`, those that are optional (`dep?/feature` keeps them off)."""
    dev_dependencies: tuple[str, ...] = ()
    """Package names of its [dev-dependencies] (which cargo resolves for every build)."""
    test_targets: Mapping[str, Path] = field(default_factory=dict)
    """Its integration test targets (tests/*.rs, [[test]]) and their source files."""
    build_script: Path | None = None
    """Its build script (build.rs), if it has one."""

    @property
    def binaries(self) -> tuple[str, ...]:
        """Names of the package's bin targets."""
        return tuple(t.name for t in self.targets if t.is_bin)

    @property
    def lib_crate_types(self) -> tuple[str, ...]:
        """crate-type of the lib target (empty if none)."""
        return next((t.crate_types for t in self.targets if t.is_lib), ())

    def binary(self, name: str) -> CargoTarget | None:
        return next((t for t in self.targets if t.is_bin and t.name == name), None)

    def builds(self) -> str:
        """What the package builds, for people choosing among them."""
        return ", ".join(t.describe() for t in self.targets) or "nothing"


@dataclass(frozen=True)
class Workspace:
    """The workspace a manifest belongs to: its members as `cargo metadata --no-deps` sees them."""

    root: Path
    """The workspace root (where Cargo.lock and [profile.*] live)."""
    members: tuple[Crate, ...]
    """Every member package."""
    default_members: tuple[str, ...]
    """Names of the members a bare `cargo build` in the root builds."""

    def member(self, name: str) -> Crate | None:
        return next((m for m in self.members if m.name == name), None)


def read_workspace(manifest: Path, cargo: Iterable[str], env: Mapping[str, str]) -> Workspace:
    """Ask `cargo metadata` (members only, offline) about the workspace of `manifest`."""
    metadata = metadata_of(manifest, cargo, env, dependencies=False)
    root = Path(metadata["workspace_root"])
    with (root / "Cargo.toml").open("rb") as handle:
        profiles = tomllib.load(handle).get("profile", {})
    members = tuple(_crate(package, root, profiles) for package in metadata["packages"])
    ids = {package["id"]: package["name"] for package in metadata["packages"]}
    default = metadata.get("workspace_default_members") or metadata["workspace_members"]
    return Workspace(root, members, tuple(ids[i] for i in default if i in ids))


def _crate(package: Any, root: Path, profiles: Mapping[str, Any]) -> Crate:
    kept = [
        CargoTarget(
            t["name"],
            tuple(t["kind"]),
            tuple(t["crate_types"]),
            tuple(t.get("required-features") or ()),
        )
        for t in package["targets"]
    ]
    # Features may enable normal and build dependencies (never dev-dependencies).
    dependencies = [d for d in package["dependencies"] if d.get("kind") in (None, "build")]
    return Crate(
        name=package["name"],
        version=package["version"],
        manifest=Path(package["manifest_path"]),
        workspace_root=root,
        features={name: tuple(values) for name, values in package["features"].items()},
        targets=tuple(t for t in kept if t.is_bin or t.is_lib),
        dependencies=tuple(dependency_name(d) for d in dependencies),
        profiles=profiles,
        default_run=package.get("default_run"),
        optional_dependencies=tuple(dependency_name(d) for d in dependencies if d["optional"]),
        dev_dependencies=tuple(
            d["name"] for d in package["dependencies"] if d.get("kind") == "dev"
        ),
        test_targets={
            t["name"]: Path(t["src_path"]) for t in package["targets"] if "test" in t["kind"]
        },
        build_script=next(
            (Path(t["src_path"]) for t in package["targets"] if "custom-build" in t["kind"]),
            None,
        ),
    )


def dependency_name(dependency: Any) -> str:
    """The name a dependency goes by in `dep/feature` (its rename, if it has one)."""
    return str(dependency.get("rename") or dependency["name"])


def metadata_of(
    manifest: Path,
    cargo: Iterable[str],
    env: Mapping[str, str],
    *,
    dependencies: bool,
    all_features: bool = False,
    online: bool = False,
) -> Any:
    """`cargo metadata` for `manifest`, run from its directory so that the crate's own
    .cargo/config.toml (source replacement, offline) applies, as it does to its builds.
    `all_features`: the packages of every feature, as cargo's lockfile resolution sees them.
    `online`: as cargo resolves by default (the run's one resolution); every other question
    is asked offline, of what that resolution downloaded."""
    result = command.run(
        [
            *cargo,
            "metadata",
            "--format-version",
            "1",
            *([] if dependencies else ["--no-deps"]),
            *(["--all-features"] if all_features else []),
            *([] if online else ["--offline"]),
            "--manifest-path",
            str(manifest),
        ],
        env=env,
        cwd=manifest.parent,
    )
    return json.loads(result.stdout)


def read_crate(
    project: Project, cargo: Iterable[str], env: Mapping[str, str], library: str | None = None
) -> Crate:
    """The project's package (or its `library` kind's package), chosen among the workspace's
    members by name, by the manifest, or by what it builds."""
    from minbuild.rust.artifacts import choose_package  # artifacts builds on this module

    try:
        workspace = read_workspace(project.manifest, cargo, env)
    except CommandFailed as error:
        # A manifest cargo cannot read is the project file's problem, not a failed build.
        raise project.source.error(
            ("crate", "manifest"), f"cargo cannot read {project.manifest}: {error.first_error()}"
        ) from error
    return choose_package(project, workspace, library)


def check_builds(
    project: Project,
    cargo: Sequence[str],
    env: Mapping[str, str],
    target_dir: Path,
    feature_args: Sequence[str],
    rustflags: Sequence[str],
    log_file: Path,
    on_line: Callable[[str], None] | None = None,
) -> str | None:
    """None if this cargo checks the project's package cleanly; else its first error (and
    whether a deny-by-default lint made it one: a newer compiler rejecting older code).
    `on_line` hears cargo's JSON messages, for progress (diagnostics stay on stderr)."""
    try:
        crate = read_crate(project, cargo, env)
    except ConfigError as error:
        return f"cargo metadata fails: {error}"
    done = command.run(
        [
            *cargo,
            "check",
            "--manifest-path",
            str(crate.manifest),
            "--package",
            crate.name,
            *feature_args,
            *([] if on_line is None else ["--message-format=json-render-diagnostics"]),
        ],
        env={
            **env,
            "CARGO_TARGET_DIR": str(target_dir),
            **({"RUSTFLAGS": " ".join(rustflags)} if rustflags else {}),
        },
        cwd=crate.manifest.parent,
        check=False,
        log_file=log_file,
        on_line=on_line,
    )
    if done.returncode == 0:
        return None
    lint = f"; {DENIED_LINT}" if "= note: `#[deny(" in done.stderr else ""
    return f"{done.first_error() or f'cargo check exited {done.returncode}'}{lint} ({log_file})"


# What check_builds adds when only a deny-by-default lint stops the build.
DENIED_LINT = "a deny-by-default lint (rustflags: [--cap-lints, warn] lets it build)"


def feature_args(stage: Stage) -> list[str]:
    """cargo's feature options for a stage."""
    args = [] if stage.default_features else ["--no-default-features"]
    return [*args, "--features", ",".join(stage.features)] if stage.features else args


def enabled_features(
    crate: Crate, *, default_features: bool, features: Iterable[str]
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


def build_features(
    crate: Crate, *, default_features: bool, features: Iterable[str]
) -> frozenset[str]:
    """What a build's features change: the package's enabled features, and the
    `dependency/feature`s it turns on directly (two builds that agree here build alike)."""
    listed = tuple(features)
    return enabled_features(crate, default_features=default_features, features=listed) | {
        f for f in listed if "/" in f
    }


def is_feature(crate: Crate, name: str) -> bool:
    """A feature of the package, or `dependency/feature` (cargo's syntax) of one of its deps."""
    if name in crate.features:
        return True
    dependency, slash, _ = name.partition("/")
    return bool(slash) and dependency.rstrip("?") in crate.dependencies


def validate_features(project: Project, stages: Iterable[Stage], crate: Crate) -> None:
    """Every feature named in the project file or the staircase must exist in the crate."""
    known = list(crate.features)

    def validate(name: str, at: tuple[str | int, ...]) -> None:
        if not is_feature(crate, name):
            message = (
                f"feature '{name}' is not declared by {crate.name}'s Cargo.toml"
                f"{did_you_mean(name, known)} (features: {', '.join(sorted(known))})"
            )
            raise project.source.error(at, message)

    for set_name, names in project.feature_sets.items():
        for position, name in enumerate(names):
            validate(name, ("feature_sets", set_name, position))
    for index, fixture in enumerate(project.fixtures):
        for position, name in enumerate(fixture.needs_features):
            validate(name, ("fixtures", index, "needs_features", position))
    for index, test in enumerate(project.tests):
        for key, names in (
            ("needs_features", test.needs_features),
            ("unless_features", test.unless_features),
        ):
            for position, name in enumerate(names):
                validate(name, ("tests", index, key, position))
    for stage in stages:
        for name in stage.features:
            if not is_feature(crate, name):
                raise ConfigError(
                    f"stages.{stage.name}.features: feature '{name}' is not "
                    f"declared by {crate.name}{did_you_mean(name, known)}",
                    file=str(project.staircase),
                )


def workspace_features(
    project: Project, cargo: Iterable[str], env: Mapping[str, str]
) -> tuple[Path, dict[Path, tuple[str, ...]]]:
    """The workspace root, and every member's directory with the features it declares."""
    metadata = metadata_of(project.manifest, cargo, env, dependencies=False)
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
