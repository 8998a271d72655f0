"""Every error minbuild raises on purpose, each with its exit code; the CLI entry point alone
catches them all (a stage catches the ones that mean the stage failed, and records them)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What minbuild's exit status means; every command returns one of these."""

    OK = 0
    FAILED = 1
    """A build, a test, a budget or a limit failed: the work ran, the result is bad."""
    BAD_INPUT = 2
    """A configuration file, a key, a name or a command-line option is wrong."""
    ENVIRONMENT = 3
    """The machine lacks something: a program, a usable state dir, disk space."""
    ERROR = 4
    """Any other error minbuild raises on purpose."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT, as shells report it)."""


EXIT_MEANINGS = {
    ExitCode.OK: "every stage (or check) ok, or skipped with its reason",
    ExitCode.FAILED: "a build, a test, a budget or a limit failed: the work ran, the result is bad",
    ExitCode.BAD_INPUT: "bad input: a file, a key, a name or an option (one line: "
    "`file:line: key: problem`)",
    ExitCode.ENVIRONMENT: "the machine lacks something: a program, a usable state dir, disk space",
    ExitCode.ERROR: "any other error minbuild raises on purpose",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C: 128 + SIGINT, as shells report it); "
    "SIGTERM and SIGHUP stop it the same way, with 143 and 129",
}
"""What each exit code means, as the CLI reference lists them."""


class MinbuildError(Exception):
    """Base class: a message for a person, and the exit code that goes with it."""

    exit_code = ExitCode.ERROR


class ConfigError(MinbuildError):
    """Bad input: a configuration file, a key, a stage or feature name, a command-line option."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        super().__init__(printable(f"{where}{message}"))


def printable(text: str) -> str:
    """`text` on one line with control characters escaped: input quoted in a message must not
    break it into lines or send escape sequences to the terminal."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


class ToolMissingError(MinbuildError):
    """A program minbuild needs (cargo, rustc, a runner) is not installed."""

    exit_code = ExitCode.ENVIRONMENT


class NetworkError(MinbuildError):
    """A registry cargo must reach (crates.io, or what replaces it) cannot be reached, or the
    run is offline and what it needs was never downloaded."""

    exit_code = ExitCode.ENVIRONMENT


class CommandFailed(MinbuildError):
    """A subprocess exited with a failure code; carries the tail of its output."""

    exit_code = ExitCode.FAILED

    def __init__(self, argv: list[str], returncode: int, output_tail: str) -> None:
        self.argv = argv
        self.returncode = returncode
        self.output_tail = output_tail
        super().__init__(f"{argv[0]} exited with code {returncode}:\n{output_tail}")

    def first_error(self) -> str:
        """The first line that says `error` (cargo's own), else the last line."""
        lines = self.output_tail.strip().splitlines()
        return next((ln.strip() for ln in lines if ln.startswith("error")), self.last_line())

    def last_line(self) -> str:
        """The last line the command printed (cargo's error comes last), for one-line reasons."""
        lines = self.output_tail.strip().splitlines()
        return lines[-1] if lines else str(self).splitlines()[0]


class CommandTimedOut(CommandFailed):
    """A subprocess ran past its timeout and was killed with its whole process group."""

    def __init__(self, argv: list[str], timeout: float, output_tail: str, stdout: str = "") -> None:
        super().__init__(argv, -9, output_tail)
        self.timeout = timeout
        self.stdout = stdout
        """What it printed before it was killed (a test executable's results so far)."""
        self.args = (f"{argv[0]} killed after {timeout:g}s timeout:\n{output_tail}",)


class StateDirError(MinbuildError):
    """The state directory cannot be used (a file, read-only, on a full disk)."""

    exit_code = ExitCode.ENVIRONMENT


class UnreadableArtifact(MinbuildError):
    """The artifact is in no format minbuild reads, or a damaged one."""


class WasmError(MinbuildError):
    """A wasm module that breaks the framing of the binary format."""


class SearchFailed(MinbuildError):
    """An optimize search cannot go on: its start point is not accepted."""

    exit_code = ExitCode.FAILED
