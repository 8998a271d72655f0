"""What a command tells a person while it works: the CLI prints it; library code never does."""

from __future__ import annotations

from typing import Protocol

from minbuild.runs.records import StageRecord


class Reporter(Protocol):
    """Receives a command's progress as it happens."""

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        """Build `position` of `total` (a stage, maybe @ a target) started `action`."""

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        """Build `position` of `total` is done: its record."""

    def restarting(self, reason: str) -> None:
        """The run starts again, for `reason` (the toolchain chosen first cannot build it)."""

    def lanes(self, count: int) -> None:
        """`count` lanes report at once from now on (only one may redraw a line in place)."""

    def step(self, number: int, total: int, label: str) -> None:
        """Step `number` of `total` of a job that is not a staircase (a feature combination)."""

    def say(self, message: str) -> None:
        """One line for a person, now."""


class Silent:
    """A reporter that reports nothing (for scripts, benchmarks and tests)."""

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        pass

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        pass

    def restarting(self, reason: str) -> None:
        pass

    def lanes(self, count: int) -> None:
        pass

    def step(self, number: int, total: int, label: str) -> None:
        pass

    def say(self, message: str) -> None:
        pass
