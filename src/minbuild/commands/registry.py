"""Every command in one table: its name, its help, its options dataclass and the function that
runs it. The argument parser (cli/parser.py), the invoke tasks (cli/tasks.py) and `--help` are
derived from this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    setup,
    size_baseline,
    size_report,
    try_crate,
)
from minbuild.commands.outcome import Outcome
from minbuild.runs.progress import Reporter


@dataclass(frozen=True)
class Command:
    """One subcommand of `minbuild`."""

    name: str
    """As typed: min-build."""
    help: str
    """One line for `minbuild --help`."""
    options: type[Any]
    """Its options dataclass: each field declared with an `Option` is a command-line option."""
    run: Callable[[Any, Reporter], Outcome]
    """Runs it: `run(options, reporter)`, the options an instance of `options`."""
    leave_out: frozenset[str] = frozenset()
    """Fields of `options` this command does not take (min-build and cross-build share one)."""
    holds_state_dir: bool = False
    """It builds into the state dir, so it holds the state dir's lock while it runs."""
    finds_project: bool = False
    """Without --config (or --manifest-path) it uses ./minbuild.yaml, else the demo's."""
    voice: str = "minbuild"
    """How its lines to standard error begin (`minbuild init: ...`)."""


COMMANDS = (
    Command(
        "min-build",
        "take a crate down the staircase",
        min_build.Options,
        min_build.run,
        frozenset({"targets"}),
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "cross-build",
        "build and test stages for foreign targets",
        cross_build.Options,
        cross_build.run,
        frozenset({"first", "last"}),
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "feature-matrix",
        "check every feature combination up to a depth",
        feature_matrix.Options,
        feature_matrix.run,
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "feature-cost",
        "bytes each optional feature adds, with tests on each binary",
        feature_cost.Options,
        feature_cost.run,
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "optimize",
        "the smallest build that still passes its tests, and what each setting is worth",
        optimize.Options,
        optimize.run,
        holds_state_dir=True,
        finds_project=True,
    ),
    Command(
        "cfg-audit",
        "count and classify the crate's cfgs, flag bad names",
        cfg_audit.Options,
        cfg_audit.run,
        finds_project=True,
    ),
    Command(
        "ci-matrix",
        "print the CI jobs (a GitHub Actions matrix) that share out the staircase",
        ci_matrix.Options,
        ci_matrix.run,
        finds_project=True,
    ),
    Command(
        "merge",
        "combine the shards' run documents into one run",
        merge.Options,
        merge.run,
        holds_state_dir=True,
    ),
    Command(
        "size-report",
        "render, compare, gate, chart and publish sizes",
        size_report.Options,
        size_report.run,
    ),
    Command(
        "size-baseline",
        "write the reviewable baseline file from a run",
        size_baseline.Options,
        size_baseline.run,
    ),
    Command(
        "setup",
        "install what the build-std stages and the chosen targets need",
        setup.Options,
        setup.run,
        finds_project=True,
    ),
    Command(
        "doctor",
        "can each stage and target run here? why not? the fix",
        doctor.Options,
        doctor.run,
        finds_project=True,
    ),
    Command(
        "init",
        "write a commented starting project file for a Cargo project",
        init.Options,
        init.run,
        holds_state_dir=True,
        voice="minbuild init",
    ),
    Command(
        "try",
        "fetch a published crate (NAME[@VERSION]) and take it down the staircase",
        try_crate.Options,
        try_crate.run,
        voice="minbuild try",
    ),
)
BY_NAME = {command.name: command for command in COMMANDS}
