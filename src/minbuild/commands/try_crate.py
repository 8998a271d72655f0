"""`minbuild try NAME[@VERSION]`: any published crate down the staircase in one command, so a
person sees what the staircase would do to a tool before adopting minbuild. Cargo fetches the
crate's source into ./NAME-VERSION, `init` writes its project file there, and `min-build`
takes it down the stages, with its state dir in the crate's directory: what a later
`cd NAME-VERSION && minbuild min-build` finds, so a re-run of either builds nothing new."""

from __future__ import annotations

import argparse
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands import init, min_build
from minbuild.commands.build_options import BuildOptions
from minbuild.commands.option import Option, declared
from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import build_request
from minbuild.commands.vocabulary import (
    FIRST,
    FROZEN,
    LOCKED,
    OFFLINE,
    PARALLEL,
    STAGES,
    STATE_DIR,
    TOOLCHAIN,
)
from minbuild.engine.request import BuildRequest
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.rust import fetch, toolchains
from minbuild.rust.fetch import CrateSpec
from minbuild.util.errors import ConfigError, ExitCode

PROJECT_FILE = "minbuild.yaml"
# min-build's own declarations of the options it alone has, so that try's cannot drift.
_MIN_BUILD = {name: option for name, option, _ in declared(BuildOptions)}


def _crate(text: str) -> CrateSpec:
    try:
        return fetch.parse_spec(text)
    except ConfigError as error:  # argparse names the argument and raises it as a usage error
        raise argparse.ArgumentTypeError(str(error)) from None


@dataclass(frozen=True)
class Options:
    """What one `minbuild try` asks for."""

    # A frozen dataclass: as immutable as the str it is parsed from.
    crate: CrateSpec | None = Option(  # noqa: RUF009
        "CRATE",
        "the published crate: NAME (its newest version) or NAME@VERSION (that one exactly)",
        positional=True,
        parse=_crate,
    )()
    directory: Path | None = Option(
        "--dir",
        "where the crate's source goes (default: ./NAME-VERSION); a re-run reuses it, and the "
        "minbuild.yaml init wrote there",
        metavar="DIR",
        parse=Path,
    )()
    toolchain: str | None = TOOLCHAIN()
    stages: tuple[str, ...] = STAGES(
        help="build only this stage (repeatable, or comma-separated; 'all': every stage; "
        "default: every stage)"
    )
    first: str | None = FIRST()
    last: str | None = _MIN_BUILD["last"]()
    fail_fast: bool = _MIN_BUILD["fail_fast"](help="stop at the first failed stage")
    parallel: int = PARALLEL()
    locked: bool = LOCKED()
    offline: bool = OFFLINE()
    frozen: bool = FROZEN()
    state_dir: Path | None = STATE_DIR(default=None)


@dataclass(frozen=True)
class Fetched:
    """The crate's directory, and what a person should read about how it got there."""

    directory: Path
    lines: tuple[str, ...]


def run(options: Options, reporter: Reporter) -> Outcome:
    """Fetch (or find) the crate, write (or find) its project file, take it down the stairs:
    min-build's table, after lines that say where the crate is and how to build it again."""
    spec = options.crate
    if spec is None:
        raise ConfigError("try: give the crate: NAME or NAME@VERSION")
    fetched = _fetch(spec, options, reporter)
    state_dir = (options.state_dir or fetched.directory / ".minbuild").resolve()
    rerun = _rerun_line(fetched.directory, options)
    with statedir.exclusive(state_dir, "try", reporter.say):
        config = fetched.directory / PROJECT_FILE
        if config.is_file():
            reporter.say(f"{config} is there already: init not run again")
            said = f"{config}: there already (init not run again)"
        else:
            started = init.init(
                init.Options(
                    manifest_path=fetched.directory / "Cargo.toml",
                    toolchain=options.toolchain,
                    state_dir=state_dir,
                    locked=options.locked,
                    offline=options.offline,
                    frozen=options.frozen,
                ),
                reporter,
            )
            for note in started.notes:
                reporter.say(note)
            said = f"init wrote {started.path}"
            if not started.release_ok:
                text = "\n".join([*fetched.lines, said, f"re-run: {rerun}"]) + "\n"
                failed = f"init's release build failed (above): the stages would too; {rerun}"
                return Outcome(ExitCode.FAILED, text, (started.path,), (failed,))
        built = min_build.run(_build_request(options, config, state_dir), reporter)
    header = "\n".join([*fetched.lines, said, f"re-run: {rerun}"])
    return Outcome(built.exit_code, f"{header}\n\n{built.text}", built.written, built.messages)


