"""What one min-build or cross-build asks for, resolved: the project file read once, and the
command line, the environment and the file's own settings settled into single values
(commands/resolve.py decides which wins). The planner and the executor take it whole and see
nothing else of the user's input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minbuild.engine.shards import Shard
from minbuild.project.config import Project
from minbuild.rust.cache import Cache
from minbuild.rust.network import CARGO_DEFAULT, Network


@dataclass(frozen=True)
class BuildRequest:
    """The builds to plan: which stages and targets, with what, where."""

    project: Project
    """The project file, read and checked, with a manifest to build."""
    state_dir: Path
    """Absolute: target dirs, artifacts, logs and run documents."""
    stage_names: tuple[str, ...] = ()
    """The stages asked for by name (none: every stage, or the range `first`..`last`)."""
    every_stage: bool = False
    """Every stage was asked for by name ('all'): a cross build builds them all, too."""
    first: str | None = None
    last: str | None = None
    targets: tuple[str, ...] = ()
    """Foreign targets, for a cross build (none: every target of the project)."""
    cross: bool = False
    """Build for foreign targets instead of the host."""
    toolchain: str | None = None
    """The toolchain the user named (None: minbuild chooses)."""
    fail_fast: bool = False
    parallel: int = 1
    """Lanes built at once."""
    dry_run: bool = False
    check: bool = False
    """Enforce the project's size budgets after building."""
    allowance: str | None = None
    """Why broken budgets would not fail the check (the flag or the environment variable),
    None: they would."""
    cache: Cache | None = None
    """The compile cache every build goes through."""
    shard: Shard | None = None
    network: Network = CARGO_DEFAULT
    """How cargo may reach the crate's dependencies."""

    @property
    def picks_stages(self) -> bool:
        """Stages were picked (by name or range): with a shard, they are its share."""
        return bool(self.stage_names or self.first or self.last)
