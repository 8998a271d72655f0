"""Which lane builds each host stage, and how a run's overlap and cache counts are read."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from minbuild.engine.buildcost import COLD, WARM, Costs, Workload
from minbuild.engine.lanes import Placements, host_dirs, host_lanes
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


def workload(
    skipped: Collection[str] = (),
    profiles: dict[str, Any] | None = None,
    staircase: Sequence[Stage] = STAIRCASE,
    packages: int = DEMO_PACKAGES,
    costs: Costs = COLD,
) -> Workload:
    demo = crate(profiles)
    effective = {s.name: effective_profile(demo, s) for s in staircase}
    return Workload(tuple(staircase), effective, packages, skipped=skipped, costs=costs)


def placements(lanes: int, *args: Any, **kwargs: Any) -> Placements:
    return host_dirs(workload(*args, **kwargs), lanes)


def dirs_for(lanes: int, *args: Any, **kwargs: Any) -> dict[str, str]:
    return {name: p.target_dir() for name, p in placements(lanes, *args, **kwargs).dirs.items()}


def together(chosen: Mapping[str, object]) -> list[set[str]]:
    """The stages that share a dir (or a lane), in order of first appearance."""
    held: dict[object, set[str]] = {}
    for name, where in chosen.items():
        held.setdefault(where, set()).add(name)
    return list(held.values())


def run_lanes(placed: Placements, lanes: int, picked: Sequence[str]) -> list[float]:
    """Each lane's estimated seconds when a run picks `picked`."""
    lane = placed.lanes(picked, lanes)
    return [
        sum(
            placed.load([n for n in held if placed.dirs[n] == d])
            for d in {placed.dirs[n] for n in held}
        )
        for held in together(lane)
    ]


EVERY = [s.name for s in STAIRCASE]
BEFORE_STD = [name for name in EVERY if name not in BUILD_STD]
HEXYL = {"profiles": HEXYL_PROFILES, "packages": 32}


def test_one_lane_builds_everything_in_each_kinds_first_dir() -> None:
    placed = placements(1)
    assert set(placed.lanes(EVERY, 1).values()) == {0}
    assert set(dirs_for(1).values()) == {"target", "target-std"}
    assert dirs_for(1)["debug"] == "target" and dirs_for(1)["build-std"] == "target-std"


def test_stages_that_share_units_share_a_dir() -> None:
    chosen = dirs_for(2)
    assert chosen["debug"] == "target"  # the first stage keeps the one-lane target dir
    # a feature change rebuilds only the crate; strip changes only the link
    assert chosen["release"] == chosen["no-default-features"] == chosen["disable-logging"]
    assert chosen["codegen-units-1"] == chosen["strip-debuginfo"]
    # std's own features recompile std but not core
    assert chosen["build-std"] == chosen["build-std-features"]


def test_a_crate_profile_that_already_sets_a_stage_keeps_the_stages_together() -> None:
    # hexyl's own [profile.release] sets lto and codegen-units=1, so those stages build nothing new
    chosen = dirs_for(2, profiles=HEXYL_PROFILES)
    assert chosen["panic-abort"] == chosen["lto"] == chosen["codegen-units-1"]


def test_a_core_feature_makes_std_a_build_of_its_own() -> None:
    first, second = (s for s in STAIRCASE if s.name in ("build-std", "build-std-features"))
    core = dataclasses.replace(second, build_std_features=("panic_immediate_abort",))
    only_std = dataclasses.replace(second, build_std_features=("compiler-builtins-mem",))
    assert len(set(dirs_for(2, staircase=(first, core)).values())) == 2
    assert len(set(dirs_for(2, staircase=(first, only_std)).values())) == 1


def lane_per_kind(work: Workload, placed: Placements, picked: Sequence[str]) -> list[float]:
    """Each lane's estimated seconds over `picked` with the placement before: each kind of
    build in a lane and its dirs (host_lanes, which the CI matrix's shares still use),
    groups moved between lanes while that helped."""
    lane = host_lanes(work, 2)
    return [
        sum(
            placed.load([n for n in held if n in picked and placed.dirs[n].build_std == std])
            for std in (False, True)
        )
        for held in together(lane)
    ]


@pytest.mark.parametrize("size", [{}, HEXYL], ids=["demo", "hexyl"])
@pytest.mark.parametrize("costs", [COLD, WARM], ids=["cold", "warm"])
def test_a_run_that_stops_before_build_std_builds_in_every_lane(
    size: dict[str, Any], costs: Costs
) -> None:
    # the common case: a stable toolchain, or --to location-detail. Before, std's builds held
    # one lane's dirs and every stage before them built in the other: one lane for the run
    placed = placements(2, costs=costs, **size)
    loads = run_lanes(placed, 2, BEFORE_STD)
    assert len(loads) == 2 and max(loads) < 0.6 * sum(loads)


@pytest.mark.parametrize("size", [{}, HEXYL], ids=["demo", "hexyl"])
@pytest.mark.parametrize("costs", [COLD, WARM], ids=["cold", "warm"])
def test_the_whole_staircase_and_its_stages_before_build_std_take_less_together(
    size: dict[str, Any], costs: Costs
) -> None:
    # than with a lane per kind; the whole staircase may pay for it: one more dir's build
    # scripts, and whole dirs that even out less well
    work = workload(costs=costs, **size)
    placed = host_dirs(work, 2)
    now = max(run_lanes(placed, 2, EVERY)) + max(run_lanes(placed, 2, BEFORE_STD))
    before = max(lane_per_kind(work, placed, EVERY)) + max(lane_per_kind(work, placed, BEFORE_STD))
    assert now <= before + 1e-9
    assert max(run_lanes(placed, 2, EVERY)) < 1.15 * max(lane_per_kind(work, placed, EVERY))


def test_with_build_std_skipped_the_other_stages_are_shared_out() -> None:
    placed = placements(2, BUILD_STD)
    lane = placed.lanes(EVERY, 2)
    assert len(set(lane.values())) == 2
    assert len({d for n, d in placed.dirs.items() if n not in BUILD_STD}) == 2


def test_a_target_dir_holds_one_kind_and_one_lane_builds_it() -> None:
    # both kinds build the host's build scripts, differently: together they rebuild each other;
    # cargo locks a dir for a whole build, so two lanes would wait for each other there
    kinds: dict[str, set[bool]] = {}
    for lanes in (1, 2, 3):  # whatever --parallel a run had, a dir keeps its kind
        placed = placements(lanes, **HEXYL)
        for picked in (EVERY, BEFORE_STD, EVERY[4:9], ["debug", "build-std"]):
            lane = placed.lanes(picked, lanes)
            owners: dict[str, set[int]] = {}
            for name in picked:
                owners.setdefault(placed.dirs[name].target_dir(), set()).add(lane[name])
            assert all(len(held) == 1 for held in owners.values())
            assert lane[picked[0]] == 0 and set(lane.values()) <= set(range(lanes))
        for name, where in placed.dirs.items():
            kinds.setdefault(where.target_dir(), set()).add(name in BUILD_STD)
    assert all(len(kind) == 1 for kind in kinds.values())


def test_the_dirs_do_not_depend_on_which_stages_a_run_picks() -> None:
    # the planner passes the whole staircase: a stage keeps its dir, so its units stay fresh;
    # which lane builds a dir is the run's to choose
    placed = placements(3, **HEXYL)
    assert len(set(placed.dirs.values())) >= 3
    assert placed.lanes(BEFORE_STD, 3) != placed.lanes(EVERY, 3)


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
