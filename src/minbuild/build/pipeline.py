"""The build jobs: plan every build (a stage for a target), then run them in lanes, one lane
per target, each lane's stages in order; the run document is saved after every build."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from minbuild import __version__
from minbuild.build import artifacts, cargo, cross, sources, toolchains
from minbuild.build.plan import Build, build_invocation, feature_args
from minbuild.build.stagerun import Context, StageRun, base_record, settings_key
from minbuild.project import stages
from minbuild.project.config import Project, check_manifest, load_project
from minbuild.project.stages import Stage
from minbuild.sizes.records import RunRecord, StageRecord, save
from minbuild.testing.runner import FixtureStore
from minbuild.util import command, statedir
from minbuild.util.errors import ToolMissingError


@dataclass(frozen=True)
class Options:
    """What one min-build or cross-build invocation asks for."""

    config: Path
    """The project file."""
    stages: tuple[str, ...] = ()
    """--stage NAME (repeatable); empty means every stage (cross: the last one)."""
    first: str | None = None
    """--from NAME."""
    last: str | None = None
    """--to NAME."""
    toolchain: str | None = None
    """--toolchain: skip the automatic choice."""
    fail_fast: bool = False
    """Stop a lane at its first failed stage."""
    state_dir: Path = Path(".minbuild")
    """Where target dirs, artifacts, fixtures, logs and run documents live."""
    cross: bool = False
    """Build for foreign targets instead of the host."""
    targets: tuple[str, ...] = ()
    """--target TRIPLE (repeatable) for cross builds; empty means every target."""
    parallel: int = 1
    """Lanes (targets) built at once; cargo's -j is split between them."""
    all_stages: bool = False
    """Cross builds: every stage, not just the last one."""


class Reporter(Protocol):
    """Receives progress; the CLI prints it, library code never does."""

    def progress(self, position: int, total: int, stage: str, action: str) -> None: ...

    def finished(self, position: int, total: int, record: StageRecord) -> None: ...


class Silent:
    """A reporter that reports nothing (for scripts, benchmarks and tests)."""

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        pass

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        pass


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

    @property
    def toolchain(self) -> toolchains.Toolchain:
        return self.resolution.toolchain

    def lanes(self) -> list[list[Build]]:
        """The builds grouped by target, in plan order: a lane's stages build one by one."""
        lanes: dict[str | None, list[Build]] = {}
        for build in self.builds:
            lanes.setdefault(build.target.triple if build.target else None, []).append(build)
        return list(lanes.values())

    def config_hash(self) -> str:
        resolved = [dataclasses.asdict(stage) for stage in self.stages]
        targets = [build.target.triple for build in self.builds if build.target]
        text = json.dumps(
            [self.project.source.data, resolved, targets], sort_keys=True, default=sorted
        )
        return hashlib.sha256(text.encode()).hexdigest()


def prepare(options: Options) -> Plan:
    """Read the configuration, choose the toolchain, ask cargo, and write every command line."""
    project = load_project(options.config)
    check_manifest(project)
    staircase = stages.load_staircase(project)
    chosen = stages.select(staircase, options.stages, options.first, options.last)
    if options.cross and not (
        options.stages or options.first or options.last or options.all_stages
    ):
        chosen = chosen[-1:]  # the stage a team ships
    wanted = cross.needing_build_std(chosen) if options.cross else chosen
    state_dir = options.state_dir.resolve()
    resolution = toolchains.resolve(
        wanted, options.toolchain, crate_check(project, chosen[0], state_dir)
    )
    toolchain = resolution.toolchain
    crate = cargo.read_crate(project, toolchain.candidate.cargo, toolchain.candidate.env)
    cargo.check_features(project, chosen, crate)
    project = artifacts.resolve_artifact(project, crate)
    artifacts.check_required_features(project, crate, chosen)
    resolution = with_offline_source(project, wanted, resolution, state_dir)
    toolchain = resolution.toolchain
    if options.cross:
        builds = cross.builds(project, crate, chosen, resolution, options.targets, state_dir)
    else:
        builds = tuple(
            host_build(
                stage, project, crate, toolchain, state_dir, resolution.skipped.get(stage.name)
            )
            for stage in chosen
        )
    parallel = max(1, min(options.parallel, len({b.target for b in builds})))
    prelude = (
        _fixture_makers(project, crate, staircase, toolchain, state_dir) if options.cross else ()
    )
    return Plan(
        project,
        crate,
        chosen,
        resolution,
        _share_cores(builds, parallel),
        state_dir,
        parallel,
        prelude,
    )


