"""What min-build and cross-build take on the command line; commands/resolve.py settles it,
with the environment and the project file, into the request the planner takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild.commands.option import Option
from minbuild.commands.vocabulary import (
    ALLOW_GROWTH,
    CACHE,
    CACHE_DIR,
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
)
from minbuild.engine.shards import Shard


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
    cache_dir: Path | None = CACHE_DIR()
    cache_redis: str | None = CACHE_REDIS()
    cache_read_only: bool = CACHE_READ_ONLY()
    locked: bool = LOCKED()
    offline: bool = OFFLINE()
    frozen: bool = FROZEN()
    cross: bool = False
    """Build for foreign targets instead of the host."""

    @classmethod
    def sharing(cls, options: object, names: Iterable[str], **given: Any) -> BuildOptions:
        """min-build's options for another command's builds: the fields `names` taken from its
        `options`, where they mean what they mean to min-build, and `given`; min-build's
        defaults for the rest."""
        return cls(**{name: getattr(options, name) for name in names}, **given)
