"""Which lane builds each host stage, and in which target dir. Lanes run at once, each its
stages in staircase order (a stage's tests wait only for fixtures of earlier stages, so no two
lanes can wait for each other). A stage must keep its target dir from run to run for its units
to stay fresh: the placement depends on the staircase, the crate and what this machine skips,
never on which stages a run picks.

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
# Costs in seconds on a 2-core machine, fitted to bench/staircase_speed.py's per-stage times
# (the demo: 5 packages; hexyl: 32). Only the proportions matter: they balance the lanes.
BUILD_OVERHEAD = 1.0  # cargo's start, fingerprints, the final link
PACKAGE = 0.25  # one package of the crate's graph, optimized
DEBUG_FACTOR = 1.5  # unoptimized but with debug info: hexyl's debug 15 s, release 16 s
LTO_BASE, LTO_PACKAGE = 4.0, 0.2  # the whole-program link: demo lto 6.3 s, panic-abort 1.6 s
STD_COST = 16.0  # std from source without its backtrace (panic-immediate-abort: 22 s)
BACKTRACE_COST = 18.0  # gimli, addr2line, object...: build-std 40 s
STD_FEATURES_COST = 6.0  # std's own features changed, core kept: build-std-features 8 s
HOST_SHARE = 0.3  # per package: build scripts, proc-macros and their dependencies, which
# every target dir compiles for the host once (hexyl's release in a new dir: +11 s)
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


def host_lanes(
    staircase: Sequence[Stage],
    skipped: Collection[str],
    lanes: int,
    profiles: Mapping[str, Mapping[str, ProfileValue]],
    packages: int,
) -> Mapping[str, Placement]:
    """Stage name -> its lane (0 .. lanes-1) and target dir. `profiles` are the stages'
    effective profiles, `packages` the size of the crate's dependency graph. Stages that share
    units go together (a feature change, a strip, std's own features after build-std); each
    group's cost is estimated, and the groups go to the least loaded lane, heaviest first
    (LPT)."""
    groups: list[_Group] = []
    for stage in staircase:
        keys = _keys(stage, profiles[stage.name])
        group, extra = _best_match(groups, keys, packages) or (
            _Group(0.0),
            _alone(stage, profiles[stage.name], packages),
        )
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
        for lane, held in enumerate(_share_out(groups, max(1, lanes), packages))
        for group in held
        for name in group.names
    }
    # Lanes numbered in staircase order: the first stage's lane is 0, whose dirs are the ones
    # a single lane uses, so the stages it holds stay fresh whatever --parallel says.
    number = _numbering(chosen[s.name] for s in staircase)
    return {s.name: Placement(number[chosen[s.name]], bool(s.build_std)) for s in staircase}


def _share_out(groups: list[_Group], lanes: int, packages: int) -> list[list[_Group]]:
    """Each kind of build (build-std or not) in a lane of its own to begin with, then single
    groups moved from the busiest lane to the idlest while that shortens the longest lane. A
    group that is the first of its kind in a lane pays for that lane's new target dir: the
    host's build scripts and what they depend on, compiled once more."""
    held: list[list[_Group]] = [[] for _ in range(lanes)]
    for group in groups:
        held[min(int(group.build_std), lanes - 1)].append(group)

    def load(lane: list[_Group]) -> float:
        kinds = {group.build_std for group in lane if group.cost}  # skipped: no dir
        return sum(group.cost for group in lane) + len(kinds) * _new_dir_cost(packages)

    while True:
        busiest = max(range(lanes), key=lambda n: load(held[n]))
        longest = load(held[busiest])
        best: tuple[float, _Group, int] | None = None
        for group in held[busiest]:
            for other in range(lanes):
                if other == busiest:
                    continue
                moved = max(
                    load([g for g in held[busiest] if g is not group]),
                    load([*held[other], group]),
                    *(load(held[n]) for n in range(lanes) if n not in (busiest, other)),
                )
                if moved < longest and (best is None or moved < best[0]):
                    best = (moved, group, other)
        if best is None:
            return held
        _, group, other = best
        held[busiest].remove(group)
        held[other].append(group)


def _new_dir_cost(packages: int) -> float:
    """What a target dir costs before any stage's own units: build scripts, proc-macros and
    their dependencies (unicode-linebreak's build script pulls in regex, for hexyl)."""
    return 2 * BUILD_OVERHEAD + HOST_SHARE * packages


def _numbering(keys: Iterable[T]) -> dict[T, int]:
    """Each distinct key -> its rank by first appearance."""
    return {key: number for number, key in enumerate(dict.fromkeys(keys))}


def _keys(stage: Stage, profile: Mapping[str, ProfileValue]) -> _Keys:
    compiled = tuple(sorted((k, str(v)) for k, v in profile.items() if k not in LINK_ONLY))
    units = (compiled, stage.rustflags, stage.build_std, stage.cargo_unstable)
    features = None if stage.build_std_features is None else frozenset(stage.build_std_features)
    full = (units, features, stage.default_features, stage.features)
    return _Keys(units, features, str(profile.get("lto")) not in ("False", "off"), full)


def _alone(stage: Stage, profile: Mapping[str, ProfileValue], packages: int) -> float:
    """The cost of building `stage` in a target dir that holds nothing it can use."""
    debug = str(profile.get("opt-level")) == "0"
    graph = packages * PACKAGE * (DEBUG_FACTOR if debug else 1.0)
    link = _link(_keys(stage, profile), packages)
    if not stage.build_std:
        return BUILD_OVERHEAD + graph + link
    features = stage.build_std_features
    backtrace = features is None or "backtrace" in features  # None: std's defaults have it
    return BUILD_OVERHEAD + graph + link + STD_COST + (BACKTRACE_COST if backtrace else 0.0)


def _link(keys: _Keys, packages: int) -> float:
    return LTO_BASE + LTO_PACKAGE * packages if keys.lto else 0.0


def _best_match(
    groups: Sequence[_Group], keys: _Keys, packages: int
) -> tuple[_Group, float] | None:
    """The group whose units `keys` reuses most, and what is left to build there."""
    best: tuple[_Group, float] | None = None
    for group in groups:
        for kin in group.keys:
            extra = _extra(kin, keys, packages)
            if extra is not None and (best is None or extra < best[1]):
                best = (group, extra)
    return best


def _extra(built: _Keys, wanted: _Keys, packages: int) -> float | None:
    """What building `wanted` costs after `built`, in the same target dir (None: no reuse)."""
    if wanted.full == built.full:
        return 0.0
    if wanted.units != built.units:
        return None
    link = _link(wanted, packages)
    if wanted.std_features == built.std_features:  # the crate itself, and what its features reach
        return BUILD_OVERHEAD + PACKAGE + link
    if not wanted.units[2]:  # units[2] is build_std: no std, nothing else to share
        return None
    core_changed = (wanted.std_features or frozenset()) ^ (built.std_features or frozenset())
    if core_changed & CORE_FEATURES:
        return None
    return BUILD_OVERHEAD + STD_FEATURES_COST + PACKAGE * packages + link  # all above std
