"""feature-cost: the bytes each optional feature adds to a base stage (and to the full set),
every variant's binary built and tested like a stage."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import WithBuild
from minbuild.commands.vocabulary import EXCLUDE, STAGES, STATE_DIR, TOOLCHAIN, CrateSource
from minbuild.engine import execute, planner
from minbuild.features.cost import render, variants
from minbuild.project import stages
from minbuild.project.stages import Stage
from minbuild.runs.progress import Reporter, ToolchainCheck
from minbuild.util.errors import ConfigError


@dataclass(frozen=True)
class Options(CrateSource):
    """What one feature-cost invocation asks for (the crate: a project file or a manifest)."""

    stages: tuple[str, ...] = STAGES(
        help="the base stage (one; default: the last one without build-std)"
    )
    exclude: tuple[str, ...] = EXCLUDE()
    toolchain: str | None = TOOLCHAIN()
    state_dir: Path = STATE_DIR()


def run(request: WithBuild[Options], reporter: Reporter) -> Outcome:
    """Build and test every variant on the host: the table and the run document."""
    names = request.options.stages
    if len(names) > 1:
        raise ConfigError(f"--stage {','.join(names)}: feature-cost takes one base stage")
    checking = ToolchainCheck(reporter, 1)
    ground = planner.groundwork(
        request.build,
        every_stage=False,
        wanted=lambda chosen: chosen,
        check_in_lane=False,
        checking=checking,
        pick=functools.partial(_base, names),
    )
    checking.done(ground.resolution.toolchain.label)
    (base,) = ground.stages
    chosen = variants(base, ground.crate, request.options.exclude)
    toolchain, state_dir = ground.resolution.toolchain, ground.state_dir
    builds = tuple(
        dataclasses.replace(
            planner.host_build(v.stage, ground.project, ground.crate, toolchain, state_dir),
            tests_as=base.name,
        )
        for v in chosen
    )
    stages_built = tuple(v.stage for v in chosen)
    plan = planner.Plan(
        ground.project, ground.crate, stages_built, ground.resolution, builds, state_dir
    )
    plan = planner.with_cache(plan, ground.cache)
    result, path = execute.execute(plan, fail_fast=False, reporter=reporter)
    return Outcome(text=f"{render(result, chosen)}\nrun document: {path}\n", written=(path,))


def _base(names: tuple[str, ...], staircase: tuple[Stage, ...]) -> tuple[Stage, ...]:
    """The base stage named, or the smallest stage that needs no std rebuild: quick, and
    honest."""
    if not names:
        return ([s for s in staircase if "build-std" not in s.needs][-1],)
    return tuple(stages.select(staircase, names, None, None))
