"""The command line's arguments: every command and option, and nothing else."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from minbuild import __version__
from minbuild.util.errors import ConfigError
from minbuild.util.schemas import name_problem

# One lane per core, cargo's -j split between them: on 2 cores two targets at once (-j1 each)
# beat one at a time (-j2) by 1.48x in bench/cross_parallel.py, because build-std's serial
# phases (compiler_builtins, the one-codegen-unit LTO link) leave a core idle.
DEFAULT_PARALLEL = os.cpu_count() or 1


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is a ConfigError (one line, exit 2) raised to the entry point."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{self.prog}: {message}")


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than `minimum`."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return whole_number


def toolchain_name(text: str) -> str:
    """An argparse type: a toolchain name (it names a log file in the state dir)."""
    problem = name_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def parser() -> argparse.ArgumentParser:
    """Every command and option; `command` names the handler cli.py runs."""
    common = Parser(add_help=False)
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
    parser = Parser(
        prog="minbuild", description="Take a Cargo project down the minimal-build staircase."
    )
    parser.add_argument("--version", action="version", version=f"minbuild {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    building = Parser(add_help=False)
    building.add_argument("--config", type=Path, help=CONFIG_HELP)
    building.add_argument(
        "--toolchain",
        type=toolchain_name,
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
    build.set_defaults(command="min_build")

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
        type=at_least(1),
        default=DEFAULT_PARALLEL,
        metavar="N",
        help=f"targets built at once, cargo's -j split between them (default: {DEFAULT_PARALLEL})",
    )
    cross_build.set_defaults(command="cross_build")

    matrix = commands.add_parser(
        "feature-matrix", parents=[common], help="check every feature combination up to a depth"
    )
    crate_only(matrix)
    matrix.add_argument(
        "--depth",
        type=at_least(1),
        help="combinations of up to N features "
        "(default: the project's feature_matrix.depth, else 2)",
    )
    matrix.add_argument("--exclude", action="append", default=[], metavar="FEATURE")
    matrix.add_argument("--partition", metavar="M/N", help="only part M of N (for CI runners)")
    matrix.add_argument("--test", action="store_true", help="cargo test instead of cargo check")
    matrix.add_argument("--dry-run", action="store_true", help="list the combinations only")
    matrix.add_argument("--toolchain", type=toolchain_name, help="as for min-build")
    matrix.set_defaults(command="feature_matrix")

    cost = commands.add_parser(
        "feature-cost",
        parents=[common],
        help="bytes each optional feature adds, with tests on each binary",
    )
    crate_only(cost)
    cost.add_argument("--stage", help="the base stage (default: the last one without build-std)")
    cost.add_argument("--exclude", action="append", default=[], metavar="FEATURE")
    cost.add_argument("--toolchain", type=toolchain_name, help="as for min-build")
    cost.set_defaults(command="feature_cost")

    cfg_audit = commands.add_parser(
        "cfg-audit", parents=[common], help="count and classify the crate's cfgs, flag bad names"
    )
    crate_only(cfg_audit)
    cfg_audit.add_argument("--format", dest="form", choices=("table", "json"), default="table")
    cfg_audit.add_argument("--output", type=Path, help="write the report to this file")
    cfg_audit.add_argument(
        "--max-use-site-cfgs",
        type=at_least(0),
        metavar="N",
        help="exit 1 if more than N cfgs sit inside function bodies",
    )
    cfg_audit.set_defaults(command="cfg_audit")

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
    report.add_argument(
        "--history", type=at_least(1), metavar="N", help="sizes across the last N runs"
    )
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
    report.set_defaults(command="size_report")

    baseline = commands.add_parser(
        "size-baseline", parents=[common], help="write the reviewable baseline file from a run"
    )
    baseline.add_argument("--run", help="run id or path (default: the latest run)")
    baseline.add_argument("--config", type=Path, help="project file (default: the run's own)")
    baseline.add_argument(
        "--output", type=Path, help="where to write it (default: the project's size_baseline)"
    )
    baseline.set_defaults(command="size_baseline")

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
        "--crates",
        action="append",
        default=[],
        metavar="NAME",
        help="also Debian's packaged sources of this crate (librust-NAME-dev, into "
        "/usr/share/cargo/registry), to try minbuild on a real crate offline (repeatable)",
    )
    setup.add_argument("--config", type=Path, help=CONFIG_HELP)
    setup.add_argument("--dry-run", action="store_true", help="say what would be installed")
    setup.set_defaults(command="setup")

    doctor = commands.add_parser(
        "doctor", parents=[common], help="can each stage and target run here? why not? the fix"
    )
    doctor.add_argument("--config", type=Path, help=CONFIG_HELP)
    doctor.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="TRIPLE",
        help="only these targets (repeatable; default: every target)",
    )
    doctor.set_defaults(command="doctor")

    init = commands.add_parser(
        "init",
        parents=[common],
        help="write a commented starting project file for a Cargo project",
    )
    init.add_argument(
        "--manifest-path",
        type=Path,
        default=Path("Cargo.toml"),
        metavar="PATH",
        help="the crate's Cargo.toml (default: ./Cargo.toml)",
    )
    init.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write it (default: minbuild.yaml beside Cargo.toml)",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--toolchain", type=toolchain_name, help="as for min-build")
    init.set_defaults(command="init")
    return parser


CONFIG_HELP = (
    "project file (default: ./minbuild.yaml if there is one, else config/demo.yaml, "
    "the bundled demo crate)"
)
DEMO = Path("config/demo.yaml")
PROJECT_DEFAULTED = frozenset(
    {"min_build", "cross_build", "feature_matrix", "feature_cost", "cfg_audit", "setup", "doctor"}
)
OWN = Path("minbuild.yaml")


def crate_only(command: Parser) -> None:
    """Options of a command that needs only the crate: a project file, or a manifest."""
    command.add_argument(
        "--config",
        type=Path,
        help="project file (default: ./minbuild.yaml, else ./Cargo.toml, else the demo's)",
    )
    command.add_argument(
        "--manifest-path",
        type=Path,
        metavar="PATH",
        help="the crate's Cargo.toml, when it has no project file",
    )
    command.add_argument("--package", metavar="NAME", help="with --manifest-path: the package")


def settle_defaults(args: argparse.Namespace) -> None:
    """Fill in where the project comes from: --config, --manifest-path, or what is here."""
    if args.command not in PROJECT_DEFAULTED or args.config is not None:
        return  # size-report and size-baseline default to the run's own project file
    if getattr(args, "manifest_path", None) is not None:
        return
    if OWN.is_file():
        args.config = OWN
    elif "manifest_path" in args and Path("Cargo.toml").is_file():
        args.manifest_path = Path("Cargo.toml")
    else:
        args.config = DEMO
