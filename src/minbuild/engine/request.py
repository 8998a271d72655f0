"""What one min-build or cross-build invocation asks for: the planner and the executor take
it whole."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minbuild.project.options import (
    ALLOW_GROWTH,
    CACHE,
    CACHE_READ_ONLY,
    CACHE_REDIS,
    CHECK,
    CONFIG,
    DRY_RUN,
    FIRST,
    FROZEN,
    LOCKED,
    OFFLINE,
    PARALLEL,
    SHARD,
    STAGES,
    STATE_DIR,
    TARGETS,
    TOOLCHAIN,
    Shard,
)
from minbuild.rust.network import Network
from minbuild.util.options import Option


@dataclass(frozen=True)
class BuildOptions:
    """What one min-build or cross-build invocation asks for."""

    config: Path = CONFIG()
    stages: tuple[str, ...] = STAGES(
        help="build only this stage (repeatable, or comma-separated; 'all': every stage; "
        "default: every stage, for cross-build the last one)"
    )
    first: str | None = FIRST()
    last: str | None = Option("--to", "last stage to build", metavar="NAME")()
    toolchain: str | None = TOOLCHAIN()
    fail_fast: bool = Option(
        "--fail-fast",
        "stop (a target) at its first failed stage (min-build: the stages one after another)",
        switch=True,
    )()
    state_dir: Path = STATE_DIR()
    targets: tuple[str, ...] = TARGETS()
    parallel: int = PARALLEL()
    dry_run: bool = DRY_RUN()
    check: bool = CHECK()
    allow_growth: bool = ALLOW_GROWTH()
    cache: str | None = CACHE()
    shard: Shard | None = SHARD()
    cache_dir: Path | None = Option(
        "--cache-dir",
        "with --cache: where the cache keeps compiled units (default: the project file's "
        "cache.dir, else ~/.cache/minbuild/sccache, under $XDG_CACHE_HOME when it is set)",
        metavar="DIR",
        parse=Path,
    )()
    cache_redis: str | None = CACHE_REDIS()
    cache_read_only: bool = CACHE_READ_ONLY()
    locked: bool = LOCKED()
    offline: bool = OFFLINE()
    frozen: bool = FROZEN()
    cross: bool = False
    """Build for foreign targets instead of the host."""

    @property
    def network(self) -> Network:
        """How cargo may reach the crate's dependencies (cargo's --locked/--offline/--frozen)."""
        return Network.of(locked=self.locked, offline=self.offline, frozen=self.frozen)

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
