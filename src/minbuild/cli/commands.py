"""Every command: its name, its help and the options dataclasses it takes. The argument
parser is derived from these declarations, and so are the invoke tasks (cli/tasks.py)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from minbuild import __version__
from minbuild.commands.ci_matrix import MatrixJobsOptions
from minbuild.commands.init import InitOptions
from minbuild.commands.size_report import BaselineOptions, ReportOptions
from minbuild.engine.planner import Options as BuildOptions
from minbuild.features.cfgaudit import AuditOptions
from minbuild.features.combinations import MatrixOptions
from minbuild.features.cost import CostOptions
from minbuild.project.options import STATE_DIR, CrateSource
from minbuild.runs.merge import MergeOptions
from minbuild.rust.provision import DoctorOptions, SetupOptions
from minbuild.util.errors import ConfigError
from minbuild.util.options import Option, add_arguments

DEMO = Path("config/demo.yaml")
OWN = Path("minbuild.yaml")


@dataclass(frozen=True)
class Common:
    """Options every command takes."""

    verbose: bool = Option(
        "--verbose",
        "log every command minbuild runs, with the environment it changes",
        switch=True,
        short="-v",
    )()
    """Log every command minbuild runs."""
    state_dir: Path = STATE_DIR(Path(".minbuild"))
    """minbuild's state directory."""


@dataclass(frozen=True)
class Command:
    """One subcommand of `minbuild`."""

    name: str
    """As typed: min-build."""
    help: str
    """One line for `minbuild --help`."""
    options: tuple[type[Any], ...]
    """The options dataclasses whose options it takes, in help order."""
    leave_out: frozenset[str] = frozenset()
    """Fields of those dataclasses this command does not take."""
    holds_state_dir: bool = False
    """It builds into the state dir, so it holds the state dir's lock while it runs."""
    finds_project: bool = False
    """Without --config (or --manifest-path) it uses ./minbuild.yaml, else the demo's."""

    @property
    def handler(self) -> str:
        """The name of the function that runs it: min-build → min_build."""
        return self.name.replace("-", "_")


COMMANDS = (
    Command(
        "min-build",
        "take a crate down the staircase",
        (BuildOptions,),
        frozenset({"targets"}),
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "cross-build",
        "build and test stages for foreign targets",
        (BuildOptions,),
        frozenset({"first", "last"}),
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "feature-matrix",
        "check every feature combination up to a depth",
        (CrateSource, MatrixOptions),
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "feature-cost",
        "bytes each optional feature adds, with tests on each binary",
        (CrateSource, CostOptions),
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "cfg-audit",
        "count and classify the crate's cfgs, flag bad names",
        (CrateSource, AuditOptions),
        finds_project=True,
    ),
    Command(
        "ci-matrix",
        "print the CI jobs (a GitHub Actions matrix) that share out the staircase",
        (MatrixJobsOptions,),
        finds_project=True,
    ),
    Command(
        "merge",
        "combine the shards' run documents into one run",
        (MergeOptions,),
        holds_state_dir=True,
    ),
    Command("size-report", "render, compare, gate, chart and publish sizes", (ReportOptions,)),
    Command("size-baseline", "write the reviewable baseline file from a run", (BaselineOptions,)),
    Command(
        "setup",
        "install what the build-std stages and the chosen targets need",
        (SetupOptions,),
        finds_project=True,
    ),
    Command(
        "doctor",
        "can each stage and target run here? why not? the fix",
        (DoctorOptions,),
        finds_project=True,
    ),
    Command(
        "init",
        "write a commented starting project file for a Cargo project",
        (InitOptions,),
        holds_state_dir=True,
    ),
)
BY_NAME = {command.name: command for command in COMMANDS}


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is a ConfigError (one line, exit 2) raised to the entry point."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{self.prog}: {message}")


def parser() -> argparse.ArgumentParser:
    """The parser of every command, derived from COMMANDS; `command` names the one given."""
    common = Parser(add_help=False)
    add_arguments(common, (Common,))
    main = Parser(
        prog="minbuild", description="Take a Cargo project down the minimal-build staircase."
    )
    main.add_argument("--version", action="version", version=f"minbuild {__version__}")
    commands = main.add_subparsers(required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(command.name, parents=[common], help=command.help)
        add_arguments(sub, command.options, {"verbose", "state_dir", *command.leave_out})
        sub.set_defaults(command=command.name)
    return main


def settle_defaults(args: argparse.Namespace) -> None:
    """Fill in where the project comes from: --config, --manifest-path, or what is here."""
    if not BY_NAME[args.command].finds_project or args.config is not None:
        return  # size-report and size-baseline default to the run's own project file
    if getattr(args, "manifest_path", None) is not None:
        return
    if OWN.is_file():
        args.config = OWN
    elif "manifest_path" in args and Path("Cargo.toml").is_file():
        args.manifest_path = Path("Cargo.toml")
    else:
        args.config = DEMO
