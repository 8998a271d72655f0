"""Execution: run a plan's builds in lanes (groups of host stages, or foreign targets), each
lane's builds in order and the lanes at once; the run document is saved after every build."""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from minbuild import __version__
from minbuild.engine.fixturegate import FixtureGate, waiting_line
from minbuild.engine.invocations import Build
from minbuild.engine.planner import Plan, planned
from minbuild.engine.request import BuildRequest
from minbuild.engine.stagerun import (
    Built,
    Context,
    StageRun,
    base_record,
    fixtures_made_by,
)
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.runs.records import RunRecord, ShardRecord, StageRecord, save
from minbuild.runs.reference import judged
from minbuild.rust import choice, toolchains, unitprogress
from minbuild.rust.cache import CacheServer
from minbuild.util import command, git, waits


def execute_or_choose_again(
    plan: Plan, request: BuildRequest, reporter: Reporter
) -> tuple[RunRecord, Path]:
    """`execute` the plan of `request`; when its toolchain turns out not to build the crate,
    plan again with a toolchain whose check passed before any build (rare: an old crate that
    a new nightly rejects) and execute that."""
    try:
        return execute(plan, fail_fast=request.fail_fast, reporter=reporter)
    except _ToolchainRejected as rejected:
        reporter.restarting(f"{rejected.finding.line()}; choosing the toolchain again")
    return execute(planned(request, reporter), fail_fast=request.fail_fast, reporter=reporter)


class _ToolchainRejected(Exception):
    """A signal that never leaves this module: the toolchain chosen before its check of the
    crate ran (the first build stands for the check, and the lanes start at once) failed it,
    so the lanes stop and the run must choose again, checking first."""

    def __init__(self, finding: choice.CannotBuild) -> None:
        super().__init__(finding.line())
        self.finding = finding


def execute(
    plan: Plan, *, fail_fast: bool, reporter: Reporter, runs_dir: Path | None = None
) -> tuple[RunRecord, Path]:
    """Run every lane (in parallel if the plan says so), saving the run after each build
    (in `runs_dir`, by default the state dir's `runs`, which size-report reads).
    With a pending check of the plan's toolchain, the first lane's first build stands for it:
    if that build fails, the check runs; if the check fails too, the lanes stop, the run
    document is removed and the caller (`execute_or_choose_again`) chooses again."""
    runs_dir = runs_dir or statedir.Layout(plan.state_dir).runs()
    run = _new_run(plan)
    # before this run's document is the newest
    wanted = [build.key for build in (*plan.prelude, *plan.builds) if not build.skip]
    expected = unitprogress.last_run(runs_dir, wanted)
    path = save(run, runs_dir)
    execution = _Execution(
        plan, run.run_id, fail_fast=fail_fast, reporter=reporter, expected=expected
    )
    lock, stop = threading.Lock(), execution.stop
    done: dict[int, StageRecord] = {}

    def confirm(check: Callable[[], str | None], first: Built | None) -> None:
        """The toolchain builds the crate: a build made its artifact, or else the check."""
        nonlocal run
        if first is not None and first.artifact is not None:
            evidence = choice.Evidence(built_stage=first.record.name)
        else:
            problem = check()
            if problem is not None:
                raise _ToolchainRejected(choice.CannotBuild(plan.toolchain.label, problem))
            evidence = choice.CHECKED
        with lock:
            lines = choice.lines(toolchains.proved(plan.resolution, evidence).choice)
            run = dataclasses.replace(run, toolchain_choice=lines)
            if not stop.is_set():
                save(dataclasses.replace(run, stages=_ordered(done, run.host)), runs_dir)

    def finished(build: Build, record: StageRecord) -> None:
        if stop.is_set():
            return  # interrupted: a killed build is not a failed one
        with lock:
            done[execution.position(build)] = record
            save(dataclasses.replace(run, stages=_ordered(done, run.host)), runs_dir)
            reporter.finished(execution.position(build), execution.total, record)

    def lane(builds: Sequence[Build], check: Callable[[], str | None] | None = None) -> None:
        server = plan.cache.server() if plan.cache and builds else None
        first_built = functools.partial(confirm, check) if check else None
        try:
            if first_built is not None and not builds:
                first_built(None)
            execution.run_lane(builds, server, finished, first_built)
        finally:
            if server is not None:
                server.stop()

    try:
        with execution.testers, ThreadPoolExecutor(max_workers=plan.parallel) as pool:
            waits.result(pool.submit(lane, plan.prelude))  # fixtures first: lanes test with them
            first, *others = plan.lanes() or [[]]
            futures = [pool.submit(lane, first, plan.pending_check)]
            futures += [pool.submit(lane, builds) for builds in others]
            try:
                for future in futures:
                    waits.result(future)  # a signal taken by a lane's thread must stop it
            except BaseException:
                execution.interrupt()
                command.kill_all()  # lanes still building, in this and other threads
                raise
    except _ToolchainRejected:
        path.unlink(missing_ok=True)  # not a run of this plan: the caller plans again
        raise
    except BaseException:
        save(
            dataclasses.replace(
                run, stages=_ordered(done, run.host), interrupted=True, finished=_now()
            ),
            runs_dir,
        )
        raise
    finally:
        command.resume()  # every lane has ended: choosing again (or a caller) may start more
    run = dataclasses.replace(run, stages=_ordered(done, run.host), finished=_now(), complete=True)
    save(run, runs_dir)
    return run, path


