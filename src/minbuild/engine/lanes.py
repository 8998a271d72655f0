"""Where each host stage builds, and which lane builds it.

A target dir holds stages that share units (`buildcost.groups`), all of one kind: build-std
stages or the others. cargo builds build scripts and proc-macros for the host in both kinds,
with RUSTFLAGS and profile settings applied differently (`--target` keeps RUSTFLAGS from
them), so a shared dir rebuilt them, and everything above them, every time one kind followed
the other (hexyl's re-run: 78 s, not 2 s). A stage must keep its target dir from run to run
for its units to stay fresh: the dirs depend on the staircase, the crate, what this machine
skips, whether a compile cache is on and how many lanes run at once, never on which stages a
run picks.

Which lane builds a dir is decided by each run, from the stages it picks: a lane takes whole
dirs (cargo locks a dir for a whole build), the costliest first, each to the least loaded
lane, and builds their stages in staircase order (a stage's tests wait only for fixtures of
earlier stages, so no two lanes can wait for each other). The dirs are chosen for two runs at
once, the whole staircase and its stages before build-std (a stable toolchain skips those
stages, and many teams stop there), so that both keep every lane busy."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import TypeVar

from minbuild.engine.buildcost import Group, Workload, groups
from minbuild.project.stages import Stage

T = TypeVar("T")
Bins = list[list[Group]]
EXACT_DIRS = 6
"""Up to this many dirs, a run's lanes take them the best way of all (203 ways, at most)."""


@dataclass(frozen=True)
class Placement:
    """Which target dir a host stage builds in."""

    number: int
    """Which of its kind's target dirs: 0 is the one a single lane uses."""
    build_std: bool
    """Whether it builds std: those stages have target dirs of their own."""

    def target_dir(self) -> str:
        """The dir's name in the state dir, by kind and number: `target`, `target-2`...,
        `target-std`, `target-std-2`..."""
        number = f"-{self.number + 1}" if self.number else ""
        return f"target{'-std' if self.build_std else ''}{number}"


def alone(stage: Stage) -> Placement:
    """Where a build outside the lanes goes (a fixture maker, a cost variant): the first dir
    of its kind."""
    return Placement(0, bool(stage.build_std))


@dataclass(frozen=True)
class Placements:
    """Every stage's target dir, and what it costs there."""

    dirs: Mapping[str, Placement]
    seconds: Mapping[str, float]
    """Each stage's estimated (or recorded) seconds, after the stages before it in its dir."""
    new_dir: float
    """What a dir costs before any stage's own units: build scripts, proc-macros and their
    dependencies."""

    def lanes(self, picked: Sequence[str], count: int) -> dict[str, int]:
        """Each picked stage's lane (0 .. count-1): whole dirs, shared out so that the longest
        lane is short. Lanes are numbered in the picks' order: the first stage's is 0."""
        held: dict[Placement, list[str]] = {}
        for name in picked:
            held.setdefault(self.dirs[name], []).append(name)
        dirs = list(held.values())
        chosen: dict[str, int] = {}
        for names, lane in zip(dirs, _assign([self.load(n) for n in dirs], count), strict=True):
            chosen.update(dict.fromkeys(names, lane))
        number = _numbering(chosen[name] for name in picked)
        return {name: number[chosen[name]] for name in picked}

    def load(self, names: Iterable[str]) -> float:
        """What building `names` in one dir costs: theirs, and the dir's own if they build."""
        own = sum(self.seconds[name] for name in names)
        return own + self.new_dir if own else 0.0


def host_dirs(work: Workload, lanes: int) -> Placements:
    """Each stage's target dir. Single groups move, or two swap, between dirs of a kind
    while that shortens two runs together, each built by `lanes` lanes: the whole
    staircase, and its stages before build-std. The first alone would keep the stages
    before build-std in one dir whenever std's builds fill the other lanes, and a run that
    stops before build-std, or skips it, would build in one lane; the split costs the whole
    staircase one more dir (build scripts and proc-macros compiled again), and a lane's
    load that whole dirs cannot even out."""
    found, estimate = groups(work)
    new_dir = estimate.new_dir()
    kinds = (False, True)
    count = {kind: min(max(1, lanes), sum(g.build_std == kind for g in found)) for kind in kinds}
    kind_of = [kind for kind in kinds for _ in range(count[kind])]

    def load(held: list[Group]) -> float:
        own = sum(group.cost for group in held)
        return own + new_dir if own else 0.0

    def whole(held: Bins) -> tuple[float, ...]:
        return (_span([load(dir_groups) for dir_groups in held], lanes),)

    def both(held: Bins) -> tuple[float, ...]:
        split = [load(g) for g, std in zip(held, kind_of, strict=True) if not std]
        return (whole(held)[0] + _span(split, lanes),)

    def every(held: Bins) -> range:
        return range(len(held))

    def of_a_kind(a: int, b: int) -> bool:
        return kind_of[a] == kind_of[b]

    def as_dirs(held: Bins) -> Bins:
        """Each bin's groups of a kind in a dir of that kind."""
        dirs: Bins = []
        for kind in kinds:
            of_kind = [[g for g in b if g.build_std == kind] for b in held]
            of_kind = [d for d in of_kind if d]
            dirs += of_kind + [[] for _ in range(count[kind] - len(of_kind))]
        return dirs

    # from two starts, since moves and swaps stop at the first layout none improves: a dir
    # per kind, and the lanes a CI matrix's shares would have (a lane per kind, then balanced)
    starts = [as_dirs([found]), as_dirs(_lanes_of(found, new_dir, lanes))]
    bins = min((_improve(start, both, every, of_a_kind) for start in starts), key=both)
    order = {name: n for n, name in enumerate(work.names)}
    dirs: dict[str, Placement] = {}
    for kind in kinds:
        # numbered in staircase order: the kind's first stage builds in its dir 0
        held = [
            dir_groups
            for dir_groups, std in zip(bins, kind_of, strict=True)
            if std == kind and dir_groups
        ]
        held.sort(key=lambda dir_groups: min(order[n] for g in dir_groups for n in g.names))
        for number, dir_groups in enumerate(held):
            for group in dir_groups:
                dirs.update(dict.fromkeys(group.names, Placement(number, kind)))
    seconds = {name: cost for g in found for name, cost in zip(g.names, g.seconds, strict=True)}
    return Placements(dirs, seconds, new_dir)


