"""feature-cost: the bytes each optional feature adds to a base stage (and to the full set),
every variant's binary built and tested like a stage."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import Located
from minbuild.commands.vocabulary import EXCLUDE, STAGES, STATE_DIR, TOOLCHAIN, CrateSource
from minbuild.engine import execute, planner
from minbuild.features.cost import render, variants
from minbuild.project import stages
from minbuild.runs.progress import Reporter, ToolchainCheck
from minbuild.rust import artifacts, cargo, prerequisites, toolchains
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


def run(request: Located[Options], reporter: Reporter) -> Outcome:
    """Build and test every variant on the host: the table and the run document."""
    options, project = request.options, request.project
    exclude, state_dir = options.exclude, options.state_dir.resolve()
    staircase = stages.load_staircase(project)
    if len(options.stages) > 1:
        raise ConfigError(f"--stage {','.join(options.stages)}: feature-cost takes one base stage")
    if not options.stages:  # the smallest stage that needs no std rebuild: quick, and honest
        base = [s for s in staircase if "build-std" not in s.needs][-1]
    else:
        (base,) = stages.select(staircase, options.stages, None, None)
    checking = ToolchainCheck(reporter, 1)
    check = prerequisites.crate_check(project, base, state_dir, checking=checking)
    resolution = toolchains.resolve([base], options.toolchain, check)
    toolchain = resolution.toolchain
    checking.done(toolchain.label)
    crate = cargo.read_crate(project, toolchain.candidate.cargo, toolchain.candidate.env)
    project = artifacts.resolve_artifact(project, crate)
    chosen = variants(base, crate, exclude)
    builds = tuple(
        dataclasses.replace(
            planner.host_build(v.stage, project, crate, toolchain, state_dir),
            tests_as=base.name,
        )
        for v in chosen
    )
    plan = planner.Plan(
        project, crate, tuple(v.stage for v in chosen), resolution, builds, state_dir
    )
    result, path = execute.execute(plan, fail_fast=False, reporter=reporter)
    return Outcome(text=f"{render(result, chosen)}\nrun document: {path}\n", written=(path,))
