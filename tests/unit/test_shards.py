"""Shares of a sharded run (min-build --shard I/N), and merging the shards' documents."""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from minbuild.commands.vocabulary import parse_shard
from minbuild.engine.buildcost import WARM
from minbuild.engine.shards import host_shares, target_shares, workload
from minbuild.runs import records
from minbuild.runs.merge import ShardRun, merge
from minbuild.runs.records import RunRecord, ShardRecord
from minbuild.util.errors import ConfigError
from tests.unit.helpers import crate
from tests.unit.samples import sample_run
from tests.unit.test_lanes import STAIRCASE

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
NAMES = tuple(stage.name for stage in sample_run().stages)


def test_a_shard_is_i_of_n() -> None:
    assert parse_shard("2/3").label() == "2/3"
    for bad in ("0/3", "4/3", "3", "a/b", "1/0", "-1/2"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_shard(bad)


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_host_shares_cover_the_staircase_once_and_keep_sharing_stages_together(
    count: int,
) -> None:
    shares = host_shares(workload(crate(), STAIRCASE, 6), count)
    assert len(shares) == count
    assert sorted(name for share in shares for name in share) == sorted(s.name for s in STAIRCASE)
    where = {name: n for n, share in enumerate(shares) for name in share}
    assert where["release"] == where["no-default-features"] == where["disable-logging"]
    assert where["build-std"] == where["build-std-features"]
    order = [s.name for s in STAIRCASE]
    assert all(share == sorted(share, key=order.index) for share in shares)


def test_recorded_seconds_balance_the_shares() -> None:
    # build-std took almost everything: it gets a shard to itself and its kin
    measured = {s.name: 1.0 for s in STAIRCASE} | {"build-std": 100.0}
    shares = host_shares(workload(crate(), STAIRCASE, 6, costs=WARM, measured=measured), 2)
    alone = next(share for share in shares if "build-std" in share)
    assert set(alone) <= {"build-std", "build-std-features"}


def test_targets_are_shared_out_whole_by_their_cost() -> None:
    targets = ["a", "b", "c", "d"]
    assert target_shares(targets, 2) == [["a", "c"], ["b", "d"]]
    assert target_shares(targets, 2, {"a": 10.0, "b": 1.0, "c": 1.0, "d": 1.0}) == [
        ["a"],
        ["b", "c", "d"],
    ]
    assert target_shares(targets, 5)[4] == []


def shard(index: int, count: int, own: tuple[str, ...], made_for_fixtures: str = "") -> ShardRun:
    """A shard's document: its own stages of sample_run, and perhaps a fixture maker."""
    run = sample_run()
    kept = [s for s in run.stages if s.name in own or s.name == made_for_fixtures]
    return ShardRun(
        f"shard{index}.json",
        dataclasses.replace(
            run,
            run_id=f"20261127T11000{index}Z-00000{index}",
            stages=tuple(kept),
            shard=ShardRecord(index, count, own, NAMES),
        ),
    )


def test_merge_takes_each_shards_own_builds_back_in_staircase_order() -> None:
    shards = [
        shard(2, 3, ("opt-level-s", "build-std"), made_for_fixtures="debug"),
        shard(1, 3, ("debug", "release", "lto")),
        shard(3, 3, ("strip", "broken"), made_for_fixtures="debug"),
    ]
    merged = merge(shards, NOW, 7)
    assert [s.name for s in merged.stages] == list(NAMES)
    assert merged.stages == sample_run().stages  # the fixture makers' debug is shard 1's
    assert merged.run_id == "20261127T120000Z-000007" and merged.sequence == 7
    assert merged.merged_from == tuple(shards[n].run.run_id for n in (1, 0, 2))
    assert merged.shard is None and merged.complete
    again = records.from_json(records.to_json(merged), "merged.json")
    assert again == merged


def test_a_shards_document_round_trips_and_validates(tmp_path: Path) -> None:
    run = shard(1, 2, ("debug", "release")).run
    path = records.save(run, tmp_path)
    assert records.load(path) == run
    assert json.loads(path.read_text())["shard"]["own"] == ["debug", "release"]


@pytest.mark.parametrize(
    ("shards", "message"),
    [
        ([shard(1, 2, ("debug",))], "shard 2/2 missing"),
        ([shard(1, 2, ("debug",)), shard(1, 2, ("lto",))], "are both shard 1/2"),
        ([shard(1, 2, ("debug",)), shard(2, 3, ("lto",))], "is a shard of 2, shard2.json of 3"),
        ([shard(1, 2, ("debug",)), shard(2, 2, ("debug",))], "both built debug"),
    ],
)
def test_shares_that_do_not_make_one_run_are_refused(shards: list[ShardRun], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        merge(shards, NOW, 1)


def test_shards_of_different_runs_are_refused_naming_both() -> None:
    first, second = shard(1, 2, ("debug",)), shard(2, 2, ("lto",))
    changed = dataclasses.replace(second.run, config_hash="1" * 64)
    with pytest.raises(ConfigError) as caught:
        merge([first, ShardRun(second.source, changed)], NOW, 1)
    assert "shard1.json and shard2.json are not shards of one run: config hash" in str(caught.value)
    plain = ShardRun("plain.json", sample_run())
    with pytest.raises(ConfigError, match="not a shard's run document"):
        merge([plain], NOW, 1)


def test_merged_from_an_interrupted_shard_is_not_complete() -> None:
    first, second = shard(1, 2, ("debug",)), shard(2, 2, ("lto",))
    cut = dataclasses.replace(second.run, complete=False, interrupted=True, finished=None)
    merged = merge([first, ShardRun(second.source, cut)], NOW, 1)
    assert not merged.complete and merged.interrupted and merged.finished is None


def test_a_run_document_without_shard_keys_still_reads() -> None:
    old = json.loads(records.to_json(sample_run()))
    old["schema"] = "minbuild.run/3"
    del old["shard"], old["merged_from"]
    run: RunRecord = records.from_json(json.dumps(old), "old.json")
    assert run.shard is None and run.merged_from == ()
