"""Shards: the work of one staircase split over the jobs of a CI matrix, each a runner of its
own. A shard is a lane on another machine: host stages that share units stay together (a
feature change, a strip), and the groups are balanced by their cost, estimated or recorded.
Foreign targets are shared out whole."""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from minbuild.engine.buildcost import COLD, Costs, Workload
from minbuild.engine.lanes import host_lanes
from minbuild.project.stages import Stage
from minbuild.rust.cargo import Crate, build_features
from minbuild.rust.profiles import effective_profile

MAX_SHARDS = 256
"""More shares than any CI matrix runs at once."""


@dataclass(frozen=True)
class Shard:
    """Share `index` (from 1) of `count`: one job of a CI matrix."""

    index: int
    count: int

    def label(self) -> str:
        return f"{self.index}/{self.count}"


def workload(
    crate: Crate,
    staircase: Sequence[Stage],
    packages: int,
    skipped: Collection[str] = (),
    costs: Costs = COLD,
    measured: Mapping[str, float] | None = None,
) -> Workload:
    """The staircase's workload for lanes or shares: each stage's effective profile and the
    features its build enables, as cargo resolves them for `crate`."""
    return Workload(
        tuple(staircase),
        {s.name: effective_profile(crate, s) for s in staircase},
        packages,
        {
            s.name: build_features(crate, default_features=s.default_features, features=s.features)
            for s in staircase
        },
        skipped,
        costs,
        measured,
    )


def host_shares(work: Workload, count: int) -> list[list[str]]:
    """The staircase's stages in `count` shares, in staircase order within each: the lanes
    `count` runners would build at once (every runner starts with empty target dirs)."""
    lane = host_lanes(work, count)
    return [[s.name for s in work.staircase if lane[s.name] == n] for n in range(count)]


def target_shares(
    targets: Sequence[str], count: int, measured: Mapping[str, float] | None = None
) -> list[list[str]]:
    """Foreign targets in `count` shares: the costliest first, each to the least loaded share
    (recorded seconds, else one each); within a share, in the order given."""
    cost = {t: (measured or {}).get(t, 1.0) for t in targets}
    loads = [(0.0, n) for n in range(count)]
    chosen: dict[str, int] = {}
    for target in sorted(targets, key=lambda t: (-cost[t], targets.index(t))):
        load, n = heapq.heappop(loads)
        chosen[target] = n
        heapq.heappush(loads, (load + cost[target], n))
    return [[t for t in targets if chosen[t] == n] for n in range(count)]
