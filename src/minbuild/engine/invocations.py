"""From a stage to the exact cargo command line and environment that build it."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from minbuild.project.config import Artifact
from minbuild.project.stages import ProfileValue, Stage
from minbuild.project.targets import Target
from minbuild.rust.cargo import Crate, feature_args
from minbuild.rust.profiles import stage_settings
from minbuild.rust.toolchains import Toolchain
from minbuild.util import command

# One profile for every stage: cargo keys each compiled unit by its settings, so units that two
# stages build alike (a dependency in release and no-default-features) are compiled once, and
# each stage's own units stay fresh beside the others' in the same target dir.
PROFILE = "minbuild"


@dataclass(frozen=True)
class Invocation:
    """A cargo command and the variables it sets on top of the caller's environment."""

    argv: tuple[str, ...]
    """The command line."""
    env: Mapping[str, str]
    """Environment variables the stage sets."""

    def shell(self) -> str:
        """What a person pastes into a shell to build this stage by hand."""
        return command.shell_line(self.argv, self.env)

    @property
    def target_dir(self) -> Path:
        """Where cargo builds (its `--target-dir`)."""
        return Path(self.argv[self.argv.index("--target-dir") + 1])


def profile_env(stage: Stage, crate: Crate) -> dict[str, str]:
    """CARGO_PROFILE_MINBUILD_* for the stage's base profile and every setting it lays over
    the crate's own."""
    prefix = f"CARGO_PROFILE_{PROFILE.upper()}_"
    env = {f"{prefix}INHERITS": stage.base_profile}
    for key, value in stage_settings(crate, stage).items():
        env[prefix + key.upper().replace("-", "_")] = _env_value(value)
    return env


def _env_value(value: ProfileValue) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# A cross target has no prebuilt std in the toolchains minbuild uses, so std is always rebuilt.
CROSS_BUILD_STD = ("std", "panic_abort")
JSON_TARGET_SPEC = "json-target-spec"


@dataclass(frozen=True)
class Build:
    """One stage built for one target (None: the host, as the staircase does)."""

    stage: Stage
    """The stage, with everything the stages before it set."""
    target: Target | None
    """The foreign target, or None for the host."""
    crate: Crate
    """The package that builds the artifact."""
    artifact: Artifact
    """What the build produces."""
    invocation: Invocation
    """The cargo command and environment."""
    skip: str | None = None
    """Why the build cannot run here, with the command that would enable it."""
    tests_as: str | None = None
    """The stage name tests select on, when it is not the stage's own (a feature variant)."""
    lane: int = 0
    """Which of the lanes that run at once builds it (a lane builds whole target dirs)."""
    platform_library: Path | None = None
    """Where the host library of the target's custom platform is built ({platform})."""

    @property
    def label(self) -> str:
        return f"{self.stage.name} @ {self.target.triple}" if self.target else self.stage.name

    @property
    def key(self) -> str:
        """Its name within a run, as `records.build_key` gives it from its record."""
        return f"{self.stage.name}@{self.target.triple}" if self.target else self.stage.name

    @property
    def runner(self) -> tuple[str, ...]:
        if self.target:
            return tuple(self.target.runner_argv(self.platform_library))
        if self.artifact.kind == "cdylib":  # a host library is loaded (ctypes), not run
            return (sys.executable, "-m", "minbuild.wasmhost", "native")
        return ()


def build_invocation(
    stage: Stage,
    crate: Crate,
    artifact: Artifact,
    toolchain: Toolchain,
    target_dir: Path,
    target: Target | None = None,
) -> Invocation:
    """The cargo build of `stage` (for `target`), with the toolchain's own settings folded in."""
    argv = [
        *toolchain.candidate.cargo,
        "build",
        "--manifest-path",
        str(crate.manifest),
        # An argument, not CARGO_TARGET_DIR: rustc inherits cargo's environment, and sccache
        # keys a unit by its CARGO_* variables, so the variable would keep every state dir
        # from finding what another one compiled.
        "--target-dir",
        str(target_dir),
        "--package",
        crate.name,
        *_artifact_args(artifact),
        "--profile",
        PROFILE,
        *feature_args(stage),
        "--message-format=json-render-diagnostics",
    ]
    argv += _unstable_args(stage, toolchain, target)
    env = {**toolchain.candidate.env, **profile_env(stage, crate), **(target.env if target else {})}
    # RUSTFLAGS outranks CARGO_TARGET_<TRIPLE>_RUSTFLAGS, so a target's flags must join it.
    rustflags = [*stage.rustflags, *(target.rustflags if target else ())]
    if rustflags:
        env["RUSTFLAGS"] = " ".join(rustflags)
    if target and target.linker:
        env[f"CARGO_TARGET_{target.env_key}_LINKER"] = target.linker
    return Invocation(tuple(argv), env)


def _artifact_args(artifact: Artifact) -> list[str]:
    if artifact.kind == "bin":
        return ["--bin", artifact.name] if artifact.name else ["--bins"]
    return ["--lib"]


def std_rebuilt(stage: Stage, target: Target | None) -> tuple[str, ...]:
    """What -Z build-std rebuilds for the stage on the target: the target's own set (core and
    alloc for a no_std platform) outranks the stage's."""
    if target is None:
        return stage.build_std
    return target.build_std or stage.build_std or CROSS_BUILD_STD


def _unstable_args(stage: Stage, toolchain: Toolchain, target: Target | None) -> list[str]:
    build_std = std_rebuilt(stage, target)
    if not build_std:
        return [arg for flag in stage.cargo_unstable for arg in ("-Z", flag)]
    # build-std needs an explicit --target, even the host's, to keep std apart from build scripts.
    args = [
        "--target",
        target.cargo_target if target else toolchain.host,
        "-Z",
        f"build-std={','.join(build_std)}",
    ]
    if target and target.spec and JSON_TARGET_SPEC in toolchain.cargo_z:
        args += ["-Z", JSON_TARGET_SPEC]  # cargo from 1.9x refuses a .json target without it
    if stage.build_std_features is not None:
        args += ["-Z", f"build-std-features={','.join(stage.build_std_features)}"]
    args += [arg for flag in stage.cargo_unstable for arg in ("-Z", flag)]
    return args + toolchain.offline_std_args()
