"""The command line's entry point: the only place that prints, exits, or catches minbuild's
errors. Every command runs the same way: options built from the arguments, `run(options,
reporter)`, its `Outcome` printed."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from minbuild.cli import parser
from minbuild.cli.progress import ProgressPrinter
from minbuild.commands.outcome import Outcome
from minbuild.commands.registry import BY_NAME
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter, Silent
from minbuild.util.errors import ExitCode, MinbuildError
from minbuild.util.files import FULL, disk_full

TERMINATING = (signal.SIGTERM, signal.SIGHUP)
"""Signals that end minbuild as Ctrl-C does (what `timeout`, `docker stop`, systemd and a CI
system's cancel send, and a closed terminal)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C's KeyboardInterrupt would be, so that the same
    orderly stop follows: every child's process group killed, the run marked interrupted."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, _frame: FrameType | None) -> None:
    for each in TERMINATING:  # a second signal must not cut the stop short
        signal.signal(each, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def _terminated_as_interrupted() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (main() called from a test's thread)
        return
    before = {signum: signal.signal(signum, _terminate) for signum in TERMINATING}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    with _terminated_as_interrupted():
        return _main(argv)


def _tolerant_streams() -> None:
    """A terminal whose encoding lacks a character (`·`, `Δ`, a crate's UTF-8 output under
    PYTHONIOENCODING=ascii) gets a replacement for it, never a traceback that loses the
    result table."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def _main(argv: Sequence[str] | None) -> int:
    state_dir: Path | None = None
    try:
        args = parser.parser().parse_args(argv)
        parser.settle_defaults(args)
        common = parser.build(parser.Common, vars(args))
        state_dir = common.state_dir
        logging.basicConfig(
            level=logging.INFO if common.verbose else logging.WARNING,
            format="minbuild: %(message)s",
            stream=sys.stderr,
        )
        command = BY_NAME[args.command]
        request = command.resolve(parser.build(command.options, vars(args)), os.environ)
        printer = ProgressPrinter(sys.stderr, voice=command.voice)
        reporter: Reporter = Silent() if common.quiet else printer
        try:
            # A dry run on a state dir not made yet takes no lock, so that bad input leaves
            # nothing behind; its toolchain check (a `cargo check`) makes the dir when the
            # input is good. With the dir there, it waits its turn as a build does.
            dry_and_new = getattr(request, "dry_run", False) and not common.state_dir.exists()
            if command.holds_state_dir and not dry_and_new:
                with statedir.exclusive(common.state_dir, command.name, _say):
                    outcome = command.run(request, reporter)
            else:
                outcome = command.run(request, reporter)
        finally:
            printer.close()
        _print(outcome, command.voice)
        return int(outcome.exit_code)
    except MinbuildError as error:
        print(f"minbuild: error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # the world failed under us (disk full, a file vanished)
        if error.filename is None and error.errno in FULL and state_dir is not None:
            print(f"minbuild: error: {disk_full(state_dir)}", file=sys.stderr)
        else:
            where = error.filename or "a file it was writing"
            print(f"minbuild: error: {where}: {error.strerror}", file=sys.stderr)
        return ExitCode.ENVIRONMENT
    except Terminated as stop:
        print(
            f"minbuild: terminated by {stop}; every build it started is stopped, run documents "
            "written so far are intact",
            file=sys.stderr,
        )
        return 128 + stop.signum
    except KeyboardInterrupt:
        print("\nminbuild: interrupted; run documents written so far are intact", file=sys.stderr)
        return ExitCode.INTERRUPTED


def cargo_main() -> int:
    """`cargo minbuild ARGS`: cargo runs cargo-minbuild with its own name first."""
    args = sys.argv[1:]
    return main(args[1:] if args[:1] == ["minbuild"] else args)


def _print(outcome: Outcome, voice: str) -> None:
    print(outcome.text, end="", flush=True)
    for message in outcome.messages:
        print(f"{voice}: {message}", file=sys.stderr, flush=True)


def _say(message: str) -> None:
    print(f"minbuild: {message}", file=sys.stderr, flush=True)
