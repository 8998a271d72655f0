"""What every command ends with, whichever it is: the CLI prints it and exits with its code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minbuild.util.errors import ExitCode


@dataclass(frozen=True)
class Outcome:
    """A command's result: `text` for standard output, `messages` one line each for standard
    error, and the exit code."""

    exit_code: ExitCode = ExitCode.OK
    """0 ok, 1 a build, test, budget or limit failed (`ExitCode`)."""
    text: str = ""
    """Standard output, whole (a table, a report, JSON), ending in a newline when not empty."""
    written: tuple[Path, ...] = ()
    """The files the command wrote: run documents, records, reports, project files."""
    messages: tuple[str, ...] = ()
    """Notes for a person, one line each, for standard error after the text."""
