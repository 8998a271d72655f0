"""Which lane builds each host stage, and how a run's overlap and cache counts are read."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from minbuild.engine.lanes import COLD, WARM, Costs, Placement, Workload, host_lanes
from minbuild.project.config import load_project
from minbuild.project.stages import Stage, load_staircase
from minbuild.report import table
from minbuild.runs.records import CacheRecord, RunRecord
from minbuild.runs.rows import overlap
from minbuild.rust.cache import Cache, parse_stats
from minbuild.rust.profiles import effective_profile
from tests.conftest import REPO
from tests.unit.helpers import crate
from tests.unit.samples import sample_run

STAIRCASE = tuple(load_staircase(load_project(REPO / "config" / "demo.yaml")))
BUILD_STD = {"build-std", "build-std-features", "panic-immediate-abort"}
DEMO_PACKAGES = 6
HEXYL_PROFILES = {"release": {"lto": True, "codegen-units": 1}}


def placements(
    lanes: int,
    skipped: Collection[str] = (),
    profiles: dict[str, Any] | None = None,
    staircase: Sequence[Stage] = STAIRCASE,
    packages: int = DEMO_PACKAGES,
    costs: Costs = COLD,
) -> dict[str, Placement]:
    demo = crate(profiles)
    effective = {s.name: effective_profile(demo, s) for s in staircase}
    work = Workload(tuple(staircase), effective, packages, skipped=skipped, costs=costs)
    return dict(host_lanes(work, lanes))


def lanes_for(lanes: int, *args: Any, **kwargs: Any) -> dict[str, int]:
    return {name: p.lane for name, p in placements(lanes, *args, **kwargs).items()}


def lanes_of(chosen: dict[str, int]) -> list[set[str]]:
    return [
        {name for name, lane in chosen.items() if lane == n} for n in sorted(set(chosen.values()))
    ]


def test_one_lane_builds_everything_in_lane_0() -> None:
    assert set(lanes_for(1).values()) == {0}


def test_stages_that_share_units_share_a_lane() -> None:
    chosen = lanes_for(2)
    assert chosen["debug"] == 0  # the first stage's lane keeps the one-lane target dir
    # a feature change rebuilds only the crate; strip changes only the link
    assert chosen["release"] == chosen["no-default-features"] == chosen["disable-logging"]
    assert chosen["codegen-units-1"] == chosen["strip-debuginfo"]
    # std's own features recompile std but not core
    assert chosen["build-std"] == chosen["build-std-features"]


def test_the_std_builds_that_share_nothing_are_split_between_the_lanes() -> None:
    # panic=immediate-abort is a new profile: all of std again, so it balances build-std's lane
    chosen = lanes_for(2)
    assert chosen["panic-immediate-abort"] != chosen["build-std"]
    assert len(lanes_of(chosen)) == 2


def test_a_crate_profile_that_already_sets_a_stage_keeps_the_stages_together() -> None:
    # hexyl's own [profile.release] sets lto and codegen-units=1, so those stages build nothing new
    chosen = lanes_for(2, profiles={"release": {"lto": True, "codegen-units": 1}})
    assert chosen["panic-abort"] == chosen["lto"] == chosen["codegen-units-1"]


def test_a_core_feature_makes_std_a_build_of_its_own() -> None:
    first, second = (s for s in STAIRCASE if s.name in ("build-std", "build-std-features"))
    core = dataclasses.replace(second, build_std_features=("panic_immediate_abort",))
    only_std = dataclasses.replace(second, build_std_features=("compiler-builtins-mem",))
    assert len(set(lanes_for(2, staircase=(first, core)).values())) == 2
    assert len(set(lanes_for(2, staircase=(first, only_std)).values())) == 1


def test_with_build_std_skipped_the_other_stages_are_shared_out() -> None:
    chosen = lanes_for(2, BUILD_STD)
    assert all(lane - BUILD_STD for lane in lanes_of(chosen))
    assert chosen["lto"] == chosen["codegen-units-1"] == chosen["strip-debuginfo"] == 1


def test_a_crate_with_a_large_graph_keeps_its_kinds_of_build_apart() -> None:
    # hexyl-sized: every other target dir compiles the host's build scripts again, and std's
    # builds weigh less next to the crate's own: build-std stages in one lane, the rest in the
    # other (the demo, five packages, splits them: see the test above)
    chosen = lanes_for(2, profiles=HEXYL_PROFILES, packages=32)
    assert lanes_of(chosen) == [{s.name for s in STAIRCASE} - BUILD_STD, BUILD_STD]


def test_with_a_warm_cache_the_links_are_balanced_not_the_compiles() -> None:
    # std's units are hits: build-std weighs its LTO link, like any other stage that links so;
    # the three LTO stages fill one lane, the std builds and debug (no link) the other
    demo = lanes_for(2, costs=WARM)
    assert lanes_of(demo) == [
        {"debug", *BUILD_STD},
        {s.name for s in STAIRCASE} - {"debug", *BUILD_STD},
    ]
    cold = lanes_for(2, costs=COLD)  # cold, std's compiles outweigh everything: split them
    assert cold["panic-immediate-abort"] != cold["build-std"]
    # hexyl: its own profile links with LTO from release on, so the crate's stages outweigh
    # std's and share the std builds' lane; build-std-features still follows build-std
    hexyl = lanes_of(lanes_for(2, profiles=HEXYL_PROFILES, packages=32, costs=WARM))
    assert len(hexyl) == 2 and BUILD_STD not in hexyl
    assert "build-std-features" in next(lane for lane in hexyl if "build-std" in lane)
    assert lanes_of(lanes_for(2, profiles=HEXYL_PROFILES, packages=32))[1] == BUILD_STD


def test_a_target_dir_holds_build_std_stages_or_others_never_both() -> None:
    # both kinds build the host's build scripts, differently: together they rebuild each other
    build_std = {s.name for s in STAIRCASE if s.build_std}
    kinds: dict[str, set[bool]] = {}
    for lanes in (1, 2, 3):  # whatever --parallel a run had, a dir keeps its kind
        owners: dict[str, set[int]] = {}
        for name, placement in placements(lanes).items():
            kinds.setdefault(placement.target_dir(), set()).add(name in build_std)
            owners.setdefault(placement.target_dir(), set()).add(placement.lane)
        assert all(len(lane) == 1 for lane in owners.values())  # never locked by two lanes
    assert all(len(kind) == 1 for kind in kinds.values())
    one_lane = placements(1)
    assert one_lane["debug"].target_dir() == "target"
    assert one_lane["build-std"].target_dir() == "target-std"


def test_the_lanes_do_not_depend_on_which_stages_a_run_picks() -> None:
    # the planner passes the whole staircase: a stage keeps its lane, so its units stay fresh
    assert lanes_for(3) == lanes_for(3)
    assert len(set(lanes_for(3).values())) == 3


def test_a_redis_cache_keeps_units_in_redis_not_in_the_cache_dir() -> None:
    local = Cache("sccache", Path("/usr/bin/sccache"), Path("/c/sccache"))
    shared = dataclasses.replace(local, redis="redis://127.0.0.1:6379")
    assert (
        local.env()["SCCACHE_DIR"] == "/c/sccache" and "SCCACHE_REDIS_ENDPOINT" not in local.env()
    )
    assert shared.env()["SCCACHE_REDIS_ENDPOINT"] == "redis://127.0.0.1:6379"
    assert "SCCACHE_DIR" not in shared.env()
    assert shared.shared_dir == Path("/c/sccache-shared")  # build-std's sources stay on disk


def test_sccache_counters_sum_languages_and_count_uncacheable_calls_apart() -> None:
    stats = {
        "stats": {
            "cache_hits": {"counts": {"Rust": 20, "C/C++": 2}, "adv_counts": {}},
            "cache_misses": {"counts": {"Rust": 1}, "adv_counts": {}},
            "requests_not_cacheable": 9,
        }
    }
    assert parse_stats("sccache", stats) == CacheRecord("sccache", 22, 1, 9)


def with_times(**lanes: tuple[str, str, int]) -> RunRecord:
    run = sample_run()
    stages = tuple(
        dataclasses.replace(
            s, started=lanes[s.name][0], ended=lanes[s.name][1], lane=lanes[s.name][2]
        )
        if s.name in lanes
        else s
        for s in run.stages
    )
    return dataclasses.replace(run, stages=stages)


def test_overlap_is_the_span_against_the_sum() -> None:
    run = sample_run()
    first, second = run.stages[0].name, run.stages[1].name
    timed = with_times(
        **{
            first: ("2026-01-01T00:00:00.000+00:00", "2026-01-01T00:00:10.000+00:00", 0),
            second: ("2026-01-01T00:00:02.000+00:00", "2026-01-01T00:00:08.000+00:00", 1),
        }
    )
    found = overlap(timed)
    assert found is not None
    assert (found.lanes, found.span_seconds, found.sum_seconds) == (2, 10.0, 16.0)
    assert "2 lanes at once: the stages took 10.0s, 16.0s one after another" in table.render(timed)
    assert overlap(run) is None  # a document without times (minbuild.run/1)


def test_the_table_shows_the_cache_share_only_when_a_cache_ran() -> None:
    run = sample_run()
    assert "cache" not in table.render(run).splitlines()[2]
    cached = dataclasses.replace(run.stages[0], cache=CacheRecord("sccache", 3, 1, 2))
    text = table.render(dataclasses.replace(run, stages=(cached, *run.stages[1:])))
    assert "cache" in text.splitlines()[2] and "3/4 hit" in text
