"""Merging: the run documents of a sharded run's jobs, one per share, made one run again, which
size-report, --check, baselines and history read like any other."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from minbuild.runs import records
from minbuild.runs.records import RunRecord, StageRecord
from minbuild.runs.reference import judged
from minbuild.util.errors import ConfigError

# What every shard of one run must agree on: a shard that differs was built from something
# else, and its sizes would not belong beside the others'.
AGREED: tuple[tuple[str, Callable[[RunRecord], object]], ...] = (
    ("crate", lambda run: (run.crate.get("name"), run.crate.get("version"))),
    ("crate commit", lambda run: run.crate.get("git_commit")),
    ("config hash", lambda run: run.config_hash),
    ("toolchain", lambda run: (run.toolchain.get("release"), run.toolchain.get("commit"))),
    ("host", lambda run: run.host),
    ("minbuild version", lambda run: run.minbuild_version),
)


@dataclass(frozen=True)
class ShardRun:
    """One shard's document, read."""

    source: str
    """Its path, to name it in an error."""
    run: RunRecord


def merge(shards: Sequence[ShardRun], now: datetime, sequence: int) -> RunRecord:
    """One run from every share of a sharded run: each shard's own builds (not the ones it
    made only for fixtures), back in staircase order. Shards that disagree on what they built
    from, a missing or repeated share, or a build two shards own are errors naming the files."""
    if not shards:
        raise ConfigError("merge: give the shards' run documents")
    ordered = _validated(shards)
    first = ordered[0].run
    stages: list[StageRecord] = []
    for shard in ordered:
        assert shard.run.shard is not None  # _validated: every document is a shard
        own = set(shard.run.shard.own)
        stages += [s for s in shard.run.stages if records.build_key(s, first.host) in own]
    starts = [shard.run.started for shard in ordered]
    ends = [shard.run.finished for shard in ordered]
    return dataclasses.replace(
        first,
        run_id=f"{now:%Y%m%dT%H%M%SZ}-{sequence:06d}",
        sequence=sequence,
        started=min(starts),
        finished=None if None in ends else max(e for e in ends if e),
        complete=all(shard.run.complete for shard in ordered),
        interrupted=any(shard.run.interrupted for shard in ordered),
        crate={
            **first.crate,
            "git_dirty": any(shard.run.crate.get("git_dirty") for shard in ordered),
        },
        stages=judged(sorted(stages, key=_order(ordered, first.host)), first.host),
        shard=None,
        merged_from=tuple(shard.run.run_id for shard in ordered),
    )


def _validated(shards: Sequence[ShardRun]) -> list[ShardRun]:
    """The shards in share order, once each checked: all of one run, all shares there."""
    for shard in shards:
        if shard.run.shard is None:
            raise ConfigError(
                "not a shard's run document (it was not run with --shard I/N)", file=shard.source
            )
    first = shards[0]
    for shard in shards[1:]:
        for what, value in AGREED:
            if value(shard.run) != value(first.run):
                raise ConfigError(
                    f"merge: {first.source} and {shard.source} are not shards of one run: "
                    f"{what} {value(first.run)!r} against {value(shard.run)!r}"
                )
    count = _count(shards)
    by_index: dict[int, ShardRun] = {}
    for shard in shards:
        index = _share(shard).index
        if index in by_index:
            raise ConfigError(
                f"merge: {by_index[index].source} and {shard.source} are both shard {index}/{count}"
            )
        by_index[index] = shard
    missing = [f"{n}/{count}" for n in range(1, count + 1) if n not in by_index]
    if missing:
        raise ConfigError(f"merge: shard {', '.join(missing)} missing (give every share's run)")
    owner: dict[str, ShardRun] = {}
    for index in sorted(by_index):
        shard = by_index[index]
        for key in _share(shard).own:
            if key in owner:
                raise ConfigError(
                    f"merge: {owner[key].source} and {shard.source} both built {key}: "
                    "shares of one run never overlap"
                )
            owner[key] = shard
    return [by_index[index] for index in sorted(by_index)]


def _share(shard: ShardRun) -> records.ShardRecord:
    assert shard.run.shard is not None
    return shard.run.shard


def _count(shards: Sequence[ShardRun]) -> int:
    counts = {_share(shard).count: shard.source for shard in shards}
    if len(counts) > 1:
        (a, first), (b, second) = list(counts.items())[:2]
        raise ConfigError(f"merge: {first} is a shard of {a}, {second} of {b}")
    return next(iter(counts))


def _order(shards: Sequence[ShardRun], host: str) -> Callable[[StageRecord], tuple[int, int]]:
    """Host builds first, then each foreign target's in the order the shards name them; each
    in staircase order."""
    names = list(_share(shards[0]).staircase)
    keys = [key for shard in shards for key in _share(shard).own]
    targets = ["", *dict.fromkeys(key.partition("@")[2] for key in keys)]

    def position(stage: StageRecord) -> tuple[int, int]:
        target = records.build_key(stage, host).partition("@")[2]
        return targets.index(target), (
            names.index(stage.name) if stage.name in names else len(names)
        )

    return position
