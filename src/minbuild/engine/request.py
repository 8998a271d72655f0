"""What one min-build or cross-build invocation asks for: the planner and the executor take
it whole."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from minbuild.project.options import (
    ALLOW_GROWTH,
    CACHE,
    CACHE_REDIS,
    CHECK,
    CONFIG,
    DRY_RUN,
    SHARD,
    STAGES,
    STATE_DIR,
    TARGETS,
    TOOLCHAIN,
    Shard,
)
from minbuild.rust.cache import default_dir
from minbuild.util.options import Option, at_least

# One lane per core. Cross lanes split cargo's -j between them: on 2 cores two targets at once
# (-j1 each) beat one at a time (-j2) by 1.48x in bench/cross_parallel.py, because build-std's
# serial phases (compiler_builtins, the one-codegen-unit LTO link) leave a core idle. Host lanes
# carry unequal work (the build-std stages are most of it), so each keeps every core: the lane
# that finishes first leaves them all to the other (bench/staircase_speed.py).
DEFAULT_PARALLEL = os.cpu_count() or 1


@dataclass(frozen=True)
class BuildOptions:
    """What one min-build or cross-build invocation asks for."""

    config: Path = CONFIG()
    stages: tuple[str, ...] = STAGES(
        help="build only this stage (repeatable, or comma-separated; 'all': every stage; "
        "default: every stage, for cross-build the last one)"
    )
    """Stage names; empty means every stage (cross: the last one); "all" means every stage."""
    first: str | None = Option("--from", "first stage to build", metavar="NAME")()
    """The first stage of the range to build."""
    last: str | None = Option("--to", "last stage to build", metavar="NAME")()
    """The last stage of the range to build."""
    toolchain: str | None = TOOLCHAIN()
    """Skip the automatic choice: this toolchain."""
    fail_fast: bool = Option(
        "--fail-fast",
        "stop (a target) at its first failed stage (min-build: the stages one after another)",
        switch=True,
    )()
    """Stop a lane at its first failed stage."""
    state_dir: Path = STATE_DIR()
    targets: tuple[str, ...] = TARGETS()
    """Target triples for cross builds; empty means every target."""
    parallel: int = Option(
        "--parallel",
        "lanes built at once, each in its own target dir: groups of stages (min-build) or "
        f"targets (cross-build, cargo's -j split between them) (default: {DEFAULT_PARALLEL})",
        metavar="N",
        parse=at_least(1),
        default=DEFAULT_PARALLEL,
    )()
    """Lanes built at once: groups of host stages, or foreign targets."""
    dry_run: bool = DRY_RUN()
    """Plan only: the caller lists the plan's command lines instead of running them."""
    check: bool = CHECK()
    """After building, the caller enforces the project's size budgets."""
    allow_growth: bool = ALLOW_GROWTH()
    """With `check`: broken budgets are recorded warnings, not a failure."""
    cache: str | None = CACHE()
    """The compile cache to use (None: the project file's `cache.tool`)."""
    shard: Shard | None = SHARD()
    """Build only this share of the chosen stages (or targets): one job of a CI matrix."""
    cache_dir: Path | None = Option(
        "--cache-dir",
        "with --cache: where the cache keeps compiled units (default: the project file's "
        f"cache.dir, else {default_dir()})",
        metavar="DIR",
        parse=Path,
    )()
    """Where the cache lives (default: the user's cache directory)."""
    cache_redis: str | None = CACHE_REDIS()
    """A Redis server that keeps the cache's units, shared by CI runners."""
    cross: bool = False
    """Build for foreign targets instead of the host."""

    @property
    def all_stages(self) -> bool:
        """Every stage was asked for by name ('all')."""
        return "all" in self.stages

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The stages asked for by name ('all' and nothing are both every stage)."""
        return () if self.all_stages else self.stages

    @property
    def picks_stages(self) -> bool:
        """Stages were picked (by name or range): with --shard, they are its share."""
        return bool(self.stage_names or self.first or self.last)
