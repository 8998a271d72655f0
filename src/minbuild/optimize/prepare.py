"""Everything a search needs before its first trial: the project and its space, the toolchain
(chosen for the start stage and every value of the space), the start point and the builder."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from minbuild.engine import planner
from minbuild.engine.cross import with_std_rebuilt
from minbuild.engine.request import BuildRequest
from minbuild.optimize.builder import Builder
from minbuild.optimize.points import signature, start_point
from minbuild.optimize.space import Space, apply, load_space
from minbuild.project.stages import Stage
from minbuild.project.targets import Target, project_targets, select
from minbuild.runs.progress import Reporter, ToolchainCheck
from minbuild.util.errors import ConfigError, ToolMissingError
from minbuild.util.text import did_you_mean

LAST_STAGE = "last-stage"


@dataclass(frozen=True)
class Prepared:
    """A search ready to start."""

    ground: planner.Groundwork
    space: Space
    start: Stage
    """The staircase stage it starts from (its features are every trial's)."""
    point: dict[str, str]
    """The start stage's settings in the space's terms."""
    builder: Builder
    start_differs: bool
    """The start stage has settings the space cannot express: `point` builds otherwise."""
    target: Target | None = None
    """The foreign target every trial is built for and tested on (None: the host)."""


def prepare(
    request: BuildRequest,
    start_name: str,
    settings: Sequence[str],
    skip: Sequence[str],
    reporter: Reporter,
    target_name: str | None = None,
) -> Prepared:
    """Read, choose and ask cargo (`request`: the project, toolchain, state dir, cache and
    lanes; `target_name`: the foreign target, if any); nothing is built."""
    project = request.project
    target = _target(project_targets(project), target_name) if target_name else None
    kind = target.artifact if target else None
    space = load_space(project, settings, skip, target.triple if target else None, kind)
    if not space.settings:
        raise ConfigError("optimize: no setting left to search (see --setting and --skip)")
    checking = ToolchainCheck(reporter, 1)  # a cargo check per toolchain: minutes, at worst
    ground = planner.groundwork(
        request,
        every_stage=True,
        wanted=functools.partial(_probes, space, start_name, project.rustflags, target),
        check_in_lane=False,
        checking=checking,
    )
    checking.done(ground.resolution.toolchain.label)
    start = start_stage(ground.staircase, start_name, target)
    builder = Builder(
        ground, space, start, parallel=request.parallel, reporter=reporter, target=target
    )
    if builder.problem:
        raise ConfigError(f"--target {target_name}: {builder.problem}")
    # the release stage as the space applies it: a foreign target's rebuilt std is not its
    release = apply(space, space.release, start, project.rustflags, "release", "")
    point = start_point(space, start, ground.crate, release)
    differs = signature(ground.crate, builder.stage(point)) != signature(ground.crate, start)
    return Prepared(ground, space, start, point, builder, differs, target)


def _target(targets: Sequence[Target], name: str) -> Target:
    """The one target --target names, refused at once when this machine cannot build it."""
    (target,) = select(targets, [name])
    problem = target.problem()
    if problem:
        raise ToolMissingError(f"--target: {problem} (or: invoke setup --targets {name})")
    return target


def _probes(
    space: Space,
    start_name: str,
    rustflags: tuple[str, ...],
    target: Target | None,
    staircase: tuple[Stage, ...],
) -> list[Stage]:
    """What the toolchain is chosen for: the start stage, and each value of the space alone
    (the toolchain that runs the most of them)."""
    start = start_stage(staircase, start_name, target)
    release = space.release
    alone = [
        apply(space, {**release, name: value}, start, rustflags, f"probe-{n}", "")
        for n, (name, value) in enumerate(space.neighbours(release))
    ]
    return [start, *(with_std_rebuilt(stage) if target else stage for stage in alone)]


def start_stage(staircase: tuple[Stage, ...], name: str, target: Target | None = None) -> Stage:
    """The stage `name` names (for a foreign `target`, with std rebuilt as every build for
    it rebuilds it)."""
    found = _named(staircase, name)
    return with_std_rebuilt(found) if target else found


def _named(staircase: tuple[Stage, ...], name: str) -> Stage:
    if name == LAST_STAGE:
        return staircase[-1]
    for stage in staircase:
        if stage.name == name:
            return stage
    known = [LAST_STAGE, *(stage.name for stage in staircase)]
    raise ConfigError(
        f"--from: no stage '{name}'{did_you_mean(name, known)} (stages: {', '.join(known)})"
    )
