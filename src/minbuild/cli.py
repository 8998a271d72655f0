"""The command line: the only place that prints, exits, or catches minbuild's errors."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from minbuild import __version__, pipeline, provision, records, table
from minbuild.errors import MinbuildError
from minbuild.records import StageRecord

EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="minbuild: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.handler(args))
    except MinbuildError as error:
        print(f"minbuild: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("\nminbuild: interrupted; run documents written so far are intact", file=sys.stderr)
        return EXIT_INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log every command minbuild runs, with the environment it changes",
    )
    common.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".minbuild"),
        help="target dir, artifacts, logs and run documents (default: .minbuild)",
    )
    parser = argparse.ArgumentParser(
        prog="minbuild", description="Take a Cargo project down the minimal-build staircase."
    )
    parser.add_argument("--version", action="version", version=f"minbuild {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    build = commands.add_parser(
        "min-build", parents=[common], help="take a crate down the staircase"
    )
    build.add_argument(
        "--config",
        type=Path,
        default=Path("config/demo.yaml"),
        help="project file (default: config/demo.yaml, the bundled demo crate)",
    )
    build.add_argument(
        "--stage",
        action="append",
        default=[],
        metavar="NAME",
        help="build only this stage (repeatable)",
    )
    build.add_argument("--from", dest="first", metavar="NAME", help="first stage to build")
    build.add_argument("--to", dest="last", metavar="NAME", help="last stage to build")
    build.add_argument(
        "--toolchain",
        help="nightly, stable, debian or a rustup toolchain name "
        "(default: the first of nightly+rust-src, debian, stable that runs all)",
    )
    build.add_argument(
        "--dry-run",
        action="store_true",
        help="print each stage's command line and environment; build nothing",
    )
    build.add_argument("--fail-fast", action="store_true", help="stop at the first failed stage")
    build.set_defaults(handler=_min_build)

    show = commands.add_parser("show", parents=[common], help="print the table of a recorded run")
    show.add_argument("--run", help="run id or path of a run document (default: the latest)")
    show.set_defaults(handler=_show)

    setup = commands.add_parser(
        "setup", parents=[common], help="install Debian's rustc-web for build-std stages"
    )
    setup.set_defaults(handler=_setup)
    return parser


def _options(args: argparse.Namespace) -> pipeline.Options:
    return pipeline.Options(
        config=args.config,
        stages=tuple(args.stage),
        first=args.first,
        last=args.last,
        toolchain=args.toolchain,
        fail_fast=args.fail_fast,
        state_dir=args.state_dir,
    )


def _min_build(args: argparse.Namespace) -> int:
    if args.dry_run:
        print(table.describe_plan(pipeline.prepare(_options(args))), end="")
        return 0
    run, path = pipeline.min_build(_options(args), ProgressPrinter(sys.stderr))
    print(table.render(run), end="")
    print(f"\nrun document: {path}")
    return 1 if any(stage.status == "failed" for stage in run.stages) else 0


def _show(args: argparse.Namespace) -> int:
    runs_dir = args.state_dir / "runs"
    path = (
        records.latest(runs_dir)
        if args.run is None
        else (Path(args.run) if args.run.endswith(".json") else runs_dir / f"{args.run}.json")
    )
    print(table.render(records.load(path)), end="")
    return 0


def _setup(args: argparse.Namespace) -> int:
    missing = provision.missing_packages()
    if not missing:
        print("minbuild setup: Debian's rustc-web, cargo-web and rust-web-src are installed")
        return 0
    for line in provision.install(missing):
        print(f"minbuild setup: ran {line}")
    return 0


class ProgressPrinter:
    """One line per stage: what it is doing and for how long; redrawn each second on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._line = ""
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        self._halt()
        self._line, self._started = f"[{position:>2}/{total}] {stage}: {action}", time.monotonic()
        if self.live:
            self._stop = threading.Event()
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        else:
            print(f"{self._line} …", file=self.stream, flush=True)

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        self._halt()
        size = table.human_size(record.size_bytes) if record.size_bytes is not None else "no size"
        tests = (
            f"{record.tests_passed}/{record.tests_run} tests" if record.tests_run else "no tests"
        )
        seconds = f"{record.build_seconds:.1f}s build" if record.build_seconds is not None else ""
        detail = "  ".join(part for part in (size, tests, seconds) if part)
        if record.status == "skipped":
            detail = record.reason.split(";")[0]
        end = "\r\033[K" if self.live else ""
        print(
            f"{end}[{position:>2}/{total}] {record.name}: {record.status}  {detail}",
            file=self.stream,
            flush=True,
        )

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            elapsed = time.monotonic() - self._started
            print(f"\r\033[K{self._line} … {elapsed:.0f}s", end="", file=self.stream, flush=True)

    def _halt(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
