"""Planning cross builds: every chosen stage for every chosen target, through build-std."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from minbuild.engine.invocations import CROSS_BUILD_STD, Build, build_invocation
from minbuild.project.config import Artifact, Project
from minbuild.project.stages import Stage
from minbuild.project.targets import Target, project_targets, select
from minbuild.runs.progress import Job
from minbuild.runs.statedir import Layout
from minbuild.rust import cargo, targetspec
from minbuild.rust.toolchains import Resolution


def needing_build_std(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    """The stages as a cross build needs them: no prebuilt std exists for a foreign target."""
    return tuple(dataclasses.replace(s, needs=s.needs | {"build-std"}) for s in stages)


def with_std_rebuilt(stage: Stage) -> Stage:
    """The stage as a build for a foreign target runs it: std rebuilt, and so needed."""
    return dataclasses.replace(
        stage, needs=stage.needs | {"build-std"}, build_std=stage.build_std or CROSS_BUILD_STD
    )


def builds(
    project: Project,
    crate: cargo.Crate,
    stages: Sequence[Stage],
    resolution: Resolution,
    names: Sequence[str],
    state_dir: Path,
    say: Callable[[str], None] = lambda line: None,
    probing: Job | None = None,
) -> tuple[Build, ...]:
    """Each target's lane of builds, with the reason a whole target or a stage is skipped;
    `say` hears of a custom target's probe, which may build std once, and `probing` how
    that build goes."""
    chosen = select(project_targets(project), names)
    return tuple(
        build
        for target in chosen
        for build in _lane(project, crate, stages, resolution, target, state_dir, say, probing)
    )


def _lane(
    project: Project,
    crate: cargo.Crate,
    stages: Sequence[Stage],
    resolution: Resolution,
    target: Target,
    state_dir: Path,
    say: Callable[[str], None],
    probing: Job | None = None,
) -> Iterator[Build]:
    toolchain = resolution.toolchain
    package, artifact, problem = target_artifact(project, crate, target, resolution)
    problem = target.problem() or problem
    if problem is None and toolchain.library_source is not None:
        problem = targetspec.problem(target, toolchain, state_dir, say=say, job=probing)
    # Targets build in their own dirs: nothing is shared across targets, and lanes can run at
    # once without waiting on one another's cargo lock.
    target_dir = Layout(state_dir).cross(target.triple)
    for stage in stages:
        invocation = build_invocation(stage, package, artifact, toolchain, target_dir, target)
        yield Build(
            stage,
            target,
            package,
            artifact,
            invocation,
            problem or resolution.skipped.get(stage.name),
            platform_library=platform_library(state_dir, target),
        )


def platform_library(state_dir: Path, target: Target) -> Path | None:
    """Where the host library of a custom platform is built, if the target has one."""
    if not target.platform:
        return None
    return Layout(state_dir).platforms(target.triple, f"lib{target.triple}-platform.so")


def target_artifact(
    project: Project, crate: cargo.Crate, target: Target, resolution: Resolution
) -> tuple[cargo.Crate, Artifact, str | None]:
    """The package and artifact a target builds, or why the project has none for it."""
    if target.link and not project.staticlib_exports:
        return (
            crate,
            Artifact(target.artifact, None),
            (
                f"target {target.triple} links the staticlib into a .so that keeps only the "
                "project's exports, and the project file lists none (set crate.staticlib.exports)"
            ),
        )
    # A `link: shared` target builds the staticlib it links, so the project's own staticlib
    # or cdylib package serves it, as does either library package the project file names.
    kinds = ("staticlib", "cdylib") if target.link else (target.artifact,)
    if project.artifact.kind in kinds:
        if target.link:
            _require_staticlib(project, crate, target, ("crate", "artifact", "kind"))
            return crate, Artifact(target.artifact, None), None
        return crate, project.artifact, None
    kind = next((kind for kind in kinds if kind in project.libraries), None)
    if kind is None:
        return (
            crate,
            Artifact(target.artifact, None),
            (
                f"target {target.triple} builds a {target.artifact}, and the project file names no "
                f"package for one (set crate.{target.artifact}.package)"
            ),
        )
    candidate = resolution.toolchain.candidate
    library = cargo.read_crate(project, candidate.cargo, candidate.env, kind)
    if target.link:
        _require_staticlib(project, library, target, ("crate", kind, "package"))
    elif target.artifact not in library.lib_crate_types:
        raise project.source.error(
            ("crate", target.artifact, "package"),
            f"{library.name}'s lib target has crate-type {list(library.lib_crate_types)}, "
            f"not {target.artifact}",
        )
    return library, Artifact(target.artifact, None), None


def _require_staticlib(
    project: Project, crate: cargo.Crate, target: Target, at: tuple[str, ...]
) -> None:
    if "staticlib" not in crate.lib_crate_types:
        raise project.source.error(
            at,
            f"{crate.name}'s lib target has crate-type {list(crate.lib_crate_types)}, not "
            f"staticlib (target {target.triple} links its staticlib into a .so): add "
            '"staticlib" to its [lib] crate-type',
        )
