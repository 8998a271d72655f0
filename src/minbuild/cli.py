"""The command line: the only place that prints, exits, or catches minbuild's errors."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from minbuild import (
    __version__,
    cargo,
    cfgaudit,
    featurecost,
    featurematrix,
    formats,
    pipeline,
    provision,
    records,
    sizereport,
    stages,
    table,
    targets,
    toolchains,
)
from minbuild.config import load_project
from minbuild.errors import MinbuildError
from minbuild.records import StageRecord

EXIT_INTERRUPTED = 130
# One lane per core, cargo's -j split between them: on 2 cores two targets at once (-j1 each)
# beat one at a time (-j2) by 1.48x in bench/cross_parallel.py, because build-std's serial
# phases (compiler_builtins, the one-codegen-unit LTO link) leave a core idle.
DEFAULT_PARALLEL = os.cpu_count() or 1


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

    building = argparse.ArgumentParser(add_help=False)
    building.add_argument(
        "--config",
        type=Path,
        default=Path("config/demo.yaml"),
        help="project file (default: config/demo.yaml, the bundled demo crate)",
    )
    building.add_argument(
        "--toolchain",
        help="nightly, stable, debian or a rustup toolchain "
        "name (default: the first of nightly+rust-src, debian, stable that "
        "runs all)",
    )
    building.add_argument(
        "--dry-run",
        action="store_true",
        help="print each build's command line and environment; build nothing",
    )
    building.add_argument(
        "--fail-fast", action="store_true", help="stop (a target) at its first failed stage"
    )
    building.add_argument(
        "--check",
        action="store_true",
        help="after building, enforce the project's size budgets (exit 1)",
    )

    build = commands.add_parser(
        "min-build", parents=[common, building], help="take a crate down the staircase"
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
    build.set_defaults(handler=_min_build)

    cross_build = commands.add_parser(
        "cross-build", parents=[common, building], help="build and test stages for foreign targets"
    )
    cross_build.add_argument(
        "--stages",
        default="",
        help="'all' or comma-separated stage names (default: the last stage)",
    )
    cross_build.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="TRIPLE",
        help="only this target (repeatable; default: every target)",
    )
    cross_build.add_argument(
        "--parallel",
        type=int,
        default=DEFAULT_PARALLEL,
        metavar="N",
        help=f"targets built at once, cargo's -j split between them (default: {DEFAULT_PARALLEL})",
    )
    cross_build.set_defaults(handler=_cross_build)

    matrix = commands.add_parser(
        "feature-matrix", parents=[common], help="check every feature combination up to a depth"
    )
    matrix.add_argument("--config", type=Path, default=Path("config/demo.yaml"))
    matrix.add_argument(
        "--depth",
        type=int,
        help="combinations of up to N features "
        "(default: the project's feature_matrix.depth, else 2)",
    )
    matrix.add_argument("--exclude", action="append", default=[], metavar="FEATURE")
    matrix.add_argument("--partition", metavar="M/N", help="only part M of N (for CI runners)")
    matrix.add_argument("--test", action="store_true", help="cargo test instead of cargo check")
    matrix.add_argument("--dry-run", action="store_true", help="list the combinations only")
    matrix.add_argument("--toolchain", help="as for min-build")
    matrix.set_defaults(handler=_feature_matrix)

    cost = commands.add_parser(
        "feature-cost",
        parents=[common],
        help="bytes each optional feature adds, with tests on each binary",
    )
    cost.add_argument("--config", type=Path, default=Path("config/demo.yaml"))
    cost.add_argument("--stage", help="the base stage (default: the last one without build-std)")
    cost.add_argument("--exclude", action="append", default=[], metavar="FEATURE")
    cost.add_argument("--toolchain", help="as for min-build")
    cost.set_defaults(handler=_feature_cost)

    cfg_audit = commands.add_parser(
        "cfg-audit", parents=[common], help="count and classify the crate's cfgs, flag bad names"
    )
    cfg_audit.add_argument("--config", type=Path, default=Path("config/demo.yaml"))
    cfg_audit.add_argument("--format", dest="form", choices=("table", "json"), default="table")
    cfg_audit.add_argument("--output", type=Path, help="write the report to this file")
    cfg_audit.add_argument(
        "--max-use-site-cfgs",
        type=int,
        metavar="N",
        help="exit 1 if more than N cfgs sit inside function bodies",
    )
    cfg_audit.set_defaults(handler=_cfg_audit)

    report = commands.add_parser(
        "size-report", parents=[common], help="render, compare, gate, chart and publish sizes"
    )
    report.add_argument("--run", help="run id or path (default: the latest run)")
    report.add_argument(
        "--against",
        metavar="RUN|PATH|baseline",
        help="compare with another run, or with the committed baseline",
    )
    report.add_argument(
        "--format",
        dest="form",
        default="terminal",
        help="terminal (default), markdown, json or csv",
    )
    report.add_argument("--output", type=Path, help="write the report to this file")
    report.add_argument(
        "--bytes",
        dest="exact",
        action="store_true",
        help="exact sizes in bytes instead of humanized",
    )
    report.add_argument(
        "--check",
        action="store_true",
        help="enforce the project's budgets: exit 1 and say which broke",
    )
    report.add_argument(
        "--ratchet",
        action="store_true",
        help="lower baseline entries this run beat (never raises one)",
    )
    report.add_argument("--history", type=int, metavar="N", help="sizes across the last N runs")
    report.add_argument(
        "--stage",
        action="append",
        default=[],
        metavar="NAME",
        help="with --history: only this stage (repeatable)",
    )
    report.add_argument("--target", help="with --history: this target (default: the host)")
    report.add_argument(
        "--plot",
        type=Path,
        metavar="FILE.png|FILE.svg",
        help="draw the staircase (or, with --history, the sizes over time)",
    )
    report.add_argument("--log-scale", action="store_true", help="log-scale size axis in --plot")
    report.add_argument(
        "--config", type=Path, help="project file for budgets and baseline (default: the run's own)"
    )
    report.set_defaults(handler=_size_report)

    baseline = commands.add_parser(
        "size-baseline", parents=[common], help="write the reviewable baseline file from a run"
    )
    baseline.add_argument("--run", help="run id or path (default: the latest run)")
    baseline.add_argument("--config", type=Path, help="project file (default: the run's own)")
    baseline.add_argument(
        "--output", type=Path, help="where to write it (default: the project's size_baseline)"
    )
    baseline.set_defaults(handler=_size_baseline)

    setup = commands.add_parser(
        "setup",
        parents=[common],
        help="install what the build-std stages and the chosen targets need",
    )
    setup.add_argument(
        "--targets",
        action="append",
        default=[],
        metavar="TRIPLE|all",
        help="also the packages of these cross targets (repeatable, or all)",
    )
    setup.add_argument(
        "--config",
        type=Path,
        default=Path("config/demo.yaml"),
        help="project file naming the targets file (default: config/demo.yaml)",
    )
    setup.add_argument("--dry-run", action="store_true", help="say what would be installed")
    setup.set_defaults(handler=_setup)

    doctor = commands.add_parser(
        "doctor", parents=[common], help="can each stage and target run here? why not? the fix"
    )
    doctor.add_argument(
        "--config",
        type=Path,
        default=Path("config/demo.yaml"),
        help="project file (default: config/demo.yaml)",
    )
    doctor.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="TRIPLE",
        help="only these targets (repeatable; default: every target)",
    )
    doctor.set_defaults(handler=_doctor)
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


def _cross_options(args: argparse.Namespace) -> pipeline.Options:
    names = [] if args.stages in ("", "all") else args.stages.split(",")
    return pipeline.Options(
        config=args.config,
        stages=tuple(names),
        all_stages=args.stages == "all",
        toolchain=args.toolchain,
        fail_fast=args.fail_fast,
        state_dir=args.state_dir,
        cross=True,
        targets=tuple(args.target),
        parallel=args.parallel,
    )


def _cross_build(args: argparse.Namespace) -> int:
    return _build(args, _cross_options(args))


def _min_build(args: argparse.Namespace) -> int:
    return _build(args, _options(args))


def _build(args: argparse.Namespace, options: pipeline.Options) -> int:
    if args.dry_run:
        print(table.describe_plan(pipeline.prepare(options)), end="")
        return 0
    run, path = pipeline.min_build(options, ProgressPrinter(sys.stderr, live=options.parallel <= 1))
    print(formats.terminal(formats.Report(run)), end="")
    print(f"\nrun document: {path}")
    failed = any(stage.status == "failed" for stage in run.stages)
    if args.check:
        violations, warnings = sizereport.gate(run, load_project(args.config))
        print("\n" + "\n".join(formats.budget_lines(violations, warnings)))
        failed = failed or bool(violations)
    return 1 if failed else 0


def _feature_matrix(args: argparse.Namespace) -> int:
    options = featurematrix.MatrixOptions(
        config=args.config,
        depth=args.depth,
        exclude=tuple(args.exclude),
        part=args.partition,
        test=args.test,
        dry_run=args.dry_run,
        toolchain=args.toolchain,
        state_dir=args.state_dir,
    )

    def progress(number: int, total: int, label: str) -> None:
        print(f"[{number:>2}/{total}] {label}", file=sys.stderr, flush=True)

    text, path, ok = featurematrix.run(options, progress)
    print(text, end="")
    if path is not None:
        print(f"\nrecord: {path}")
    return 0 if ok else 1


def _feature_cost(args: argparse.Namespace) -> int:
    text, path = featurecost.run(
        args.config,
        args.stage,
        args.exclude,
        args.toolchain,
        args.state_dir,
        ProgressPrinter(sys.stderr),
    )
    print(text, end="")
    print(f"\nrun document: {path}")
    return 0


def _cfg_audit(args: argparse.Namespace) -> int:
    project = load_project(args.config)
    toolchain = toolchains.resolve((), None).toolchain
    root, packages = cargo.workspace_features(
        project, toolchain.candidate.cargo, toolchain.candidate.env
    )
    sources, declared = cfgaudit.read_sources(root, packages)
    result = cfgaudit.audit(sources, declared, cargo.declared_cfgs(root))
    text = cfgaudit.to_json(result) if args.form == "json" else cfgaudit.render(result)
    if args.output:
        records.write_atomic(args.output, text)
        print(f"wrote {args.output}")
    else:
        print(text, end="")
    limit, found = args.max_use_site_cfgs, result.total("use_sites")
    if limit is not None and found > limit:
        print(
            f"minbuild: {found} cfgs inside function bodies, more than --max-use-site-cfgs {limit}",
            file=sys.stderr,
        )
        return 1
    return 0


def _size_report(args: argparse.Namespace) -> int:
    options = sizereport.ReportOptions(
        run=args.run,
        against=args.against,
        form=args.form,
        output=args.output,
        exact=args.exact,
        check=args.check,
        ratchet=args.ratchet,
        history=args.history,
        stages=tuple(args.stage),
        target=args.target,
        plot=args.plot,
        log_scale=args.log_scale,
        config=args.config,
        state_dir=args.state_dir,
    )
    outcome = sizereport.size_report(options)
    print(outcome.text, end="")
    for message in outcome.messages:
        print(f"minbuild: {message}", file=sys.stderr)
    return outcome.exit_code


def _size_baseline(args: argparse.Namespace) -> int:
    path, baseline = sizereport.write_baseline(args.run, args.config, args.state_dir, args.output)
    runs = ", ".join(sorted({entry.run_id for entry in baseline.entries}))
    print(f"wrote {path}: {len(baseline.entries)} entries from run {runs}; review and commit it")
    return 0


def _chosen_targets(config: Path, names: Sequence[str]) -> tuple[targets.Target, ...]:
    every = targets.load_targets(load_project(config).targets)
    return every if "all" in names else targets.select(every, names) if names else ()


def _setup(args: argparse.Namespace) -> int:
    for line in provision.setup(_chosen_targets(args.config, args.targets), args.dry_run):
        print(f"minbuild setup: {line}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    project = load_project(args.config)
    findings = provision.doctor(
        project,
        stages.load_staircase(project),
        targets.select(targets.load_targets(project.targets), args.target),
    )
    print(
        table.format_table(
            ["", "what", "detail"],
            [["ok" if f.available else "NO", f.what, f.detail] for f in findings],
        )
    )
    missing = [f for f in findings if not f.available]
    print(f"\n{len(findings) - len(missing)} of {len(findings)} available")
    return 0 if not missing else 1


class ProgressPrinter:
    """One line per stage: what it is doing and for how long; redrawn each second on a terminal."""

    def __init__(self, stream: TextIO, live: bool = True) -> None:
        self.stream = stream
        # Lanes in parallel interleave their lines: only one lane may redraw its line in place.
        self.live = live and stream.isatty()
        self._line = ""
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._labels: dict[int, str] = {}  # position -> "stage @ target", from progress()

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        self._halt()
        self._labels[position] = stage
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
        label = self._labels.get(position, record.name)
        print(
            f"{end}[{position:>2}/{total}] {label}: {record.status}  {detail}",
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
