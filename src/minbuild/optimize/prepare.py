"""Everything a search needs before its first trial: the project and its space, the toolchain
(chosen for the start stage and every value of the space), the start point and the builder."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from minbuild.engine import planner
from minbuild.engine.request import BuildOptions
from minbuild.optimize.builder import Builder
from minbuild.optimize.points import signature, start_point
from minbuild.project.config import load_project
from minbuild.project.space import Space, apply, load_space
from minbuild.project.stages import Stage
from minbuild.runs.progress import Reporter
from minbuild.util.errors import ConfigError
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


def prepare(
    options: BuildOptions,
    start_name: str,
    settings: Sequence[str],
    skip: Sequence[str],
    reporter: Reporter,
) -> Prepared:
    """Read, choose and ask cargo (`options`: the project file, toolchain, state dir, cache
    and lanes); nothing is built."""
    project = load_project(options.config)
    space = load_space(project, settings, skip)
    if not space.settings:
        raise ConfigError("optimize: no setting left to search (see --setting and --skip)")
    ground = planner.groundwork(
        options,
        every_stage=True,
        wanted=functools.partial(_probes, space, start_name, project.rustflags),
        check_in_lane=False,
    )
    start = start_stage(ground.staircase, start_name)
    builder = Builder(ground, space, start, parallel=options.parallel, reporter=reporter)
    point = start_point(space, start, ground.crate, builder.stage(space.release))
    differs = signature(ground.crate, builder.stage(point)) != signature(ground.crate, start)
    return Prepared(ground, space, start, point, builder, differs)


def _probes(
    space: Space, start_name: str, rustflags: tuple[str, ...], staircase: tuple[Stage, ...]
) -> list[Stage]:
    """What the toolchain is chosen for: the start stage, and each value of the space alone
    (the toolchain that runs the most of them)."""
    start = start_stage(staircase, start_name)
    release = space.release
    return [
        start,
        *(
            apply(space, {**release, name: value}, start, rustflags, f"probe-{n}", "")
            for n, (name, value) in enumerate(space.neighbours(release))
        ),
    ]


def start_stage(staircase: tuple[Stage, ...], name: str) -> Stage:
    if name == LAST_STAGE:
        return staircase[-1]
    for stage in staircase:
        if stage.name == name:
            return stage
    known = [LAST_STAGE, *(stage.name for stage in staircase)]
    raise ConfigError(
        f"--from: no stage '{name}'{did_you_mean(name, known)} (stages: {', '.join(known)})"
    )
