"""optimize: the smallest build of the crate that still passes its tests, found by a search
over a declared space of settings, and what each of the winner's settings is worth."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.option import Option, whole_number
from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import WithBuild, build_request
from minbuild.commands.vocabulary import (
    CACHE,
    CACHE_DIR,
    CACHE_READ_ONLY,
    CACHE_REDIS,
    CONFIG,
    FIRST,
    PARALLEL,
    STATE_DIR,
    TARGETS,
    TOOLCHAIN,
)
from minbuild.optimize import document, export, report, search, trials
from minbuild.optimize.points import RELEASE, references
from minbuild.optimize.prepare import LAST_STAGE, prepare
from minbuild.optimize.speed import BINARY, Timed
from minbuild.optimize.trials import Step
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.util.errors import ConfigError, ExitCode

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")


LONGEST_SEARCH = 30 * 24 * 3600.0
SLOWEST = 1000.0
"""A slowdown beyond it accepts anything: say so with a number a person would mean."""


def _duration(text: str) -> float:
    """90, 90s, 30m, 2h: seconds."""
    found = _DURATION.match(text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(f"expected a duration like 90s, 30m or 2h, got {text!r}")
    seconds = float(found.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[found.group(2)]
    if not 0 < seconds <= LONGEST_SEARCH:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 30 days, got {text!r}")
    return seconds


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, got {value:g}")
    return value


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number like 1.25, got {text!r}") from None
    if not 1 <= value <= SLOWEST:
        raise argparse.ArgumentTypeError(
            f"must be from 1 (no slower) to {SLOWEST:g}, got {value:g}"
        )
    return value


SHARED_WITH_MIN_BUILD = (
    *("config", "toolchain", "state_dir", "parallel"),
    *("cache", "cache_dir", "cache_redis", "cache_read_only"),
)
"""What a search's builds take from its options as min-build would (not --from or --target:
a search starts from a stage and builds for one target its own way)."""


@dataclass(frozen=True)
class Options:
    """What one optimize invocation asks for."""

    config: Path = CONFIG()
    first: str = FIRST(
        help="the staircase stage the search starts from, its features kept by every trial: "
        f"release, or {LAST_STAGE} (default), or any stage's name",
        default=LAST_STAGE,
    )
    trials: int | None = Option(
        "--trials",
        "use at most N distinct trials (kept ones count; the leave-one-out builds do not)",
        metavar="N",
        parse=whole_number(1, 10_000),
    )()
    time: float | None = Option(
        "--time",
        "start no round of the search after this long (90s, 30m, 2h)",
        metavar="DURATION",
        parse=_duration,
    )()
    settings: tuple[str, ...] = Option(
        "--setting",
        "search only this setting (repeatable, or comma-separated; default: the whole space)",
        metavar="NAME",
        many=True,
        plural="--settings",
    )()
    skip: tuple[str, ...] = Option(
        "--skip", "never search this setting (repeatable)", metavar="NAME", many=True
    )()
    threshold: float = Option(
        "--removable-below",
        "a setting worth less than this share of the winner's size is named removable "
        "(default: 0.5, in percent)",
        metavar="PERCENT",
        parse=_percent,
        default=0.5,
    )()
    write_profile: str | None = Option(
        "--write-profile",
        "write the winner into the crate's Cargo.toml as [profile.NAME] (never over one)",
        metavar="NAME",
    )()
    bench: str | None = Option(
        "--bench",
        "time this command on every accepted trial, its binary as {binary} (one argument "
        "list, split as a shell would; run in the crate's directory), e.g. "
        "'{binary} run programs/fib.tvmb'",
        metavar="ARGV",
    )()
    bench_runs: int = Option(
        "--bench-runs",
        "with --bench: the best of this many runs (default: 5)",
        metavar="N",
        parse=whole_number(1, 1_000),
        default=5,
    )()
    max_slowdown: float | None = Option(
        "--max-slowdown",
        "with --bench: reject a trial slower than this many times the release settings "
        "(timed in the same search), e.g. 1.25",
        metavar="X",
        parse=_ratio,
    )()
    targets: tuple[str, ...] = TARGETS(
        help="build and test every trial for this foreign target of the targets file (one; "
        "std rebuilt, tests run under its runner), e.g. wasm32-wasip1 (default: the host)"
    )
    toolchain: str | None = TOOLCHAIN()
    state_dir: Path = STATE_DIR()
    parallel: int = PARALLEL(
        help="trials built at once, each lane in its own target dir (default: one per core)"
    )
    cache: str | None = CACHE()
    cache_dir: Path | None = CACHE_DIR()
    cache_redis: str | None = CACHE_REDIS()
    cache_read_only: bool = CACHE_READ_ONLY()


def resolve(options: Options, environ: Mapping[str, str]) -> WithBuild[Options]:
    """The search's options settled, with min-build's resolution for what its builds share."""
    _bench_argv(options)  # before anything slow: a mistake is said at once
    if len(options.targets) > 1:
        raise ConfigError(
            f"--target: one target a search ({', '.join(options.targets)} given); "
            "search each in a run of its own"
        )
    built = BuildOptions.sharing(options, SHARED_WITH_MIN_BUILD)
    return WithBuild(options, build_request(built, environ))


def run(request: WithBuild[Options], reporter: Reporter) -> Outcome:
    """Search, then report: the winner against the references, what each setting is worth,
    and how to apply it; the document is saved whatever stops the search."""
    options = request.options
    bench = _bench_argv(options)
    prepared = prepare(
        request.build,
        options.first,
        options.settings,
        options.skip,
        reporter,
        options.targets[0] if options.targets else None,
    )
    ground, space, start, point = prepared.ground, prepared.space, prepared.start, prepared.point
    builder, target = prepared.builder, prepared.target
    compared = references(space, point, target.triple if target else None)
    evaluate: search.Evaluator = builder
    if bench:
        evaluate = Timed(
            builder,
            (*(target.runner_argv() if target else ()), *bench),
            baseline=compared[RELEASE],
            key=builder.key,
            runs=options.bench_runs,
            max_slowdown=options.max_slowdown,
            cwd=ground.project.crate_dir,
        )
    record = document.begun(ground, space, start.name, point, options.threshold)
    record = dataclasses.replace(
        record,
        bench=bench,
        max_slowdown=options.max_slowdown,
        target=target.triple if target else None,
    )
    messages: tuple[str, ...] = ()
    if prepared.start_differs:
        messages = (
            f"stage {start.name} has settings the search space does not express: the search "
            "starts from the nearest point it can build",
        )
    reporter.lanes(options.parallel)
    reporter.say(
        f"searching {len(space.settings)} settings from {start.name}"
        + (f" for {target.triple}" if target else "")
        + ": "
        f"{len(space.neighbours(point))} single changes a round, {options.parallel} at once"
    )
    directory = statedir.Layout(ground.state_dir).optimize()
    found = search.Result()
    try:
        search.search(
            space,
            point,
            evaluate,
            references=compared,
            budget=search.Budget(options.trials, options.time),
            threshold_percent=options.threshold,
            on_step=functools.partial(_say_step, reporter),
            into=found,
        )
    except BaseException:
        trials.save(document.interrupted(record, found), directory)
        raise
    winner = found.trials[found.winner or ""]
    name = options.write_profile or export.DEFAULT_PROFILE
    stage = builder.stage(winner.point, name)
    toolchain = ground.resolution.toolchain
    exported = export.export(
        stage,
        builder.package,
        builder.artifact,
        toolchain,
        name,
        target,
        Path(winner.stage.artifact or "").name,
        winner.stage.staticlib.exports if winner.stage.staticlib else (),
    )
    record = document.finished(record, found, exported)
    path = trials.save(record, directory)
    written: tuple[Path, ...] = (path,)
    if options.write_profile:
        # cargo reads profiles from the workspace's root manifest only
        root = ground.crate.workspace_root / "Cargo.toml"
        written += (export.write_profile(root, exported),)
    text = report.terminal(record) + f"\noptimize document: {path}\n"
    return Outcome(ExitCode.OK, text, written, messages)


def _say_step(reporter: Reporter, step: Step) -> None:
    """A trial kept from an earlier search (the engine reports those it builds), one the
    benchmark rejected after its build was reported, and each move of the search."""
    if (
        step.reused
        or step.chosen
        or step.verdict.startswith(("rejected: too slow", "rejected: the bench"))
    ):
        reporter.say(report.step_line(step))


def _bench_argv(options: Options) -> tuple[str, ...]:
    """--bench as an argument list ({binary} in it), checked with --max-slowdown."""
    if options.bench is None:
        if options.max_slowdown is not None:
            raise ConfigError("--max-slowdown: give the command to time with --bench")
        return ()
    try:
        argv = tuple(shlex.split(options.bench))
    except ValueError as error:
        raise ConfigError(f"--bench {options.bench!r}: {error}") from None
    if not argv or not any(BINARY in arg for arg in argv):
        raise ConfigError(
            f"--bench {options.bench!r}: put {BINARY} where the trial's binary goes, "
            "e.g. --bench '{binary} --version'"
        )
    return argv
