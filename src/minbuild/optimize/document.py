"""An optimize search as its versioned document: begun, then finished or interrupted."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from minbuild import __version__
from minbuild.engine.planner import Groundwork
from minbuild.optimize.search import Result
from minbuild.optimize.space import Assignment, Space
from minbuild.optimize.trials import Export, OptimizeRecord
from minbuild.runs import statedir
from minbuild.util import git


def begun(
    ground: Groundwork, space: Space, start: str, point: Assignment, threshold: float
) -> OptimizeRecord:
    """The document of a search about to start."""
    started = datetime.now(UTC)
    sequence = statedir.next_sequence(ground.state_dir)
    found = git.revision(ground.project.crate_dir)
    toolchain = ground.resolution.toolchain
    return OptimizeRecord(
        run_id=f"{started:%Y%m%dT%H%M%SZ}-{sequence:06d}",
        started=started.isoformat(timespec="seconds"),
        finished=None,
        complete=False,
        host=toolchain.host,
        crate={
            "name": ground.crate.name,
            "version": ground.crate.version,
            "manifest": str(ground.crate.manifest),
            "git_commit": found.commit if found else None,
            "git_dirty": found.dirty if found else None,
        },
        minbuild_version=__version__,
        toolchain=toolchain.record(),
        start=start,
        start_point=dict(point),
        space={
            s.name: (s.release, *(v for v in s.labels if v != s.release)) for s in space.settings
        },
        left_out=dict(space.left_out),
        fixed={s.name: point[s.name] for s in space.fixed},
        threshold_percent=threshold,
    )


def with_findings(record: OptimizeRecord, result: Result) -> OptimizeRecord:
    """`record` with what the search found so far."""
    return dataclasses.replace(
        record,
        excluded=dict(result.excluded),
        trials=tuple(result.trials.values()),
        steps=tuple(result.steps),
        references=dict(result.references),
        winner=result.winner,
        contributions=tuple(result.contributions),
        stopped=result.stopped,
    )


def finished(record: OptimizeRecord, result: Result, export: Export) -> OptimizeRecord:
    return dataclasses.replace(
        with_findings(record, result), export=export, finished=_now(), complete=True
    )


def interrupted(record: OptimizeRecord, result: Result) -> OptimizeRecord:
    return dataclasses.replace(
        with_findings(record, result),
        finished=_now(),
        interrupted=True,
        stopped="interrupted: start it again to resume (every finished trial is kept)",
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
