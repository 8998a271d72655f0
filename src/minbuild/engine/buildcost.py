"""What building a host stage costs: which stages share units (a feature change rebuilds only
the crate, a strip only relinks, std's own features after build-std keep core), grouped, and
each stage's seconds in its group, estimated from the crate's size (or recorded). Only the
proportions matter: they balance lanes, target dirs and CI shares."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from minbuild.project.stages import ProfileValue, Stage


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
class Keys:
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

    @property
    def names(self) -> list[str]:
        return [stage.name for stage in self.staircase]


@dataclass(eq=False)  # a group is itself, whatever it holds
class Group:
    """Stages that share units, so they share a target dir: their names in staircase order,
    each with what it costs after the ones before it."""

    build_std: bool = False
    names: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    keys: list[Keys] = field(default_factory=list)

    @property
    def cost(self) -> float:
        return sum(self.seconds)


def groups(work: Workload) -> tuple[list[Group], Estimate]:
    """The staircase's stages grouped by the units they share, each stage's cost estimated
    (or as recorded; nothing for a stage this machine skips)."""
    estimate = Estimate(work.costs, work.packages)
    found: list[Group] = []
    for stage in work.staircase:
        keys = keys_of(stage, work.profiles[stage.name], (work.features or {}).get(stage.name))
        group, extra = estimate.best_match(found, keys) or (Group(), estimate.alone(stage, keys))
        if work.measured and stage.name in work.measured:
            extra = work.measured[stage.name]
        if stage.name in work.skipped:  # builds nothing: anywhere will do, alongside its kin
            extra = 0.0
        if group not in found:
            group.build_std = bool(stage.build_std)
            found.append(group)
        group.names.append(stage.name)
        group.seconds.append(extra)
        group.keys.append(keys)
    return found, estimate


def keys_of(
    stage: Stage, profile: Mapping[str, ProfileValue], enabled: frozenset[str] | None = None
) -> Keys:
    compiled = tuple(sorted((k, str(v)) for k, v in profile.items() if k not in LINK_ONLY))
    units = (compiled, stage.rustflags, stage.build_std, stage.cargo_unstable)
    features = None if stage.build_std_features is None else frozenset(stage.build_std_features)
    chosen = (stage.default_features, stage.features) if enabled is None else enabled
    full = (units, features, chosen)
    level = str(profile.get("opt-level"))
    lto = str(profile.get("lto")) not in ("False", "off")
    lean = bool(stage.build_std) and features is not None and "backtrace" not in features
    return Keys(units, features, lto, full, level == "0", level in ("2", "3"), lean)


@dataclass(frozen=True)
class Estimate:
    """Build costs for a crate whose dependency graph has `packages` packages."""

    costs: Costs
    packages: int

    def new_dir(self) -> float:
        """What a target dir costs before any stage's own units: build scripts, proc-macros
        and their dependencies (unicode-linebreak's build script pulls in regex, for hexyl)."""
        return 2 * self.costs.build_overhead + self.costs.host_share * self.packages

    def alone(self, stage: Stage, keys: Keys) -> float:
        """The cost of building `stage` in a target dir that holds nothing it can use."""
        costs = self.costs
        graph = self.packages * costs.package * (costs.debug_factor if keys.debug else 1.0)
        cost = costs.build_overhead + graph + self.link(keys)
        if not stage.build_std:
            return cost
        return cost + costs.std + (0.0 if keys.lean else costs.backtrace)

    def link(self, keys: Keys) -> float:
        costs = self.costs
        if not keys.lto:
            return 0.0
        factor = (costs.speed_link if keys.speed else 1.0) * (costs.lean_link if keys.lean else 1.0)
        return (costs.lto_base + costs.lto_package * self.packages) * factor

    def best_match(self, groups: Sequence[Group], keys: Keys) -> tuple[Group, float] | None:
        """The group whose units `keys` reuses most, and what is left to build there."""
        best: tuple[Group, float] | None = None
        for group in groups:
            for kin in group.keys:
                extra = self.extra(kin, keys)
                if extra is not None and (best is None or extra < best[1]):
                    best = (group, extra)
        return best

    def extra(self, built: Keys, wanted: Keys) -> float | None:
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
