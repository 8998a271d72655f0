"""Why a toolchain was chosen, as data: what each candidate lacked, which one was chosen and
what proves it builds the crate. Rendered to lines (`lines`) only where a person reads them:
the dry run, `init`, and the run document."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Missing:
    """A candidate that is not installed, or did not answer: its probe's error."""

    error: str

    def line(self) -> str:
        return self.error


@dataclass(frozen=True)
class RunsFewer:
    """A candidate preferred to the chosen one that cannot run as many stages."""

    label: str
    skipped: int
    """Stages it cannot run."""
    first_stage: str
    """The first of them."""
    reason: str
    """Why it cannot run that stage (the first clause of the skip reason)."""

    def line(self) -> str:
        return (
            f"{self.label}: cannot run {self.skipped} stage(s), first {self.first_stage}: "
            f"{self.reason}"
        )


@dataclass(frozen=True)
class CannotBuild:
    """A candidate whose check of the crate failed."""

    label: str
    problem: str
    """The check's first error."""

    def line(self) -> str:
        return f"{self.label} cannot build the crate: {self.problem}"


@dataclass(frozen=True)
class Evidence:
    """What proved the chosen toolchain builds the crate."""

    built_stage: str | None = None
    """The stage whose build made its artifact; None: `cargo check` of the crate passed."""

    def text(self) -> str:
        if self.built_stage is None:
            return "`cargo check` of the crate passed"
        return f"the crate built with it ({self.built_stage})"


CHECKED = Evidence()
"""The crate's `cargo check` passed with the toolchain."""


@dataclass(frozen=True)
class Chosen:
    """The chosen toolchain, how many stages it cannot run, and the proof it builds the crate."""

    label: str
    skipped: int
    evidence: Evidence | None = None
    """None: not proved yet (the run's first build will stand for the check)."""
    runs: str = ""
    """The stages it builds (`debug…location-detail`), when it cannot build them all."""
    not_run: str = ""
    """The stages no toolchain here builds (`build-std…panic-immediate-abort`)."""

    def line(self) -> str:
        runs = "every stage" if not self.skipped else f"all but {self.skipped} stage(s)"
        if self.skipped and self.runs:
            runs = f"{self.runs}; not {self.not_run}"
        proof = f"; {self.evidence.text()}" if self.evidence else ""
        return f"{self.label}: chosen; runs {runs}{proof}"


@dataclass(frozen=True)
class NoneBuilds:
    """No installed toolchain builds the crate: the run goes on with this one."""

    label: str

    def line(self) -> str:
        return f"no installed toolchain builds the crate; using {self.label}"


@dataclass(frozen=True)
class Alternative:
    """For a requested toolchain that cannot build the crate: one that can (name None: none)."""

    name: str | None = None
    label: str | None = None

    def line(self) -> str:
        if self.name is None:
            return "no other installed toolchain builds it either"
        return f"--toolchain {self.name} builds it ({self.label})"


@dataclass(frozen=True)
class OfflineSource:
    """build-std takes std's and the crate's crates.io dependencies from one offline source."""

    packages: int
    """The crate's crates.io dependencies in it."""
    path: Path

    def line(self) -> str:
        return (
            f"build-std: std's and {self.packages} crates.io dependencies of the crate from one "
            f"offline source, {self.path}"
        )


@dataclass(frozen=True)
class Pinned:
    """The crate pins a toolchain (rust-toolchain.toml): it is tried first, as rustup would."""

    channel: str
    file: str
    problem: str | None = None
    """Why it cannot be taken at all."""

    def line(self) -> str:
        tried = f"not taken: {self.problem}" if self.problem else "tried first"
        return f"the crate pins toolchain {self.channel} ({self.file}): {tried}"


@dataclass(frozen=True)
class PinSetAside:
    """The run does not take the crate's pinned toolchain: why, and what runs instead."""

    channel: str
    file: str
    reason: str
    instead: str

    def line(self) -> str:
        return (
            f"pinned toolchain {self.channel} ({self.file}) set aside: {self.reason}; "
            f"{self.instead} runs instead"
        )


@dataclass(frozen=True)
class Resolved:
    """What the run's one resolution of Cargo.lock did, or the route build-std takes for
    std's own dependencies: facts of how the chosen toolchain's cargo reaches its sources."""

    text: str

    def line(self) -> str:
        return self.text


Finding = (
    Resolved
    | Pinned
    | PinSetAside
    | Missing
    | RunsFewer
    | CannotBuild
    | Chosen
    | NoneBuilds
    | Alternative
    | OfflineSource
)
"""One fact of a toolchain choice, in the order the choice met it."""


def lines(choice: Sequence[Finding]) -> tuple[str, ...]:
    """The choice as a person reads it, a line per finding."""
    return tuple(finding.line() for finding in choice)


def proved(choice: Sequence[Finding], evidence: Evidence) -> tuple[Finding, ...]:
    """`choice` once its chosen toolchain proved it builds the crate."""
    return tuple(
        dataclasses.replace(finding, evidence=evidence) if isinstance(finding, Chosen) else finding
        for finding in choice
    )
