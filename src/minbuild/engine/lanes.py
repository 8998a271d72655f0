"""Which lane builds each host stage, and in which target dir. Lanes run at once, each its
stages in staircase order (a stage's tests wait only for fixtures of earlier stages, so no two
lanes can wait for each other). A stage must keep its target dir from run to run for its units
to stay fresh: the placement depends on the staircase, the crate, what this machine skips and
whether a compile cache is on, never on which stages a run picks.

A lane has one target dir for its build-std stages and one for the others, named by lane and
kind: cargo builds build scripts and proc-macros for the host in both kinds of build, with
RUSTFLAGS and profile settings applied differently (`--target` keeps RUSTFLAGS from them), so
sharing a dir would rebuild them, and everything above them, every time one kind follows the
other (hexyl re-run: 78 s, not 2 s)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from minbuild.project.stages import ProfileValue, Stage

T = TypeVar("T")


@dataclass(frozen=True)
class Costs:
    """What building costs, in seconds on a 2-core machine, fitted to bench/staircase_speed.py's
    per-stage times (the demo: 5 packages; hexyl: 32). Only the proportions matter: they balance
    the lanes."""

    build_overhead: float
    """cargo's start, fingerprints, the final link."""
    package: float
    """One package of the crate's graph, optimized (with a warm cache: a hit)."""
    debug_factor: float
    """Unoptimized but with debug info: hexyl's debug 15 s cold, release 16 s."""
    lto_base: float
    """The whole-program link, which no cache can do (the demo's lto 6.3 s, panic-abort 1.6 s)..."""
    lto_package: float
    """...and its growth with the graph."""
    speed_link: float
    """The link's factor at opt-level 3: it optimizes harder than at s or z (hexyl's release
    links in 12 s, its opt-level-s stage in 8.5 s, both from a warm cache)."""
    lean_link: float
    """The link's factor for a std built without its backtrace crates: less to optimize
    (hexyl's build-std-features links in about 4 s, its build-std in 11 s)."""
    std: float
    """std from source without its backtrace crates (cold panic-immediate-abort: 22 s)."""
    backtrace: float
    """gimli, addr2line, object... and their share of the link (cold build-std: 40 s)."""
    std_features: float
    """std's own features changed, core kept (cold build-std-features: 8 s)."""
    host_share: float
    """Per package: build scripts, proc-macros and their dependencies, which every target dir
    compiles for the host once (hexyl's release in a new dir: +11 s cold). Build scripts are
    binaries, which no cache keeps."""


COLD = Costs(
    build_overhead=1.0,
    package=0.25,
    debug_factor=1.5,
    lto_base=4.0,
    lto_package=0.2,
    speed_link=1.0,
    lean_link=1.0,
    std=16.0,
    backtrace=18.0,
    std_features=6.0,
    host_share=0.3,
)
"""Every unit compiled: no cache, or an empty one."""
WARM = Costs(
    build_overhead=1.0,
    package=0.12,
    debug_factor=1.5,
    lto_base=4.6,
    lto_package=0.11,
    speed_link=1.4,
    lean_link=0.5,
    std=2.3,
    backtrace=3.0,
    std_features=0.5,
    host_share=0.0,
)
"""A warm compile cache, as in CI after the first run: a stage costs its links and the units
no cache keeps, fitted to the bench's CI case (hexyl: release 18.6 s, opt-level-s 11.5 s,
build-std 17.9 s, build-std-features 7.3 s; the demo: lto 6.6 s, build-std 12 s). A new
target dir costs little: its units are hits too, and every profile builds its own build
scripts anyway."""
# Features of core itself: changing one recompiles every crate of std, as a new profile does.
CORE_FEATURES = frozenset({"panic_immediate_abort", "optimize_for_size"})
# Profile settings that only change the final link, never a unit's compile.
LINK_ONLY = frozenset({"strip"})


@dataclass(frozen=True)
class _Keys:
    """What a stage's units depend on, from the widest sharing to none."""

    units: tuple[object, ...]
    """Profile (bar link-only settings), RUSTFLAGS, the std crates and cargo -Z flags: two
    stages that agree here share every dependency's units, at most the crate itself differs."""
    std_features: frozenset[str] | None
    lto: bool
    """Whether the final link optimizes the whole program: every build of it pays that."""
    full: tuple[object, ...]
    """Everything: two stages that agree here build the same thing."""
    debug: bool
    """Unoptimized: its units are larger, with their debug info."""
    speed: bool
    """Optimized at opt-level 3 (or 2): its LTO link works harder."""
    lean: bool
    """std built without its backtrace crates (std's defaults have them): less to compile,
    and its LTO link has less to do."""


