"""Execution: run a plan's builds in lanes, one lane per target, each lane's stages in
order; the run document is saved after every build."""

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
from minbuild.build.plan import Build
from minbuild.build.planner import Options, Plan, prepare
from minbuild.build.stagerun import Context, StageRun, base_record, settings_key
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
