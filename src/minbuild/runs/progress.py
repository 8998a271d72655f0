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

    def ended(self, position: int, total: int, label: str, summary: str) -> None:
        """Job `position` of `total` that makes no stage record (a feature combination, init's
        build) is done: `summary` says how it went."""

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

    def ended(self, position: int, total: int, label: str, summary: str) -> None:
        pass

    def say(self, message: str) -> None:
        pass


class ToolchainCheck:
    """A `Checking` for the toolchain check's `cargo check`: its units as job 0 of `total`
    (before the command's own jobs), said only once cargo reports one, so that a fresh check
    adds no line."""

    LABEL = "toolchain check"

    def __init__(self, reporter: Reporter, total: int) -> None:
        self.reporter, self.total = reporter, total
        self.heard = False

    def __call__(self, action: str) -> None:
        self.heard = True
        self.reporter.progress(0, self.total, self.LABEL, action)

    def done(self, chosen: str) -> None:
        """The check is over: `chosen` is the toolchain it chose."""
        if self.heard:
            self.reporter.ended(0, self.total, self.LABEL, f"chose {chosen}")
            self.heard = False