@dataclass(frozen=True)
class Placement:
    """Where a host stage builds."""

    lane: int
    """Which of the lanes that run at once builds it."""
    build_std: bool
    """Whether it builds std: a lane keeps those stages in a target dir of their own."""

    def target_dir(self) -> str:
        """The target dir's name in the state dir, by lane and kind, so that a dir holds one
        kind of build whatever --parallel says: `target`, `target-std`, `target-lane1`..."""
        lane = f"-lane{self.lane}" if self.lane else ""
        return f"target{lane}{'-std' if self.build_std else ''}"


def alone(stage: Stage) -> Placement:
    """Where a build outside the lanes goes (a fixture maker, a cost variant): lane 0's dir
    of its kind."""
    return Placement(0, bool(stage.build_std))


@dataclass
class _Group:
    """Stages that share units, so they share a lane."""

    cost: float
    build_std: bool = False
    names: list[str] = field(default_factory=list)
    keys: list[_Keys] = field(default_factory=list)


@dataclass(frozen=True)
class Workload:
    """What placing a staircase's host stages in lanes (or a CI matrix's shares) weighs."""

    staircase: tuple[Stage, ...]
    """Every stage, in order (whichever a run picks: a stage keeps its target dir)."""
    profiles: Mapping[str, Mapping[str, ProfileValue]]
    """Each stage's effective profile."""
    packages: int
    """The size of the crate's dependency graph, which weighs its builds against std's."""
    features: Mapping[str, frozenset[str]] | None = None
    """The features each stage enables: two stages that enable the same build alike, whatever
    their flags say (None: as their flags say)."""
    skipped: Collection[str] = ()
    """Stages this machine skips: they build nothing."""
    costs: Costs = COLD
    """What a build costs here (WARM under a compile cache)."""
    measured: Mapping[str, float] | None = None
    """The seconds stages took in a recorded run: they replace the estimates."""


def host_lanes(work: Workload, lanes: int) -> Mapping[str, Placement]:
    """Stage name -> its lane (0 .. lanes-1) and target dir. Stages that share units go
    together (a feature change, a strip, std's own features after build-std); each group's
    cost is estimated, and the groups are shared out between the lanes."""
    staircase, skipped, measured = work.staircase, work.skipped, work.measured
    estimate = _Estimate(work.costs, work.packages)
    groups: list[_Group] = []
    for stage in staircase:
        keys = _keys(stage, work.profiles[stage.name], (work.features or {}).get(stage.name))
        group, extra = estimate.best_match(groups, keys) or (
            _Group(0.0),
            estimate.alone(stage, keys),
        )
        if measured and stage.name in measured:
            extra = measured[stage.name]
        if stage.name in skipped:  # builds nothing: anywhere will do, alongside its kin
            extra = 0.0
        if group not in groups:
            group.build_std = bool(stage.build_std)
            groups.append(group)
        group.cost += extra
        group.names.append(stage.name)
        group.keys.append(keys)
    chosen = {
        name: lane
        for lane, held in enumerate(_share_out(groups, max(1, lanes), estimate.new_dir()))
        for group in held
        for name in group.names
    }
    # Lanes numbered in staircase order: the first stage's lane is 0, whose dirs are the ones
    # a single lane uses, so the stages it holds stay fresh whatever --parallel says.
    number = _numbering(chosen[s.name] for s in staircase)
    return {s.name: Placement(number[chosen[s.name]], bool(s.build_std)) for s in staircase}