def host_lanes(work: Workload, lanes: int) -> dict[str, int]:
    """Each stage's lane (0 .. lanes-1) when every lane starts with empty target dirs and
    builds its stages in a dir per kind: the jobs of a CI matrix."""
    found, estimate = groups(work)
    bins = _lanes_of(found, estimate.new_dir(), lanes)
    chosen = {name: lane for lane, held in enumerate(bins) for g in held for name in g.names}
    # numbered in staircase order: the first stage's lane is 0
    number = _numbering(chosen[name] for name in work.names)
    return {name: number[chosen[name]] for name in work.names}


def _lanes_of(found: list[Group], new_dir: float, lanes: int) -> Bins:
    """The groups in lanes, each lane's kinds in a dir each: each kind in a lane of its own
    to begin with, then single groups moved, or two swapped, between the busiest lane and
    another while that shortens the longest lane."""
    bins: Bins = [[] for _ in range(max(1, min(lanes, len(found))))]
    for group in found:
        bins[min(int(group.build_std), len(bins) - 1)].append(group)

    def load(lane: list[Group]) -> float:
        kinds = {group.build_std for group in lane if group.cost}  # skipped: no dir
        return sum(group.cost for group in lane) + len(kinds) * new_dir

    def busiest(held: Bins) -> range:
        lane = max(range(len(held)), key=lambda n: load(held[n]))
        return range(lane, lane + 1)

    return _improve(bins, lambda held: (max(map(load, held)),), busiest, lambda a, b: True)


def _improve(
    bins: Bins,
    cost: Callable[[Bins], tuple[float, ...]],
    sources: Callable[[Bins], Iterable[int]],
    allowed: Callable[[int, int], bool],
) -> Bins:
    """Single groups moved, or two swapped, between a bin of `sources` and another that
    `allowed` pairs with it, while that lowers `cost` (compared in order, the first value
    first): the change that lowers it most, each time."""
    current = cost(bins)
    while True:
        best: tuple[tuple[float, ...], Bins] | None = None
        movable = set(sources(bins))
        for source, other in permutations(range(len(bins)), 2):
            if source not in movable or not allowed(source, other):
                continue
            for group in bins[source]:
                for swapped in (None, *bins[other]):  # a move, or a swap with `swapped`
                    trial = list(bins)
                    trial[source] = [g for g in bins[source] if g is not group]
                    trial[other] = [g for g in bins[other] if g is not swapped] + [group]
                    if swapped is not None:
                        trial[source].append(swapped)
                    value = cost(trial)
                    if _lower(value, current) and (best is None or value < best[0]):
                        best = (value, trial)
        if best is None:
            return bins
        current, bins = best


def _lower(value: tuple[float, ...], than: tuple[float, ...]) -> bool:
    """Lower, beyond rounding: the first value that differs decides."""
    for mine, theirs in zip(value, than, strict=True):
        if abs(mine - theirs) > 1e-9:
            return mine < theirs
    return False


def _span(loads: Sequence[float], lanes: int) -> float:
    """How long `lanes` lanes take over dirs of these loads, each dir whole in one lane."""
    busy = [0.0] * max(1, lanes)
    for load, lane in zip(loads, _assign(loads, lanes), strict=True):
        busy[lane] += load
    return max(busy)


def _assign(loads: Sequence[float], lanes: int) -> list[int]:
    """Which lane takes each of dirs of these loads, whole: the best way, found by trying
    them all, for as many dirs as 2 or 3 lanes have; else the costliest first, each to the
    least loaded lane (at worst a third longer than the best)."""
    order = sorted(range(len(loads)), key=lambda n: -loads[n])
    busy = [0.0] * max(1, lanes)
    lane_of = [0] * len(loads)
    if len(loads) > EXACT_DIRS:
        for n in order:
            lane_of[n] = busy.index(min(busy))
            busy[lane_of[n]] += loads[n]
        return lane_of
    best: tuple[float, list[int]] = (sum(loads) + 1.0, lane_of)

    def place(index: int, used: int) -> None:
        nonlocal best
        if index == len(order):
            best = (max(busy), list(lane_of))
            return
        n = order[index]
        for lane in range(min(used + 1, len(busy))):  # empty lanes are alike: try one
            busy[lane] += loads[n]
            lane_of[n] = lane
            if busy[lane] < best[0]:
                place(index + 1, max(used, lane + 1))
            busy[lane] -= loads[n]

    place(0, 0)
    return best[1]


def _numbering(keys: Iterable[T]) -> dict[T, int]:
    """Each distinct key -> its rank by first appearance."""
    return {key: number for number, key in enumerate(dict.fromkeys(keys))}
