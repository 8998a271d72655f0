"""What a command tells a person while it works: the CLI prints it; library code never does."""

from __future__ import annotations

from collections.abc import Callable
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


class Job:
    """Work outside a command's numbered jobs (a toolchain check, a probe of std): job 0,
    shown by its label alone. Nothing is said until it reports progress; from then on the
    printer keeps its line alive (a line every 30 s off a terminal) until `end`."""

    def __init__(self, reporter: Reporter, label: str, total: int = 1) -> None:
        self.reporter, self.label, self.total = reporter, label, total
        self.heard = False

    def __call__(self, action: str) -> None:
        self.heard = True
        self.reporter.progress(0, self.total, self.label, action)

    def end(self, summary: str) -> None:
        """The work is over: one line, `summary`, if it said anything."""
        if self.heard:
            self.reporter.ended(0, self.total, self.label, summary)
            self.heard = False


class ToolchainCheck(Job):
    """A `Checking` for the toolchain check's `cargo check`: its units as job 0 of `total`
    (before the command's own jobs), said only once cargo reports one, so that a fresh check
    adds no line."""

    LABEL = "toolchain check"

    def __init__(self, reporter: Reporter, total: int) -> None:
        super().__init__(reporter, self.LABEL, total)

    def done(self, chosen: str) -> None:
        """The check is over: `chosen` is the toolchain it chose."""
        self.end(f"chose {chosen}")

    def ending(self, check: Callable[[], str | None], label: str) -> Callable[[], str | None]:
        """`check` of the toolchain `label` (left to a lane, which runs it only when the first
        build fails) ending this job's line when it is over: the line must not outlive it."""

        def checked() -> str | None:
            problem = check()
            self.end(f"{label} {'passes' if problem is None else 'fails'}")
            return problem

        return checked
