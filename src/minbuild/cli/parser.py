"""The argument parser, derived from the commands' table and their options dataclasses."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from minbuild import __version__
from minbuild.commands.registry import BY_NAME, COMMANDS
from minbuild.project.options import DEMO_CONFIG, STATE_DIR
from minbuild.util.errors import ConfigError
from minbuild.util.options import Option, add_arguments

OWN = Path("minbuild.yaml")
"""A crate's own project file, where `init` writes it: found in the current directory."""


@dataclass(frozen=True)
class Common:
    """Options every command takes."""

    verbose: bool = Option(
        "--verbose",
        "log every command minbuild runs, with the environment it changes",
        switch=True,
        short="-v",
    )()
    state_dir: Path = STATE_DIR()


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
        add_arguments(sub, (command.options,), {"verbose", "state_dir", *command.leave_out})
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
        args.config = DEMO_CONFIG
