"""Which lane builds each host stage. Lanes run at once, each in its own target dir (cargo
locks a target dir for the length of a build), so a stage must keep its lane from run to run
for its units to stay fresh: the assignment depends on the staircase and on what this machine
skips, never on which stages a run picks."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from minbuild.project.stages import Stage

# A build-std stage compiles std besides the crate: on the demo, build-std took 40 s against
# 2-6 s for the others (bench/staircase_speed.py). Only the order of magnitude matters: it
# balances the lanes' work.
BUILD_STD_WEIGHT = 8


def host_lanes(
    staircase: Sequence[Stage], skipped: Collection[str], lanes: int
) -> Mapping[str, int]:
    """Stage name -> lane (0 .. lanes-1). The build-std stages stay together in one lane,
    since each reuses much of the std the one before it compiled; every other stage rebuilds
    its units anyway (a new opt-level, panic strategy, LTO or RUSTFLAGS changes each unit's
    key), so it goes alone to the least loaded lane, heaviest groups first."""
    groups: list[tuple[int, list[str]]] = []
    build_std = [s.name for s in staircase if s.build_std]
    if build_std:
        weight = BUILD_STD_WEIGHT * sum(name not in skipped for name in build_std)
        groups.append((weight, build_std))
    groups += [(int(s.name not in skipped), [s.name]) for s in staircase if not s.build_std]
    load = [0] * max(1, lanes)
    chosen: dict[str, int] = {}
    for weight, names in sorted(groups, key=lambda group: -group[0]):  # stable: staircase order
        lane = load.index(min(load))
        load[lane] += weight
        chosen.update(dict.fromkeys(names, lane))
    # Lanes numbered in staircase order: the lane of the first stage is 0, whose target dir is
    # the one a single lane uses, so the stages it holds stay fresh whatever --parallel says.
    order = {
        lane: number for number, lane in enumerate(dict.fromkeys(chosen[s.name] for s in staircase))
    }
    return {name: order[lane] for name, lane in chosen.items()}
