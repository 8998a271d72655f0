"""The CI matrix: the staircase's host stages, the foreign targets and the feature combinations
shared out between the jobs of a CI system's matrix (GitHub Actions `strategy.matrix`), each
job a runner of its own, balanced by what the builds cost in the state dir's last run, else by
estimates. Every job is told exactly what to build, so no job needs that run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild.commands.option import Option, whole_number
from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import Located
from minbuild.commands.vocabulary import (
    CONFIG,
    STAGES,
    STATE_DIR,
    TARGETS,
    TOOLCHAIN,
)
from minbuild.engine.buildcost import COLD, WARM
from minbuild.engine.shards import MAX_SHARDS, host_shares, target_shares, workload
from minbuild.project import stages
from minbuild.project.config import Project, require_manifest
from minbuild.project.targets import project_targets, select
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.runs.records import RunRecord, StageRecord, latest, load
from minbuild.rust import cargo, lockfile, toolchains
from minbuild.util.errors import ConfigError


@dataclass(frozen=True)
class Options:
    """What `minbuild ci-matrix` is asked for."""

    config: Path = CONFIG()
    shards: int = Option(
        "--shards",
        "jobs for the host stages (default: 2)",
        metavar="N",
        parse=whole_number(1, MAX_SHARDS),
        default=2,
    )()
    cross_shards: int = Option(
        "--cross-shards",
        "jobs for the foreign targets (default: 0, none)",
        metavar="N",
        parse=whole_number(0, MAX_SHARDS),
        default=0,
    )()
    feature_shards: int = Option(
        "--feature-shards",
        "jobs for feature-matrix's combinations (default: 0, none)",
        metavar="N",
        parse=whole_number(0, MAX_SHARDS),
        default=0,
    )()
    stages: tuple[str, ...] = STAGES()
    targets: tuple[str, ...] = TARGETS()
    toolchain: str | None = TOOLCHAIN()
    state_dir: Path = STATE_DIR()


def ci_matrix(options: Options, project: Project) -> dict[str, Any]:
    """`{"include": [job, ...]}`: per job its `name`, the `command` to run, `shard` (I/N over
    the sharded run's jobs, which `merge` combines) and the exact `args` of its share."""
    require_manifest(project)
    staircase = tuple(stages.load_staircase(project))
    chosen = {s.name for s in stages.select(staircase, options.stages, None, None)}
    resolution = toolchains.resolve(staircase, options.toolchain)  # no build: a quick job
    candidate = resolution.toolchain.candidate
    crate = cargo.read_crate(project, candidate.cargo, candidate.env)
    last = _last_run(options.state_dir)
    measured = _seconds_by_stage(last) if last else None
    packages = lockfile.graph_size(crate, candidate.cargo, candidate.env)
    costs = WARM if project.cache_tool not in (None, "none") else COLD
    work = workload(crate, staircase, packages, resolution.skipped, costs, measured)
    shares = host_shares(work, options.shards)
    host = [[name for name in share if name in chosen] for share in shares]
    host = [share for share in host if share]
    foreign: list[list[str]] = []
    if options.cross_shards:
        every = [t.triple for t in select(project_targets(project), options.targets)]
        seconds = _seconds_by_target(last) if last else None
        foreign = [s for s in target_shares(every, options.cross_shards, seconds) if s]
    total = len(host) + len(foreign)
    jobs = [_job("host", "min-build", n, total, "--stage", share) for n, share in enumerate(host)]
    jobs += [
        _job("cross", "cross-build", len(host) + n, total, "--target", share)
        for n, share in enumerate(foreign)
    ]
    jobs += [
        {
            "name": f"features {n}/{options.feature_shards}",
            "command": "feature-matrix",
            "shard": f"{n}/{options.feature_shards}",
            "args": f"--shard {n}/{options.feature_shards}",
        }
        for n in range(1, options.feature_shards + 1)
    ]
    if not jobs:
        raise ConfigError("ci-matrix: nothing to share out (no stage or target chosen)")
    return {"include": jobs}


def run(request: Located[Options], reporter: Reporter) -> Outcome:
    """The jobs as one line of JSON, as a GitHub Actions matrix takes it."""
    return Outcome(text=json.dumps(ci_matrix(request.options, request.project)) + "\n")


def _job(
    kind: str, command: str, number: int, total: int, flag: str, share: Sequence[str]
) -> dict[str, str]:
    label = f"{number + 1}/{total}"
    return {
        "name": f"{kind} {label}: {', '.join(share)}",
        "command": command,
        "shard": label,
        "args": f"--shard {label} {flag} {','.join(share)}",
    }


def _last_run(state_dir: Path) -> RunRecord | None:
    try:
        return load(latest(statedir.Layout(state_dir).runs()))
    except ConfigError:
        return None  # no run yet, or none readable: estimates will do


def _seconds(stage: StageRecord) -> float:
    return (stage.build_seconds or 0.0) + sum(test.seconds for test in stage.tests)


def _seconds_by_stage(run: RunRecord) -> Mapping[str, float]:
    return {s.name: _seconds(s) for s in run.stages if s.target in (None, run.host)}


def _seconds_by_target(run: RunRecord) -> Mapping[str, float]:
    totals: dict[str, float] = {}
    for stage in run.stages:
        if stage.target not in (None, run.host):
            totals[stage.target] = totals.get(stage.target, 0.0) + _seconds(stage)
    return totals