def _share_out(groups: list[_Group], lanes: int, new_dir: float) -> list[list[_Group]]:
    """Each kind of build (build-std or not) in a lane of its own to begin with, then single
    groups moved, or two swapped, between the busiest lane and another while that shortens the
    longest lane. A group that is the first of its kind in a lane pays `new_dir` for that
    lane's new target dir."""
    held: list[list[_Group]] = [[] for _ in range(lanes)]
    for group in groups:
        held[min(int(group.build_std), lanes - 1)].append(group)

    def load(lane: list[_Group]) -> float:
        kinds = {group.build_std for group in lane if group.cost}  # skipped: no dir
        return sum(group.cost for group in lane) + len(kinds) * new_dir

    while True:
        busiest = max(range(lanes), key=lambda n: load(held[n]))
        longest = load(held[busiest])
        best: tuple[float, int, list[_Group], list[_Group]] | None = None
        for other in (n for n in range(lanes) if n != busiest):
            rest = max(
                (load(held[n]) for n in range(lanes) if n not in (busiest, other)), default=0
            )
            for group in held[busiest]:
                for swapped in (None, *held[other]):  # a move, or a swap with `swapped`
                    mine = [g for g in held[busiest] if g is not group]
                    theirs = [g for g in held[other] if g is not swapped] + [group]
                    if swapped is not None:
                        mine.append(swapped)
                    moved = max(load(mine), load(theirs), rest)
                    if moved < longest - 1e-9 and (best is None or moved < best[0]):
                        best = (moved, other, mine, theirs)
        if best is None:
            return held
        _, other, held[busiest], held[other] = best


def _numbering(keys: Iterable[T]) -> dict[T, int]:
    """Each distinct key -> its rank by first appearance."""
    return {key: number for number, key in enumerate(dict.fromkeys(keys))}


def _keys(
    stage: Stage, profile: Mapping[str, ProfileValue], enabled: frozenset[str] | None = None
) -> _Keys:
    compiled = tuple(sorted((k, str(v)) for k, v in profile.items() if k not in LINK_ONLY))
    units = (compiled, stage.rustflags, stage.build_std, stage.cargo_unstable)
    features = None if stage.build_std_features is None else frozenset(stage.build_std_features)
    chosen = (stage.default_features, stage.features) if enabled is None else enabled
    full = (units, features, chosen)
    level = str(profile.get("opt-level"))
    lto = str(profile.get("lto")) not in ("False", "off")
    lean = bool(stage.build_std) and features is not None and "backtrace" not in features
    return _Keys(units, features, lto, full, level == "0", level in ("2", "3"), lean)


@dataclass(frozen=True)
class _Estimate:
    """Build costs for a crate whose dependency graph has `packages` packages."""

    costs: Costs
    packages: int

    def new_dir(self) -> float:
        """What a target dir costs before any stage's own units: build scripts, proc-macros
        and their dependencies (unicode-linebreak's build script pulls in regex, for hexyl)."""
        return 2 * self.costs.build_overhead + self.costs.host_share * self.packages

    def alone(self, stage: Stage, keys: _Keys) -> float:
        """The cost of building `stage` in a target dir that holds nothing it can use."""
        costs = self.costs
        graph = self.packages * costs.package * (costs.debug_factor if keys.debug else 1.0)
        cost = costs.build_overhead + graph + self.link(keys)
        if not stage.build_std:
            return cost
        return cost + costs.std + (0.0 if keys.lean else costs.backtrace)

    def link(self, keys: _Keys) -> float:
        costs = self.costs
        if not keys.lto:
            return 0.0
        factor = (costs.speed_link if keys.speed else 1.0) * (costs.lean_link if keys.lean else 1.0)
        return (costs.lto_base + costs.lto_package * self.packages) * factor

    def best_match(self, groups: Sequence[_Group], keys: _Keys) -> tuple[_Group, float] | None:
        """The group whose units `keys` reuses most, and what is left to build there."""
        best: tuple[_Group, float] | None = None
        for group in groups:
            for kin in group.keys:
                extra = self.extra(kin, keys)
                if extra is not None and (best is None or extra < best[1]):
                    best = (group, extra)
        return best

    def extra(self, built: _Keys, wanted: _Keys) -> float | None:
        """What building `wanted` costs after `built` in the same target dir (None: no
        reuse)."""
        if wanted.full == built.full:
            return 0.0
        if wanted.units != built.units:
            return None
        costs = self.costs
        link = self.link(wanted)
        if wanted.std_features == built.std_features:  # the crate, and what its features reach
            return costs.build_overhead + costs.package + link
        if not wanted.units[2]:  # units[2] is build_std: no std, nothing else to share
            return None
        core_changed = (wanted.std_features or frozenset()) ^ (built.std_features or frozenset())
        if core_changed & CORE_FEATURES:
            return None
        above_std = costs.package * self.packages
        return costs.build_overhead + costs.std_features + above_std + link
