"""The command line's entry point: the only place that prints, exits, or catches minbuild's
errors. Every command runs the same way: options built from the arguments, `run(options,
reporter)`, its `Outcome` printed."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from minbuild.cli import parser
from minbuild.cli.progress import ProgressPrinter
from minbuild.commands.outcome import Outcome
from minbuild.commands.registry import BY_NAME
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter, Silent
from minbuild.util.errors import ExitCode, MinbuildError
from minbuild.util.options import build


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser.parser().parse_args(argv)
        parser.settle_defaults(args)
        common = build(parser.Common, vars(args))
        logging.basicConfig(
            level=logging.INFO if common.verbose else logging.WARNING,
            format="minbuild: %(message)s",
            stream=sys.stderr,
        )
        command = BY_NAME[args.command]
        options = build(command.options, vars(args))
        printer = ProgressPrinter(sys.stderr, voice=command.voice)
        reporter: Reporter = Silent() if common.quiet else printer
        try:
            if command.holds_state_dir:
                with statedir.exclusive(common.state_dir, command.name, _say):
                    outcome = command.run(options, reporter)
            else:
                outcome = command.run(options, reporter)
        finally:
            printer.close()
        _print(outcome, command.voice)
        return int(outcome.exit_code)
    except MinbuildError as error:
        print(f"minbuild: error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # the world failed under us (disk full, a file vanished)
        print(f"minbuild: error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return ExitCode.ENVIRONMENT
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
