"""The command line: the only place that prints, exits, or catches minbuild's errors."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from minbuild.budgets.verdict import check_budgets
from minbuild.cli import commands, progress
from minbuild.commands import ci_matrix as cimatrix
from minbuild.commands import init as starter
from minbuild.commands import size_report as sizereport
from minbuild.engine import describe, execute, planner
from minbuild.features import cfgaudit, cost
from minbuild.features import combinations as matrix
from minbuild.project import stages, targets
from minbuild.project.config import load_project
from minbuild.project.options import CrateSource
from minbuild.report import formats
from minbuild.runs import merge, statedir
from minbuild.rust import cargo, provision, toolchains
from minbuild.util.errors import ExitCode, MinbuildError
from minbuild.util.files import write_atomic
from minbuild.util.options import build
from minbuild.util.text import format_table

Values = Mapping[str, Any]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = commands.parser().parse_args(argv)
        commands.settle_defaults(args)
        common = build(commands.Common, vars(args))
        logging.basicConfig(
            level=logging.INFO if common.verbose else logging.WARNING,
            format="minbuild: %(message)s",
            stream=sys.stderr,
        )
        command = commands.BY_NAME[args.command]
        handler = HANDLERS[command.handler]
        if not command.holds_state_dir:
            return int(handler(vars(args)))
        with statedir.exclusive(common.state_dir, command.name, _say):
            return int(handler(vars(args)))
    except MinbuildError as error:
        print(f"minbuild: error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # the world failed under us (disk full, a file vanished)
        print(f"minbuild: error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return ExitCode.ENVIRONMENT
    except KeyboardInterrupt:
        print("\nminbuild: interrupted; run documents written so far are intact", file=sys.stderr)
        return ExitCode.INTERRUPTED


def _say(message: str) -> None:
    print(f"minbuild: {message}", file=sys.stderr, flush=True)


def _min_build(values: Values) -> ExitCode:
    return _build(build(planner.Options, values))


def _cross_build(values: Values) -> ExitCode:
    return _build(build(planner.Options, values, cross=True))


def _build(options: planner.Options) -> ExitCode:
    # A dry run shows the choice its check made; a build's first build stands for the check.
    plan = planner.prepare(options, check_in_lane=not options.dry_run)
    if options.dry_run:
        print(describe.describe_plan(plan), end="")
        return ExitCode.OK
    run, path = execute.execute_checked(
        plan, options, progress.ProgressPrinter(sys.stderr, live=plan.parallel <= 1)
    )
    print(formats.terminal(formats.Report(run)), end="")
    print(f"\nrun document: {path}")
    failed = any(stage.status == "failed" for stage in run.stages)
    if options.check:
        project = load_project(options.config)
        verdict = check_budgets(run, project, options.allow_growth, options.state_dir)
        lines = formats.budget_lines(verdict.violations, verdict.warnings, "", verdict.allowed)
        print("\n" + "\n".join(lines))
        for message in verdict.messages():
            _say(message)
        failed = failed or verdict.failed
    return ExitCode.FAILED if failed else ExitCode.OK


def _feature_matrix(values: Values) -> ExitCode:
    project = build(CrateSource, values).project()
    options = build(matrix.MatrixOptions, values, project=project)

    def progress(number: int, total: int, label: str) -> None:
        print(f"[{number:>2}/{total}] {label}", file=sys.stderr, flush=True)

    text, path, ok = matrix.run(options, progress)
    print(text, end="")
    if path is not None:
        print(f"\nrecord: {path}")
    return ExitCode.OK if ok else ExitCode.FAILED


def _feature_cost(values: Values) -> ExitCode:
    project = build(CrateSource, values).project()
    options = build(cost.CostOptions, values, project=project)
    text, path = cost.run(options, progress.ProgressPrinter(sys.stderr))
    print(text, end="")
    print(f"\nrun document: {path}")
    return ExitCode.OK


def _cfg_audit(values: Values) -> ExitCode:
    project = build(CrateSource, values).project()
    options = build(cfgaudit.AuditOptions, values)
    toolchain = toolchains.resolve((), None).toolchain
    root, packages = cargo.workspace_features(
        project, toolchain.candidate.cargo, toolchain.candidate.env
    )
    sources, declared = cfgaudit.read_sources(root, packages)
    result = cfgaudit.audit(sources, declared, cargo.declared_cfgs(root))
    text = cfgaudit.to_json(result) if options.form == "json" else cfgaudit.render(result)
    if options.output:
        write_atomic(options.output, text)
        print(f"wrote {options.output}")
    else:
        print(text, end="")
    limit, found = options.max_use_site_cfgs, result.total("use_sites")
    if limit is not None and found > limit:
        print(
            f"minbuild: {found} cfgs inside function bodies, more than --max-use-site-cfgs {limit}",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    return ExitCode.OK


def _ci_matrix(values: Values) -> ExitCode:
    print(json.dumps(cimatrix.ci_matrix(build(cimatrix.MatrixJobsOptions, values))))
    return ExitCode.OK


def _merge(values: Values) -> ExitCode:
    run, path = merge.merge_files(build(merge.MergeOptions, values))
    print(formats.terminal(formats.Report(run)), end="")
    print(f"\nrun document: {path}")
    if not run.complete:
        _say("a shard's run did not complete: the merged run is not complete either")
    return ExitCode.OK


def _size_report(values: Values) -> ExitCode:
    outcome = sizereport.size_report(build(sizereport.ReportOptions, values))
    print(outcome.text, end="")
    for message in outcome.messages:
        print(f"minbuild: {message}", file=sys.stderr)
    return outcome.exit_code


def _size_baseline(values: Values) -> ExitCode:
    path, baseline = sizereport.write_baseline(build(sizereport.BaselineOptions, values))
    runs = ", ".join(sorted({entry.run_id for entry in baseline.entries}))
    print(f"wrote {path}: {len(baseline.entries)} entries from run {runs}; review and commit it")
    return ExitCode.OK


def _chosen_targets(config: Path, names: Sequence[str]) -> tuple[targets.Target, ...]:
    every = targets.project_targets(load_project(config))
    return every if "all" in names else targets.select(every, names) if names else ()


def _setup(values: Values) -> ExitCode:
    options = build(provision.SetupOptions, values)
    chosen = provision.needs(
        _chosen_targets(options.config, options.targets), options.crates, bool(options.cache)
    )
    for line in provision.setup(chosen, options.dry_run):
        print(f"minbuild setup: {line}")
    return ExitCode.OK


def _doctor(values: Values) -> ExitCode:
    options = build(provision.DoctorOptions, values)
    project = load_project(options.config)
    findings = provision.doctor(
        project,
        stages.load_staircase(project),
        targets.select(targets.project_targets(project), options.targets),
    )
    print(
        format_table(
            ["", "what", "detail"],
            [["ok" if f.available else "NO", f.what, f.detail] for f in findings],
        )
    )
    missing = [f for f in findings if not f.available]
    print(f"\n{len(findings) - len(missing)} of {len(findings)} available")
    return ExitCode.FAILED if missing else ExitCode.OK


def _init(values: Values) -> ExitCode:
    def say(line: str) -> None:
        print(f"minbuild init: {line}", file=sys.stderr, flush=True)

    started = starter.init(build(starter.InitOptions, values), say)
    for note in started.notes:
        say(note)
    print(f"wrote {started.path}; run it: minbuild min-build --config {started.path}")
    return ExitCode.OK if started.release_ok else ExitCode.FAILED


HANDLERS: dict[str, Callable[[Values], ExitCode]] = {
    "min_build": _min_build,
    "cross_build": _cross_build,
    "feature_matrix": _feature_matrix,
    "feature_cost": _feature_cost,
    "cfg_audit": _cfg_audit,
    "ci_matrix": _ci_matrix,
    "merge": _merge,
    "size_report": _size_report,
    "size_baseline": _size_baseline,
    "setup": _setup,
    "doctor": _doctor,
    "init": _init,
}
