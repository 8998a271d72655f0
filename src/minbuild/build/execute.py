"""Execution: run a plan's builds in lanes (groups of host stages, or foreign targets), each
lane's builds in order and the lanes at once; the run document is saved after every build."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from minbuild import __version__
from minbuild.build.cache import CacheServer
from minbuild.build.plan import Build
from minbuild.build.planner import Options, Plan, prepare
from minbuild.build.stagerun import (
    Context,
    StageRun,
    base_record,
    fixtures_made_by,
    settings_key,
)
from minbuild.sizes.records import RunRecord, StageRecord, save
from minbuild.util import command, git, statedir


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


def min_build(options: Options, reporter: Reporter) -> tuple[RunRecord, Path]:
    """Plan, then build, measure and test every build; see `execute`."""
    return execute(prepare(options), options.fail_fast, reporter)


def execute(plan: Plan, fail_fast: bool, reporter: Reporter) -> tuple[RunRecord, Path]:
    """Run every lane (in parallel if the plan says so), saving the run after each build."""
    runs_dir = plan.state_dir / "runs"
    run = _new_run(plan)
    path = save(run, runs_dir)
    execution = _Execution(plan, run.run_id, fail_fast, reporter)
    lock, stop = threading.Lock(), threading.Event()
    done: dict[int, StageRecord] = {}

    def lane(builds: Sequence[Build]) -> None:
        server = plan.cache.server() if plan.cache and builds else None
        try:
            for build, record in execution.records(builds, server):
                if stop.is_set():
                    return  # interrupted: a killed build is not a failed one
                with lock:
                    done[execution.position(build)] = record
                    save(dataclasses.replace(run, stages=_ordered(done)), runs_dir)
                    reporter.finished(execution.position(build), execution.total, record)
        finally:
            if server is not None:
                server.stop()

    try:
        with ThreadPoolExecutor(max_workers=plan.parallel) as pool:
            pool.submit(lane, plan.prelude).result()  # fixtures first: the lanes' tests use them
            futures = [pool.submit(lane, builds) for builds in plan.lanes()]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                stop.set()
                execution.release_waiters()
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


class _Execution:
    """What the lanes of one run share: positions, which builds make fixtures (a build's tests
    wait for the earlier builds of its target that make one), and --fail-fast."""

    def __init__(self, plan: Plan, run_id: str, fail_fast: bool, reporter: Reporter) -> None:
        self.context = Context(plan.project, plan.toolchain, plan.state_dir, run_id)
        self.fail_fast, self.reporter = fail_fast, reporter
        everything = (*plan.prelude, *plan.builds)
        self.positions = {id(build): n for n, build in enumerate(everything, start=1)}
        self.total = len(everything)
        self.made = {
            id(build): threading.Event()
            for build in everything
            if fixtures_made_by(plan.project, build)
        }
        self.makers = [build for build in everything if id(build) in self.made]
        self.failed_at: dict[str | None, str] = {}  # target (None: host) -> first failed stage
        self.bases = self._base_records(everything)

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

    def records(
        self, builds: Sequence[Build], server: CacheServer | None
    ) -> Iterator[tuple[Build, StageRecord]]:
        """Each build of one lane, in order, and its record."""
        for build in builds:
            try:
                record = self._record(build, self.bases[id(build)], server)
            finally:
                if id(build) in self.made:
                    self.made[id(build)].set()
            yield build, record

    def _record(self, build: Build, base: StageRecord, server: CacheServer | None) -> StageRecord:
        triple = build.target.triple if build.target else None
        failed_at = self.failed_at.get(triple)
        if failed_at is not None and self.fail_fast:
            return dataclasses.replace(
                base, status="skipped", reason=f"not run: --fail-fast and {failed_at} failed"
            )
        if build.skip:
            return dataclasses.replace(base, status="skipped", reason=build.skip)
        progress = functools.partial(
            self.reporter.progress, self.position(build), self.total, build.label
        )
        record = StageRun(self.context, build, base, server).run(
            progress, functools.partial(self._fixtures_ready, build)
        )
        if record.status == "failed":
            self.failed_at.setdefault(triple, build.stage.name)
        return record

    def _fixtures_ready(self, build: Build) -> None:
        """Wait until every earlier build of this target that makes fixtures is done."""
        for maker in self.makers:
            if self.position(maker) < self.position(build) and maker.target == build.target:
                self.made[id(maker)].wait()

    def release_waiters(self) -> None:
        """Interrupted: nothing that waits for a fixture may wait forever."""
        for event in self.made.values():
            event.set()


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
        toolchain_choice=plan.resolution.choice,
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
