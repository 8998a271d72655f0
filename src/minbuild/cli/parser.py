"""The argument parser, derived from the commands' table and their options dataclasses."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import shtab

from minbuild import __version__
from minbuild.commands.option import Option, declared
from minbuild.commands.registry import BY_NAME, COMMANDS
from minbuild.commands.vocabulary import DEMO_CONFIG, STATE_DIR
from minbuild.util.errors import ConfigError

T = TypeVar("T")

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
    quiet: bool = Option(
        "--quiet",
        "no progress lines while it works: only the result, warnings and errors",
        switch=True,
        short="-q",
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
    # shtab reads the parser itself: every command and option completes as it is declared
    shtab.add_argument_to(
        main,
        ["--print-completion"],
        help="print the shell's completion script and exit, e.g. "
        "`minbuild --print-completion bash > ~/.local/share/bash-completion/completions/minbuild`",
    )
    commands = main.add_subparsers(required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(command.name, parents=[common], help=command.help)
        add_arguments(sub, (command.options,), {"verbose", "state_dir", *command.leave_out})
        sub.set_defaults(command=command.name)
    return main


def settle_defaults(args: argparse.Namespace) -> None:
    """Fill in where the project comes from: --config (a file, or `demo`, which its parsing
    made the demo's file), --manifest-path, or what is here. The command's resolution reads
    it, before anything is created (the state dir)."""
    if not BY_NAME[args.command].finds_project:
        return  # size-report and size-baseline default to the run's own project file
    if args.config is None and getattr(args, "manifest_path", None) is None:
        args.config, args.manifest_path = _found_here(args)


def _project_optional(command: str) -> bool:
    """The command runs without a project file: its options default `config` to None and it
    takes no --manifest-path instead (setup: only its --targets read a project)."""
    defaults = {name: default for name, _, default in declared(BY_NAME[command].options)}
    return "config" in defaults and defaults["config"] is None and "manifest_path" not in defaults


def _found_here(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """./minbuild.yaml; else ./Cargo.toml for a command that takes a bare crate; else, in
    minbuild's own checkout, the demo's; else nothing for a command that needs no project;
    else what to do."""
    here = Path.cwd()
    if OWN.is_file():
        return OWN, None
    if Path("Cargo.toml").is_file():
        if "manifest_path" in args:
            return None, Path("Cargo.toml")
        if _project_optional(args.command):
            return None, None
        raise ConfigError(
            f"{here / 'Cargo.toml'} has no project file beside it ({OWN}): run `minbuild init` "
            "here to write one, or pass --config FILE (--config demo: the bundled demo crate)"
        )
    if DEMO_CONFIG.is_file():
        return DEMO_CONFIG, None
    if _project_optional(args.command):
        return None, None
    raise ConfigError(
        f"no project file in {here} (looked for {OWN} and Cargo.toml): run `minbuild init` in "
        "your crate, or pass --config FILE (--config demo: the bundled demo crate)"
    )


def add_arguments(
    parser: argparse.ArgumentParser, classes: Iterable[type[Any]], leave_out: Iterable[str] = ()
) -> None:
    """Add every option of `classes` to `parser` but those named in `leave_out`; a field two
    classes share is added once."""
    seen = set(leave_out)
    for cls in classes:
        for name, option, _ in declared(cls):
            if name in seen:
                continue
            seen.add(name)
            common: dict[str, Any] = {"dest": name, "help": option.help}
            if option.positional:
                parser.add_argument(
                    name,
                    metavar=option.flag,
                    type=option.parse,
                    nargs="+" if option.many else None,
                    help=option.help,
                )
                continue
            if option.switch:
                flags = [option.short] if option.short else []
                parser.add_argument(*flags, option.flag, action="store_true", **common)
                continue
            common["metavar"] = option.metavar
            if option.choices:
                common["choices"] = option.choices
            if option.many:
                listed = _comma_list(option.parse)
                flags = [option.flag, *([option.plural] if option.plural else [])]
                for flag in flags:
                    parser.add_argument(flag, type=listed, action="extend", default=[], **common)
                    common["help"] = f"the same as {option.flag}"
                    common["metavar"] = f"{option.metavar},..." if option.metavar else None
                continue
            # None means "not given": `build` then leaves the field to its dataclass default,
            # and the CLI can still tell a given --config from none (it looks for a project).
            parser.add_argument(option.flag, type=option.parse, default=None, **common)


def _comma_list(parse: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    def values(text: str) -> list[Any]:
        return [parse(part) for part in text.split(",") if part]

    return values


def build(cls: type[T], values: Mapping[str, Any], **given: Any) -> T:
    """An options object from parsed values (lists become tuples); `given` fills the fields
    that are not command-line options."""
    chosen = {
        name: tuple(values[name]) if option.many else values[name]
        for name, option, _ in declared(cls)
        if values.get(name) is not None
    }
    return cls(**chosen, **given)
