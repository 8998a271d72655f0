"""The winner as a person applies it by hand: a `[profile.NAME]` for Cargo.toml, the
`.cargo/config.toml` lines, and the one cargo command that builds the same binary."""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from minbuild.engine.invocations import JSON_TARGET_SPEC, PROFILE, build_invocation, std_rebuilt
from minbuild.measure.libsize import shared_link_argv
from minbuild.optimize.profile import profile_toml
from minbuild.optimize.trials import Export
from minbuild.project.config import Artifact
from minbuild.project.stages import Stage
from minbuild.project.targets import Target
from minbuild.rust.cargo import Crate
from minbuild.rust.toolchains import Toolchain
from minbuild.util import command
from minbuild.util.errors import ConfigError
from minbuild.util.files import write_atomic

DEFAULT_PROFILE = "minsize"
# The arguments of minbuild's own build that a person's build does without.
_WITH_VALUE = ("--target-dir", "--manifest-path")
_OURS = ("--message-format=json-render-diagnostics",)


def export(
    stage: Stage,
    crate: Crate,
    artifact: Artifact,
    toolchain: Toolchain,
    name: str,
    target: Target | None = None,
    linked_name: str = "",
    exports: Sequence[str] = (),
) -> Export:
    """How to build `stage` without minbuild (for `target`), its settings in a profile
    called `name`: the command runs in the crate's directory; its post-link steps run over
    `linked_name`, the file cargo links."""
    invocation = build_invocation(stage, crate, artifact, toolchain, Path("target"), target)
    argv = _without_ours(invocation.argv)
    argv = [name if arg == PROFILE else arg for arg in argv]
    env = {key: value for key, value in invocation.env.items() if "_PROFILE_" not in key}
    unstable: dict[str, Any] = {}
    if build_std := std_rebuilt(stage, target):
        unstable["build-std"] = list(build_std)
    if target and target.spec and JSON_TARGET_SPEC in toolchain.cargo_z:
        unstable[JSON_TARGET_SPEC] = True
    if stage.build_std_features is not None:
        unstable["build-std-features"] = list(stage.build_std_features)
    for flag in stage.cargo_unstable:
        unstable[flag] = True
    nightly = bool(unstable) or any(flag.startswith("-Z") for flag in stage.rustflags)
    triple = target.triple if target else toolchain.host if stage.build_std else None
    directory = Path("target", *([triple] if triple else []), name)
    return Export(
        profile_name=name,
        profile=dict(stage.profile),
        rustflags=(*stage.rustflags, *(target.rustflags if target else ())),
        unstable=unstable,
        command=command.shell_line(argv, env),
        nightly=nightly,
        target=target.cargo_target if target else None,
        linker=target.linker if target else None,
        post_link=(
            _shared_link_lines(target, directory / linked_name, exports)
            if target and target.link
            else _post_link_lines(stage, directory, linked_name)
        ),
    )


def _shared_link_lines(target: Target, linked: Path, exports: Sequence[str]) -> tuple[str, ...]:
    """A `link: shared` target's link, as a person runs it after cargo: the version script
    that exports only the C ABI, then the .so (`linked`) from the staticlib beside it."""
    archive = linked.with_suffix(".a")
    script = archive.with_name(archive.name + ".exports.map")
    text = " ".join(["{ global:", *(f"{name};" for name in exports), "local: *; };"])
    output = linked
    return (
        f"printf '%s\\n' {shlex.quote(text)} > {shlex.quote(str(script))}",
        command.shell_line(shared_link_argv(target.link_program, archive, script, output), {}),
    )


def _post_link_lines(stage: Stage, directory: Path, linked_name: str) -> tuple[str, ...]:
    """Each post-link step as a shell line, over cargo's output in `directory`, each writing
    `<stem>.post-link-<n><suffix>` beside it."""
    if not stage.post_link:
        return ()
    linked = directory / linked_name
    lines, source = [], linked
    for number, step in enumerate(stage.post_link, 1):
        output = linked.with_name(f"{linked.stem}.post-link-{number}{linked.suffix}")
        lines.append(command.shell_line(step.command(str(source), str(output)), {}))
        source = output
    return tuple(lines)


def _without_ours(argv: Sequence[str]) -> list[str]:
    """The build's arguments but minbuild's own: the command runs in the crate's directory,
    into cargo's own target dir, printing what cargo prints."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _WITH_VALUE:
            skip = True
        elif arg not in _OURS:
            kept.append(arg)
    return kept


def write_profile(manifest: Path, found: Export) -> Path:
    """Append the profile to the crate's Cargo.toml; refused if the profile is there."""
    text = manifest.read_text(encoding="utf-8")
    profiles: Mapping[str, Any] = tomllib.loads(text).get("profile", {})
    if found.profile_name in profiles:
        raise ConfigError(
            f"--write-profile {found.profile_name}: {manifest} already has "
            f"[profile.{found.profile_name}]; choose another name or remove it first"
        )
    write_atomic(manifest, text.rstrip("\n") + "\n\n" + profile_toml(found))
    return manifest
