"""The demo's staircase split over three shards, as three CI runners build it: a state dir
each, one compile cache they share (sccache in a redis-server of the test's own), merged into
one run. The merged run holds the same artifacts, byte for byte, as one machine's run, and the
shards' std and dependency units come out of the shared cache."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.merge import Options as MergeOptions
from minbuild.commands.merge import merge_files
from minbuild.commands.size_report import Options as ReportOptions
from minbuild.engine.shards import Shard
from minbuild.runs import records
from minbuild.runs.progress import Silent
from minbuild.runs.records import RunRecord
from tests.conftest import REPO, min_build
from tests.unit.helpers import size_report

DEMO = REPO / "config" / "demo.yaml"
SHARDS = 3


@dataclass(frozen=True)
class Runs:
    single: RunRecord
    shards: list[RunRecord]
    merged: RunRecord
    merged_state: Path


def build(state: Path, redis: str, cache_dir: Path, shard: Shard | None = None) -> RunRecord:
    options = BuildOptions(
        config=DEMO,
        state_dir=state,
        parallel=2,
        cache="sccache",
        cache_dir=cache_dir,
        cache_redis=redis,
        shard=shard,
    )
    return min_build(options, Silent())[0]


@pytest.fixture(scope="module")
def runs(buildstd: None, redis: str, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """One machine's run first (it fills the shared cache, as the last CI run did), then the
    three shards, each in a fresh state dir, then the merge (the documents in any order)."""
    root = tmp_path_factory.mktemp("shards")
    cache_dir = root / "sccache"  # only build-std's offline source lives here: units are in Redis
    single = build(root / "single", redis, cache_dir)
    shards = [build(root / f"shard{n}", redis, cache_dir, Shard(n, SHARDS)) for n in (1, 2, 3)]
    paths = [records.latest(root / f"shard{n}" / "runs") for n in (3, 1, 2)]
    merged, _ = merge_files(MergeOptions(runs=tuple(paths), state_dir=root / "merged"))
    return Runs(single, shards, merged, root / "merged")


def test_the_merged_run_holds_one_machines_artifacts_byte_for_byte(runs: Runs) -> None:
    assert [s.name for s in runs.merged.stages] == [s.name for s in runs.single.stages]
    for merged, single in zip(runs.merged.stages, runs.single.stages, strict=True):
        assert merged.status == single.status == "ok", (merged.name, merged.reason)
        # What the tests found, the one expected failure (panic-immediate-abort) included.
        assert (merged.tests_passed, merged.tests_run) == (single.tests_passed, single.tests_run)
        assert merged.tests_passed + merged.tests_excused == merged.tests_run, merged.name
        assert (merged.size_bytes, merged.sha256) == (single.size_bytes, single.sha256), merged.name
    assert runs.merged.complete and len(runs.merged.merged_from) == SHARDS


def test_each_shard_built_its_share_and_what_its_tests_needed(runs: Runs) -> None:
    owned = [set(run.shard.own) for run in runs.shards if run.shard]
    assert all(owned) and sum(map(len, owned)) == len(runs.single.stages)
    for run, own in zip(runs.shards, owned, strict=True):
        makers = {s.name for s in run.stages} - own
        assert makers <= {"debug"}, makers  # the first stage with the assembler makes fixtures


def test_the_shards_std_and_dependency_units_come_from_the_shared_cache(runs: Runs) -> None:
    compiled = 0
    for stage in runs.merged.stages:
        assert stage.cache is not None and stage.cache.misses == 0, (stage.name, stage.cache)
        if stage.units_built:  # strip-debuginfo only relinks: nothing to ask the cache
            compiled += 1
            # all of std again (core, alloc, std...) for build-std and panic=immediate-abort
            whole_std = stage.name in ("build-std", "panic-immediate-abort")
            assert stage.cache.hits >= (15 if whole_std else 1), (stage.name, stage.cache)
    assert compiled >= len(runs.merged.stages) - 1
    assert "SCCACHE_REDIS_ENDPOINT" in runs.merged.stages[0].env


def test_size_report_gates_the_merged_run_and_lets_a_label_through(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    config = tmp_path / "demo.yaml"
    text = DEMO.read_text().replace("../demo/", f"{REPO}/demo/")
    config.write_text(text.replace("max_size: 128 KiB", "max_size: 64 KiB"))
    monkeypatch.delenv("MINBUILD_ALLOW_GROWTH", raising=False)
    options = ReportOptions(state_dir=runs.merged_state, check=True, config=config)
    broken = size_report(options)
    assert broken.exit_code == 1 and "panic-immediate-abort" in broken.text
    monkeypatch.setenv("MINBUILD_ALLOW_GROWTH", "label size-growth-ok")
    allowed = size_report(options)
    assert allowed.exit_code == 0
    assert "allowed by MINBUILD_ALLOW_GROWTH=label size-growth-ok" in allowed.text
    assert (runs.merged_state / "checks" / f"{runs.merged.run_id}.json").is_file()
