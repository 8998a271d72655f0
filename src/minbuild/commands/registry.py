"""Every command in one table: its name, its help, its options dataclass, how those options
become what it runs on (its request), and the function that runs it. The argument parser
(cli/parser.py), the invoke tasks (cli/tasks.py) and `--help` are derived from this table;
mypy checks each entry's three parts against each other."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from minbuild.commands import (
    cfg_audit,
    ci_matrix,
    cross_build,
    doctor,
    feature_cost,
    feature_matrix,
    init,
    merge,
    min_build,
    optimize,
    resolve,
    setup,
    size_baseline,
    size_report,
    try_crate,
)
from minbuild.commands.outcome import Outcome
from minbuild.runs.progress import Reporter

Options = TypeVar("Options")
Request = TypeVar("Request")
Environ = Mapping[str, str]


@dataclass(frozen=True)
class Command(Generic[Options, Request]):
    """One subcommand of `minbuild`."""

    name: str
    """As typed: min-build."""
    help: str
    """One line for `minbuild --help`."""
    options: type[Options]
    """Its options dataclass: each field declared with an `Option` is a command-line option."""
    resolve: Callable[[Options, Environ], Request]
    """The options, the environment and the project file settled into what `run` takes
    (commands/resolve.py), before the state dir is locked: bad input is said first."""
    run: Callable[[Request, Reporter], Outcome]
    """Runs it: `run(request, reporter)`."""
    leave_out: frozenset[str] = frozenset()
    """Fields of `options` this command does not take (min-build and cross-build share one)."""
    holds_state_dir: bool = False
    """It builds into the state dir, so it holds the state dir's lock while it runs."""
    finds_project: bool = False
    """Without --config (or --manifest-path) it uses ./minbuild.yaml, else the demo's."""
    voice: str = "minbuild"
    """How its lines to standard error begin (`minbuild init: ...`)."""


def command(
    name: str,
    help: str,
    options: type[Options],
    run: Callable[[Request, Reporter], Outcome],
    resolve: Callable[[Options, Environ], Request],
    **rest: Any,
) -> Command[Any, Any]:
    """A table entry; its types are inferred from its own parts alone (not from the table's),
    so that mypy sees an entry whose `run` does not take what its `resolve` returns."""
    return Command(name, help, options, resolve, run, **rest)


COMMANDS: tuple[Command[Any, Any], ...] = (
    command(
        "min-build",
        "take a crate down the staircase",
        min_build.Options,
        min_build.run,
        resolve.build_request,
        leave_out=frozenset({"targets"}),
        holds_state_dir=True,
        finds_project=True,
    ),
    command(
        "cross-build",
        "build and test stages for foreign targets",
        cross_build.Options,
        cross_build.run,
        cross_build.resolve,
        leave_out=frozenset({"first", "last"}),
        holds_state_dir=True,
        finds_project=True,
    ),
    command(
        "feature-matrix",
        "check every feature combination up to a depth",
        feature_matrix.Options,
        feature_matrix.run,
        resolve.with_crate_build,
        holds_state_dir=True,
        finds_project=True,
    ),
    command(
        "feature-cost",
        "bytes each optional feature adds, with tests on each binary",
        feature_cost.Options,
        feature_cost.run,
        resolve.with_crate_build,
        holds_state_dir=True,
        finds_project=True,
    ),
    command(
        "optimize",
        "the smallest build that still passes its tests, and what each setting is worth",
        optimize.Options,
        optimize.run,
        optimize.resolve,
        holds_state_dir=True,
        finds_project=True,
    ),
    command(
        "cfg-audit",
        "count and classify the crate's cfgs, flag bad names",
        cfg_audit.Options,
        cfg_audit.run,
        resolve.with_crate,
        finds_project=True,
    ),
    command(
        "ci-matrix",
        "print the CI jobs (a GitHub Actions matrix) that share out the staircase",
        ci_matrix.Options,
        ci_matrix.run,
        resolve.with_project,
        finds_project=True,
    ),
    command(
        "merge",
        "combine the shards' run documents into one run",
        merge.Options,
        merge.run,
        resolve.as_given,
        holds_state_dir=True,
    ),
    command(
        "size-report",
        "render, compare, gate, chart and publish sizes",
        size_report.Options,
        size_report.run,
        resolve.as_given,
    ),
    command(
        "size-baseline",
        "write the reviewable baseline file from a run",
        size_baseline.Options,
        size_baseline.run,
        resolve.as_given,
    ),
    command(
        "setup",
        "install what the build-std stages and the chosen targets need",
        setup.Options,
        setup.run,
        setup.resolve,
        finds_project=True,
    ),
    command(
        "doctor",
        "can each stage and target run here? why not? the fix",
        doctor.Options,
        doctor.run,
        resolve.with_project,
        finds_project=True,
    ),
    command(
        "init",
        "write a commented starting project file for a Cargo project",
        init.Options,
        init.run,
        resolve.as_given,
        holds_state_dir=True,
        voice="minbuild init",
    ),
    command(
        "try",
        "fetch a published crate (NAME[@VERSION]) and take it down the staircase",
        try_crate.Options,
        try_crate.run,
        resolve.as_given,
        voice="minbuild try",
    ),
)
BY_NAME = {entry.name: entry for entry in COMMANDS}
