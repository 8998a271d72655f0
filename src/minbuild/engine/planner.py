"""Planning: read the project, choose the toolchain, ask cargo, and write every build's
command line, for the host or for foreign targets; nothing is built here."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.engine import cross
from minbuild.engine.buildcost import COLD, WARM
from minbuild.engine.invocations import Build, build_invocation
from minbuild.engine.lanes import Placement, alone, host_dirs
from minbuild.engine.request import BuildRequest
from minbuild.engine.shards import Shard, host_shares, target_shares, workload
from minbuild.engine.testing import FixtureStore
from minbuild.project import stages
from minbuild.project.config import Project
from minbuild.project.stages import Stage
from minbuild.project.targets import project_targets
from minbuild.runs import statedir
from minbuild.runs.progress import Job, Reporter, ToolchainCheck
from minbuild.rust import artifacts, candidates, cargo, choice, lockfile, resolution, toolchains
from minbuild.rust.cache import Cache
from minbuild.rust.network import Network
from minbuild.rust.prerequisites import Checking, crate_check, with_std_route
from minbuild.util.errors import ConfigError


@dataclass(frozen=True)
class Plan:
    """Everything decided before the first build."""

    project: Project
    crate: cargo.Crate
    stages: tuple[Stage, ...]
    resolution: toolchains.Resolution
    builds: tuple[Build, ...]
    state_dir: Path
    parallel: int = 1
    prelude: tuple[Build, ...] = ()
    """Host builds that run first, to make fixtures the planned builds cannot make."""
    cache: Cache | None = None
    """The compile cache every build goes through (each lane talks to a server of its own)."""
    staircase: tuple[Stage, ...] = ()
    """Every stage of the project, whichever a run picks (the configuration's hash)."""
    shard: Shard | None = None
    """This run is share `shard` of a sharded one: its own builds are `builds`; `prelude`
    only makes fixtures."""
    pending_check: Callable[[], str | None] | None = None
    """The chosen toolchain's `cargo check` of the crate, not run yet (None: it ran before
    planning). The first lane's first build stands for it; only if that build makes no
    artifact does the check run, and its problem means the run must choose again."""

    @property
    def toolchain(self) -> toolchains.Toolchain:
        return self.resolution.toolchain

    def lanes(self) -> list[list[Build]]:
        """The builds grouped by target and lane, in plan order: a lane's stages build one by
        one."""
        lanes: dict[tuple[str | None, int], list[Build]] = {}
        for build in self.builds:
            key = (build.target.triple if build.target else None, build.lane)
            lanes.setdefault(key, []).append(build)
        return list(lanes.values())

    def config_hash(self) -> str:
        """The project file and its resolved staircase, whichever stages and targets a run
        picks: the shards of one run agree on it."""
        resolved = [dataclasses.asdict(stage) for stage in self.staircase or self.stages]
        text = json.dumps([self.project.source.data, resolved], sort_keys=True, default=sorted)
        return hashlib.sha256(text.encode()).hexdigest()


def prepare(
    request: BuildRequest,
    *,
    check_in_lane: bool = False,
    checking: Checking | None = None,
    say: Callable[[str], None] = lambda line: None,
    probing: Job | None = None,
) -> Plan:
    """The plan for the host, or with `request.cross` the plan for foreign targets.
    `check_in_lane`: choose the toolchain its check would confirm and leave that check to the
    first lane (`Plan.pending_check`), where the first build almost always makes it needless:
    run before every build, it held up each lane for 3 to 8 s (hexyl). `checking` hears the
    toolchain check's progress; `say`, a custom target's probe, and `probing` its build."""
    if request.cross:
        return plan_cross(
            request, check_in_lane=check_in_lane, checking=checking, say=say, probing=probing
        )
    return plan_host(request, check_in_lane=check_in_lane, checking=checking)


def planned(request: BuildRequest, reporter: Reporter, *, check_in_lane: bool = False) -> Plan:
    """`prepare`, with its long work said as jobs before the builds: the toolchain check (a
    `cargo check` with each toolchain, minutes on a large crate in a fresh state dir) and a
    custom target's probe of std (a build of std). A check left to the first lane ends its
    line itself, when it runs."""
    checking = ToolchainCheck(reporter, 1)
    plan = prepare(
        request,
        check_in_lane=check_in_lane,
        checking=checking,
        say=reporter.say,
        probing=Job(reporter, "std probe"),
    )
    checking.done(plan.toolchain.label)
    if plan.pending_check is None:
        return plan
    return dataclasses.replace(
        plan, pending_check=checking.ending(plan.pending_check, plan.toolchain.label)
    )


def with_cache(plan: Plan, cache: Cache | None) -> Plan:
    """Every build of the plan through `cache`; its variables join each build's recorded
    environment, so a stage's shell line still rebuilds it as it was built."""
    if cache is None:
        return plan

    def cached(build: Build) -> Build:
        env = {**build.invocation.env, **cache.env()}
        return dataclasses.replace(build, invocation=dataclasses.replace(build.invocation, env=env))

    return dataclasses.replace(
        plan,
        builds=tuple(map(cached, plan.builds)),
        prelude=tuple(map(cached, plan.prelude)),
        cache=cache,
    )


def plan_host(
    request: BuildRequest, *, check_in_lane: bool = False, checking: Checking | None = None
) -> Plan:
    """Every chosen stage built for the host, in up to `request.parallel` lanes; with
    `request.shard`, only its share, after builds that make the fixtures its tests use."""
    ground = groundwork(
        request,
        every_stage=True,
        wanted=lambda chosen: chosen,
        check_in_lane=check_in_lane,
        checking=checking,
    )
    skipped = ground.resolution.skipped
    # --fail-fast stops at the first failure in staircase order: only one lane can promise that.
    parallel = 1 if request.fail_fast else request.parallel
    candidate = ground.resolution.toolchain.candidate
    # the crate's size weighs its builds against std's: only lanes and shares need it
    packages = (
        lockfile.graph_size(ground.crate, candidate.cargo, candidate.env)
        if parallel > 1 or request.shard
        else 1
    )
    # Under a cache a stage costs its links: a placement of its own. Turning the cache on or
    # off moves some stages to other dirs once; the cache keeps that cheap.
    costs = WARM if ground.cache else COLD
    work = workload(ground.crate, ground.staircase, packages, skipped, costs)
    placements = host_dirs(work, parallel)
    chosen, prelude = ground.stages, tuple[Build, ...]()
    if request.shard:
        if not request.picks_stages:
            share = set(host_shares(work, request.shard.count)[request.shard.index - 1])
            chosen = tuple(stage for stage in chosen if stage.name in share)
        prelude = ground.fixture_makers(made_in_run=chosen)

    lane = placements.lanes([stage.name for stage in chosen], parallel)

    def build(stage: Stage) -> Build:
        return host_build(
            stage,
            ground.project,
            ground.crate,
            ground.resolution.toolchain,
            ground.state_dir,
            skipped.get(stage.name),
            placements.dirs[stage.name],
            lane[stage.name],
        )

    builds = tuple(map(build, chosen))
    return ground.plan(builds, parallel, prelude, shard=request.shard)


def plan_cross(
    request: BuildRequest,
    *,
    check_in_lane: bool = False,
    checking: Checking | None = None,
    say: Callable[[str], None] = lambda line: None,
    probing: Job | None = None,
) -> Plan:
    """The chosen stages (default: the last one) for each foreign target, a lane per target,
    after host builds that make the fixtures the foreign ones cannot."""
    ground = groundwork(
        request,
        every_stage=False,
        wanted=cross.needing_build_std,
        check_in_lane=check_in_lane,
        checking=checking,
    )
    targets = request.targets
    if request.shard and not targets:
        every = [target.triple for target in project_targets(ground.project)]
        targets = tuple(target_shares(every, request.shard.count)[request.shard.index - 1])
    builds = (
        cross.builds(
            ground.project,
            ground.crate,
            ground.stages,
            ground.resolution,
            targets,
            ground.state_dir,
            say,
            probing,
        )
        if targets or not request.shard
        else ()
    )
    prelude = ground.fixture_makers()
    return ground.plan(builds, request.parallel, prelude, split_jobs=True, shard=request.shard)


@dataclass(frozen=True)
class Groundwork:
    """What host and cross plans decide alike: the project, stages, toolchain and crate."""

    project: Project
    staircase: tuple[Stage, ...]
    stages: tuple[Stage, ...]
    resolution: toolchains.Resolution
    crate: cargo.Crate
    state_dir: Path
    cache: Cache | None
    pending_check: Callable[[], str | None] | None = None

    def fixture_makers(self, made_in_run: Sequence[Stage] = ()) -> tuple[Build, ...]:
        """Host builds that make the fixtures the run's tests use and no stage of
        `made_in_run` makes."""
        return _fixture_makers(
            self.project,
            self.crate,
            self.staircase,
            self.resolution.toolchain,
            self.state_dir,
            made_in_run,
        )

    def plan(
        self,
        builds: tuple[Build, ...],
        parallel: int,
        prelude: tuple[Build, ...],
        *,
        split_jobs: bool = False,
        shard: Shard | None = None,
    ) -> Plan:
        """The plan of `builds`, at most `parallel` lanes at once (`split_jobs`: cargo's -j
        shared out between them)."""
        lanes = max(1, min(parallel, len({(b.target, b.lane) for b in builds})))
        plan = Plan(
            self.project,
            self.crate,
            self.stages,
            self.resolution,
            _share_cores(builds, lanes) if split_jobs else builds,
            self.state_dir,
            lanes,
            prelude,
            staircase=self.staircase,
            shard=shard,
            pending_check=self.pending_check,
        )
        return with_cache(plan, self.cache)


def groundwork(
    request: BuildRequest,
    *,
    every_stage: bool,
    wanted: Callable[[tuple[Stage, ...]], Sequence[Stage]],
    check_in_lane: bool,
    checking: Checking | None,
    pick: Callable[[tuple[Stage, ...]], Sequence[Stage]] | None = None,
) -> Groundwork:
    """Read the configuration, choose the stages (the request's, or what `pick` makes of the
    staircase) and the toolchain that can build what `wanted` picks of them (`check_in_lane`:
    the one its check would confirm, the check left to the plan), and ask cargo about the
    crate."""
    project = request.project
    staircase = tuple(stages.load_staircase(project))
    if pick is not None:
        chosen = tuple(pick(staircase))
    else:
        chosen = tuple(stages.select(staircase, request.stage_names, request.first, request.last))
        if not every_stage and not (request.every_stage or request.picks_stages):
            chosen = chosen[-1:]  # the stage a team ships
    state_dir, cache = request.state_dir, request.cache
    # Any pick of the host's stages chooses the toolchain the whole staircase would: a share
    # of it (no build-std stage, say) could pick another, and then its sizes would not compare
    # with the full run's, shards of two toolchains would not merge, and the release build
    # `init` made (for the whole staircase) would be built again.
    needed = wanted(staircase if request.shard or every_stage else chosen)
    check = crate_check(project, chosen[0], state_dir, cache, checking)
    chosen_toolchain = toolchains.resolve(
        needed,
        request.toolchain,
        None if check_in_lane else check,
        network=request.network,
        crate_dir=project.manifest.parent,
    )
    chosen_toolchain, crate = resolved(project, chosen_toolchain, request.network)
    toolchain = chosen_toolchain.toolchain
    cargo.validate_features(project, chosen, crate)
    project = artifacts.resolve_artifact(project, crate)
    artifacts.validate_required_features(project, crate, chosen)
    # Under a cache every state dir must name the same source paths (Cache.shared_dir).
    farms = cache.shared_dir if cache else state_dir
    chosen_toolchain = with_std_route(project, needed, chosen_toolchain, farms, request.network)
    pending = functools.partial(check, toolchain) if check_in_lane else None
    return Groundwork(
        project, staircase, chosen, chosen_toolchain, crate, state_dir, cache, pending
    )


def resolved(
    project: Project, chosen: toolchains.Resolution, network: Network
) -> tuple[toolchains.Resolution, cargo.Crate]:
    """The crate as the chosen toolchain's cargo reads it, after the run's one resolution of
    its Cargo.lock (with the user's --locked/--offline); from here on every cargo command
    builds --locked from that lock."""
    candidate = chosen.toolchain.candidate
    crate = cargo.read_crate(project, candidate.cargo, candidate.env)
    plain = candidates.with_cargo_flags(candidate, ())
    try:
        locked = resolution.resolve(crate, plain.cargo, plain.env, network)
    except ConfigError as error:
        raise project.source.error(("crate", "manifest"), str(error)) from error
    said = locked.line()
    building = toolchains.building(chosen, network)
    if said:
        building = dataclasses.replace(building, choice=(*building.choice, choice.Resolved(said)))
    return building, crate


def _fixture_makers(
    project: Project,
    crate: cargo.Crate,
    staircase: Sequence[Stage],
    toolchain: toolchains.Toolchain,
    state_dir: Path,
    made_in_run: Sequence[Stage] = (),
) -> tuple[Build, ...]:
    """For each fixture neither kept in the state dir nor made by a stage of `made_in_run`,
    the first host stage whose features can make it."""
    store = FixtureStore(statedir.Layout(state_dir).fixtures())
    makers: dict[str, Stage] = {}

    def can_make(stage: Stage, needs: Sequence[str]) -> bool:
        return set(needs) <= cargo.enabled_features(
            crate, default_features=stage.default_features, features=stage.features
        )

    for fixture in project.fixtures:
        if not fixture.runs_artifact or store.made_by(fixture) is not None:
            continue
        if any(can_make(stage, fixture.needs_features) for stage in made_in_run):
            continue
        for stage in staircase:
            if can_make(stage, fixture.needs_features):
                makers.setdefault(stage.name, stage)
                break
    return tuple(
        host_build(stage, project, crate, toolchain, state_dir) for stage in makers.values()
    )


def host_build(
    stage: Stage,
    project: Project,
    crate: cargo.Crate,
    toolchain: toolchains.Toolchain,
    state_dir: Path,
    skip: str | None = None,
    placement: Placement | None = None,
    lane: int = 0,
) -> Build:
    """A stage built for the host in `lane`, in its target dir (by default its kind's first)."""
    placement = placement or alone(stage)
    target_dir = statedir.Layout(state_dir).target(placement.target_dir())
    invocation = build_invocation(stage, crate, project.artifact, toolchain, target_dir)
    return Build(stage, None, crate, project.artifact, invocation, skip, lane=lane)


def _share_cores(builds: tuple[Build, ...], parallel: int) -> tuple[Build, ...]:
    """With lanes in parallel, each cargo gets its share of the cores (-j), not all of them."""
    if parallel <= 1:
        return builds
    jobs = str(max(1, (os.cpu_count() or 1) // parallel))
    return tuple(
        dataclasses.replace(
            b, invocation=dataclasses.replace(b.invocation, argv=(*b.invocation.argv, "-j", jobs))
        )
        for b in builds
    )