def crate_check(project: Project, stage: Stage, state_dir: Path) -> toolchains.BuildCheck:
    """`cargo check` of the project's package with `stage`'s features, for choosing the
    toolchain (cargo's own freshness makes it cheap after the first run)."""

    def check(toolchain: toolchains.Toolchain) -> str | None:
        candidate = toolchain.candidate
        return cargo.check_builds(
            project,
            candidate.cargo,
            candidate.env,
            state_dir / "target",
            feature_args(stage),
            stage.rustflags,
            statedir.inside(state_dir, "logs", "toolchain-check", f"{candidate.name}.log"),
        )

    return check


def with_offline_source(
    project: Project,
    stages: Sequence[Stage],
    resolution: toolchains.Resolution,
    state_dir: Path,
) -> toolchains.Resolution:
    """Offline build-std replaces crates.io with std's vendored copy; when the crate has
    crates.io dependencies of its own, build-std gets one source that holds both instead, or
    its stages are skipped with the reason (two different copies of one package)."""
    toolchain = resolution.toolchain
    std_stages = [
        s.name for s in stages if "build-std" in s.needs and s.name not in resolution.skipped
    ]
    if toolchain.vendor is None or not std_stages:
        return resolution
    candidate = toolchain.candidate
    farm = sources.offline_source(
        project.manifest, candidate.cargo, candidate.env, toolchain.vendor, state_dir
    )
    if farm.path is None:
        problem = f"{farm.problem}; build-std cannot run offline"
        return dataclasses.replace(
            resolution, skipped={**resolution.skipped, **dict.fromkeys(std_stages, problem)}
        )
    note = (
        (
            f"build-std: std's and {farm.packages} crates.io dependencies of the crate from one "
            f"offline source, {farm.path}",
        )
        if farm.packages
        else ()
    )
    return dataclasses.replace(
        resolution,
        toolchain=dataclasses.replace(toolchain, vendor=farm.path),
        choice=(*resolution.choice, *note),
    )


def _fixture_makers(
    project: Project,
    crate: cargo.Crate,
    staircase: Sequence[Stage],
    toolchain: toolchains.Toolchain,
    state_dir: Path,
) -> tuple[Build, ...]:
    """For each missing fixture, the first host stage whose features can make it."""
    store = FixtureStore(statedir.inside(state_dir, "fixtures"))
    makers: dict[str, Stage] = {}
    for fixture in project.fixtures:
        if store.made_by(fixture.name) is not None:
            continue
        for stage in staircase:
            features = cargo.enabled_features(crate, stage.default_features, stage.features)
            if set(fixture.needs_features) <= features:
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
) -> Build:
    """A stage built for the host, in the shared target dir every host stage uses."""
    invocation = build_invocation(stage, crate, project.artifact, toolchain, state_dir / "target")
    return Build(stage, None, crate, project.artifact, invocation, skip)


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


def min_build(options: Options, reporter: Reporter) -> tuple[RunRecord, Path]:
    """Plan, then build, measure and test every build; see `execute`."""
    return execute(prepare(options), options.fail_fast, reporter)