def _fetch(spec: CrateSpec, options: Options, reporter: Reporter) -> Fetched:
    """The crate's directory: the one a run before left (checked: it must hold that crate and
    version), or a fresh copy of cargo's download. An exact version names the directory
    without asking the registry; the newest must be asked for first."""
    parent = (options.directory.parent if options.directory else Path.cwd()).resolve()
    if spec.version is not None:
        destination = _destination(options, parent, f"{spec.name}-{spec.version}")
        if destination.exists() or destination.is_symlink():
            return _reused(destination, spec.name, spec.version, reporter)
    candidate = toolchains.resolve((), options.toolchain).toolchain.candidate
    newest = "" if spec.version else " (its newest version)"
    reporter.say(f"resolving {spec}{newest} through cargo")
    with fetch.workspace(parent, spec.name) as work:
        published = fetch.resolve(
            spec, work, candidate.cargo, candidate.env, offline=options.offline or options.frozen
        )
        destination = _destination(options, parent, published.directory_name())
        if destination.exists() or destination.is_symlink():
            return _reused(destination, published.name, published.version, reporter)
        reporter.say(f"{published.name} {published.version}: copying it into {destination}")
        own_workspace = fetch.copy_out(published, destination, work)
    version = f"{published.version}{' (the newest)' if not spec.version else ''}"
    lines = [f"{published.name} {version}: fetched through cargo into {destination}"]
    if own_workspace:
        lines.append(
            f"{destination / 'Cargo.toml'}: an empty [workspace] table added, as a Cargo.toml "
            "above it would otherwise claim it"
        )
    return Fetched(destination, tuple(lines))


def _destination(options: Options, parent: Path, name: str) -> Path:
    return options.directory.resolve() if options.directory else parent / name


def _reused(destination: Path, name: str, version: str, reporter: Reporter) -> Fetched:
    if not fetch.holds(destination, name, version):
        held = fetch.held_in(destination)
        what = f"it holds {held[0]} {held[1]}" if held else "no Cargo.toml of a package"
        raise ConfigError(
            f"try: {destination} exists but does not hold {name} {version} ({what}): remove "
            "it, or pass --dir for another place"
        )
    reporter.say(f"{destination} holds {name} {version} already: not fetched again")
    line = f"{name} {version}: in {destination} already (not fetched again)"
    return Fetched(destination, (line,))


def _build_request(options: Options, config: Path, state_dir: Path) -> BuildRequest:
    shared = ("stages", "first", "last", "toolchain", "fail_fast", "parallel")
    built = BuildOptions.sharing(
        options, (*shared, "locked", "offline", "frozen"), config=config, state_dir=state_dir
    )
    return build_request(built, os.environ)


def _rerun_line(directory: Path, options: Options) -> str:
    """The command that builds the same stages again from the crate's directory."""
    argv = ["minbuild", "min-build"]
    if options.stages:
        argv += ["--stages", ",".join(options.stages)]
    for flag, value in (
        ("--from", options.first),
        ("--to", options.last),
        ("--toolchain", options.toolchain),
        ("--state-dir", options.state_dir and str(options.state_dir.resolve())),
    ):
        argv += [flag, value] if value else []
    argv += [flag for flag, on in _network_flags(options) if on]
    return f"cd {shlex.quote(str(directory))} && {shlex.join(argv)}"


def _network_flags(options: Options) -> tuple[tuple[str, bool], ...]:
    return (
        ("--locked", options.locked),
        ("--offline", options.offline),
        ("--frozen", options.frozen),
    )
