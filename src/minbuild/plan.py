"""From a stage to the exact cargo command line and environment that build it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from minbuild import command
from minbuild.config import Project
from minbuild.stages import ProfileValue, Stage
from minbuild.toolchains import Toolchain

# One profile for every stage: cargo keys each compiled unit by its settings, so units that two
# stages build alike (a dependency in release and no-default-features) are compiled once, and
# each stage's own units stay fresh beside the others' in the same target dir.
PROFILE = "minbuild"
VENDOR_SOURCE = "minbuild-std-vendor"


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


def profile_env(stage: Stage) -> dict[str, str]:
    """CARGO_PROFILE_MINBUILD_* for the stage's base profile and every setting it carries."""
    prefix = f"CARGO_PROFILE_{PROFILE.upper()}_"
    env = {f"{prefix}INHERITS": stage.base_profile}
    for key, value in stage.profile.items():
        env[prefix + key.upper().replace("-", "_")] = _env_value(value)
    return env


def _env_value(value: ProfileValue) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def build_invocation(
    stage: Stage, project: Project, package: str, toolchain: Toolchain, target_dir: Path
) -> Invocation:
    """The cargo build of `stage`, with the toolchain's own settings folded in."""
    argv = [
        *toolchain.candidate.cargo,
        "build",
        "--manifest-path",
        str(project.manifest),
        "--package",
        package,
        *_artifact_args(project),
        "--profile",
        PROFILE,
        *_feature_args(stage),
        "--message-format=json-render-diagnostics",
    ]
    argv += _unstable_args(stage, toolchain)
    env = {**toolchain.candidate.env, "CARGO_TARGET_DIR": str(target_dir), **profile_env(stage)}
    if stage.rustflags:
        env["RUSTFLAGS"] = " ".join(stage.rustflags)
    return Invocation(tuple(argv), env)


def _artifact_args(project: Project) -> list[str]:
    if project.artifact.kind == "bin":
        return ["--bin", project.artifact.name] if project.artifact.name else ["--bins"]
    return ["--lib"]


def _feature_args(stage: Stage) -> list[str]:
    args = [] if stage.default_features else ["--no-default-features"]
    return [*args, "--features", ",".join(stage.features)] if stage.features else args


def _unstable_args(stage: Stage, toolchain: Toolchain) -> list[str]:
    if not stage.build_std:
        return [arg for flag in stage.cargo_unstable for arg in ("-Z", flag)]
    # build-std needs an explicit --target, even the host's, to keep std apart from build scripts.
    args = ["--target", toolchain.host, "-Z", f"build-std={','.join(stage.build_std)}"]
    if stage.build_std_features is not None:
        args += ["-Z", f"build-std-features={','.join(stage.build_std_features)}"]
    args += [arg for flag in stage.cargo_unstable for arg in ("-Z", flag)]
    if toolchain.vendor is not None:
        # std's own dependencies come from the toolchain's vendored copy: no network needed.
        args += [
            "--offline",
            "--config",
            f'source.crates-io.replace-with="{VENDOR_SOURCE}"',
            "--config",
            f'source.{VENDOR_SOURCE}.directory="{toolchain.vendor}"',
        ]
    return args