def execute(plan: Plan, fail_fast: bool, reporter: Reporter) -> tuple[RunRecord, Path]:
    """Run every lane (in parallel if the plan says so), saving the run after each build."""
    runs_dir = plan.state_dir / "runs"
    run = _new_run(plan)
    path = save(run, runs_dir)
    context = Context(plan.project, plan.toolchain, plan.state_dir, run.run_id)
    everything = (*plan.prelude, *plan.builds)
    positions = {id(build): n for n, build in enumerate(everything, start=1)}
    lock, stop = threading.Lock(), threading.Event()
    done: dict[int, StageRecord] = {}

    def lane(builds: Sequence[Build]) -> None:
        for build, record in _lane_records(context, builds, fail_fast, reporter, positions):
            if stop.is_set():
                return  # interrupted: a killed build is not a failed one
            with lock:
                done[positions[id(build)]] = record
                save(dataclasses.replace(run, stages=_ordered(done)), runs_dir)
                reporter.finished(positions[id(build)], len(everything), record)

    try:
        with ThreadPoolExecutor(max_workers=plan.parallel) as pool:
            pool.submit(lane, plan.prelude).result()  # fixtures first: the lanes' tests use them
            futures = [pool.submit(lane, builds) for builds in plan.lanes()]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                stop.set()
                command.kill_all()  # lanes still building, in this and other threads
                raise
    except BaseException:
        save(
            dataclasses.replace(run, stages=_ordered(done), interrupted=True, finished=_now()),
            runs_dir,
        )
        raise
    run = dataclasses.replace(run, stages=_ordered(done), finished=_now(), complete=True)
    save(run, runs_dir)
    return run, path


def _ordered(done: dict[int, StageRecord]) -> tuple[StageRecord, ...]:
    return tuple(done[position] for position in sorted(done))


def _lane_records(
    context: Context,
    builds: Sequence[Build],
    fail_fast: bool,
    reporter: Reporter,
    positions: dict[int, int],
) -> Iterator[tuple[Build, StageRecord]]:
    failed_at: str | None = None
    previous: tuple[str, str] | None = None  # (settings key, stage name)
    for build in builds:
        base = base_record(context, build)
        key = settings_key(build, base)
        if previous and previous[0] == key:
            base = dataclasses.replace(base, same_settings_as=previous[1])
        previous = (key, build.stage.name)
        if failed_at is not None:
            record = dataclasses.replace(
                base, status="skipped", reason=f"not run: --fail-fast and {failed_at} failed"
            )
        elif build.skip:
            record = dataclasses.replace(base, status="skipped", reason=build.skip)
        else:
            progress = functools.partial(
                reporter.progress, positions[id(build)], len(positions), build.label
            )
            record = StageRun(context, build, base).run(progress)
        if record.status == "failed" and fail_fast:
            failed_at = build.stage.name
        yield build, record


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_run(plan: Plan) -> RunRecord:
    started = datetime.now(UTC)
    toolchain = plan.toolchain
    sequence = statedir.next_sequence(plan.state_dir)
    return RunRecord(
        run_id=f"{started:%Y%m%dT%H%M%SZ}-{sequence:06d}",
        sequence=sequence,
        started=started.isoformat(timespec="seconds"),
        finished=None,
        complete=False,
        host=toolchain.host,
        crate=_crate_facts(plan),
        minbuild_version=__version__,
        config_hash=plan.config_hash(),
        config=str(plan.project.path.resolve()),
        toolchain={
            "name": toolchain.candidate.name,
            "release": toolchain.release,
            "commit": toolchain.commit,
        },
        toolchain_choice=plan.resolution.choice,
    )


def _crate_facts(plan: Plan) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "name": plan.crate.name,
        "version": plan.crate.version,
        "manifest": str(plan.crate.manifest),
        "git_commit": None,
        "git_dirty": None,
    }
    git = ["git", "-C", str(plan.project.crate_dir)]
    try:
        head = command.run([*git, "rev-parse", "HEAD"], check=False)
        if head.returncode == 0:
            dirty = command.run([*git, "status", "--porcelain", "--", "."], check=False)
            facts.update(git_commit=head.stdout.strip(), git_dirty=bool(dirty.stdout.strip()))
    except ToolMissingError:  # git is optional: no commit recorded
        pass
    return facts


def describe_plan(plan: Plan) -> str:
    """Per build, the line a person can paste into a shell to make it (or why it is skipped)."""
    toolchain = plan.toolchain
    lines = [
        f"# toolchain: {toolchain.label}, commit {toolchain.commit[:12]}; "
        f"run from {plan.project.crate_dir}",
        *(f"#   {line}" for line in plan.resolution.choice),
        "",
    ]
    for build in plan.builds:
        lines.append(f"# {build.stage.index} {build.label}: {build.stage.description}")
        lines.append(f"# skipped: {build.skip}" if build.skip else build.invocation.shell())
        if build.runner and not build.skip:
            lines.append(f"# its tests run under: {' '.join(build.runner)}")
        lines.append("")
    return "\n".join(lines)