def _ordered(done: dict[int, StageRecord], host: str) -> tuple[StageRecord, ...]:
    """The stages in staircase order, each judged against the reference stage."""
    return judged([done[position] for position in sorted(done)], host)


class _Execution:
    """What the lanes of one run share: positions, which builds make fixtures (a build's tests
    wait for the earlier builds of its target that make one), and --fail-fast."""

    def __init__(
        self,
        plan: Plan,
        run_id: str,
        *,
        fail_fast: bool,
        reporter: Reporter,
        expected: Mapping[str, unitprogress.Expected],
    ) -> None:
        self.context = Context(
            plan.project, plan.toolchain, plan.state_dir, run_id, expected=expected
        )
        self.fail_fast, self.reporter = fail_fast, reporter
        everything = (*plan.prelude, *plan.builds)
        self.positions = {id(build): n for n, build in enumerate(everything, start=1)}
        self.total = len(everything)
        self.fixtures = FixtureGate(everything, lambda b: bool(fixtures_made_by(plan.project, b)))
        self.failed_at: dict[str | None, str] = {}  # target (None: host) -> first failed stage
        self.bases = self._base_records(everything)
        self.stop = threading.Event()
        self.testers = ThreadPoolExecutor(max_workers=plan.parallel, thread_name_prefix="tests")
        self.tester_count = plan.parallel
        self.testing = 0  # stages handed to the testers whose tests have not ended
        self.testing_lock = threading.Lock()

    def _base_records(self, builds: Sequence[Build]) -> dict[int, StageRecord]:
        """Each build's record before it runs; one with the settings of the build before it
        (for the same target, in plan order, whatever lane built that) says so."""
        bases: dict[int, StageRecord] = {}
        previous: dict[str | None, tuple[str, str]] = {}  # target -> (settings key, stage)
        for build in builds:
            base = base_record(self.context, build)
            key, triple = settings_key(build, base), build.target.triple if build.target else None
            if triple in previous and previous[triple][0] == key:
                base = dataclasses.replace(base, same_settings_as=previous[triple][1])
            previous[triple] = (key, build.stage.name)
            bases[id(build)] = base
        return bases

    def position(self, build: Build) -> int:
        return self.positions[id(build)]

    def run_lane(
        self,
        builds: Sequence[Build],
        server: CacheServer | None,
        finished: Callable[[Build, StageRecord], None],
        first_built: Callable[[Built | None], None] | None = None,
    ) -> None:
        """Each build of one lane in order, `finished` with each record; `first_built` told of
        the first build before its tests (no artifact: it failed, or was skipped). A build's
        tests run while the lane builds the next one, in the testers every lane shares (a
        re-run is mostly tests, and one lane may hold most stages); --fail-fast waits for
        them, since a failed test must stop the next build."""
        # One thread per lane waits for a build's fixtures, in the lane's order, and only then
        # hands its tests over: a tester never waits, so the testers cannot all be stuck.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fixtures") as waiter:
            pending: list[Future[Future[None]]] = []
            for build in builds:
                if self.stop.is_set():
                    break
                try:
                    started = self._build(build, server)
                    if first_built is not None and not pending:
                        first_built(started[1])
                except BaseException:
                    self.fixtures.done(build)
                    raise
                if started[0] is not None and started[1].artifact is not None:
                    # said here, at once: the lane's waiter may still be busy with an earlier
                    # build's wait, and meanwhile this line would go on saying `measuring`
                    maker = self.fixtures.waiting_on(build)
                    if maker is not None:
                        self._progress(build)(waiting_line(maker))
                pending.append(waiter.submit(self._hand_over, build, *started, finished))
                if self.fail_fast:
                    pending[-1].result().result()
            for future in pending:
                future.result().result()

    def _hand_over(
        self,
        build: Build,
        stage_run: StageRun | None,
        built: Built,
        finished: Callable[[Build, StageRecord], None],
    ) -> Future[None]:
        """Once the fixtures `build`'s tests use are made, its tests to the testers. A stage
        that waits says so: its line would go on showing its last unit built meanwhile, for
        as long as another stage's tests run (minutes, on a large suite)."""
        if stage_run is not None and built.artifact is not None:
            try:
                self.fixtures.wait(build, self._progress(build))
            except BaseException:
                self.fixtures.done(build)
                raise
        with self.testing_lock:
            busy = self.testing >= self.tester_count
            self.testing += 1
        if busy and stage_run is not None and built.artifact is not None:
            self._progress(build)("testing · waiting for other stages' tests to finish")
        return self.testers.submit(self._test, build, stage_run, built, finished)

    def _build(self, build: Build, server: CacheServer | None) -> tuple[StageRun | None, Built]:
        """The build half of a stage, or its final record when it is not to run."""
        base = self.bases[id(build)]
        failed_at = self.failed_at.get(build.target.triple if build.target else None)
        if failed_at is not None and self.fail_fast:
            reason = f"not run: --fail-fast and {failed_at} failed"
            return None, Built(dataclasses.replace(base, status="skipped", reason=reason))
        if build.skip:
            return None, Built(dataclasses.replace(base, status="skipped", reason=build.skip))
        stage_run = StageRun(self.context, build, base, server)
        return stage_run, stage_run.build_only(self._progress(build))

    def _test(
        self,
        build: Build,
        stage_run: StageRun | None,
        built: Built,
        finished: Callable[[Build, StageRecord], None],
    ) -> None:
        """The test half of a stage (in a tester: its fixtures are made), then `finished`."""
        try:
            record = built.record
            if stage_run is not None:
                record = stage_run.test(built, self._progress(build))
            if record.status == "failed":
                triple = build.target.triple if build.target else None
                self.failed_at.setdefault(triple, build.stage.name)
            finished(build, record)
        except BaseException:
            self.stop.set()  # whatever went wrong here ends the run: no lane builds on
            raise
        finally:
            with self.testing_lock:
                self.testing -= 1
            self.fixtures.done(build)

    def _progress(self, build: Build) -> Callable[[str], None]:
        return functools.partial(
            self.reporter.progress, self.position(build), self.total, build.label
        )

    def interrupt(self) -> None:
        """Interrupted: no lane starts another build, and nothing that waits for a fixture
        may wait forever."""
        self.stop.set()
        self.testers.shutdown(wait=False, cancel_futures=True)
        self.fixtures.open_all()


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
        toolchain=toolchain.record(),
        toolchain_choice=choice.lines(plan.resolution.choice),
        shard=ShardRecord(
            plan.shard.index,
            plan.shard.count,
            tuple(build.key for build in plan.builds),
            tuple(stage.name for stage in plan.staircase),
        )
        if plan.shard
        else None,
    )


def _crate_facts(plan: Plan) -> dict[str, Any]:
    found = git.revision(plan.project.crate_dir)
    return {
        "name": plan.crate.name,
        "version": plan.crate.version,
        "manifest": str(plan.crate.manifest),
        "git_commit": found.commit if found else None,
        "git_dirty": found.dirty if found else None,
    }


def settings_key(build: Build, record: StageRecord) -> str:
    """Everything that shapes a build's artifact except its stage's name (to spot no-ops)."""
    stage = build.stage
    return json.dumps(
        [
            record.effective_profile,
            record.features,
            # `dep/feature` names (log/max_level_off) change a dependency, not the crate's set.
            sorted(f for f in stage.features if "/" in f),
            record.target,
            stage.rustflags,
            stage.build_std,
            stage.build_std_features,
            stage.cargo_unstable,
        ],
        sort_keys=True,
    )
