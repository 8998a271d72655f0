"""size-report: read a run (or the history of runs), compare, gate, chart and publish."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

from minbuild.budgets.baseline import (
    READABLE,
    baseline_from_run,
    load_baseline,
    ratchet,
    save_baseline,
)
from minbuild.budgets.verdict import judge
from minbuild.commands.option import Option, whole_number
from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import allowance
from minbuild.commands.vocabulary import (
    ALLOW_GROWTH,
    CHECK,
    FORMAT,
    OUTPUT,
    RUN,
    RUN_CONFIG,
    STAGES,
    STATE_DIR,
    TARGETS,
)
from minbuild.measure.every_symbol import with_every_symbol
from minbuild.optimize import charts as search_charts
from minbuild.optimize import report as optimize
from minbuild.optimize.page import search_html
from minbuild.optimize.trials import find_search
from minbuild.project.config import Project
from minbuild.report import charts, history, movers
from minbuild.report.comment import comment
from minbuild.report.formats import FORMATS, Report, markdown, render_report
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.runs.records import RunRecord
from minbuild.runs.rows import Reference, compare, reference_from_run, rows
from minbuild.runs.select import find_run, project_for
from minbuild.util.errors import ConfigError, ExitCode
from minbuild.util.files import write_atomic
from minbuild.util.text import did_you_mean, first_few

BASELINE = "baseline"
REPORT_FORMATS = (*FORMATS, "comment")


@dataclass(frozen=True)
class Options:
    """What one size-report invocation asks for."""

    run: str | None = RUN()
    against: str | None = Option(
        "--against",
        "compare with another run (id or path), or with the committed baseline",
        metavar="RUN|PATH|baseline",
    )()
    form: str = FORMAT(
        default="terminal",
        help="terminal (default), markdown, json, csv, html (one self-contained page), or "
        "comment (a pull request's sticky comment: markdown behind a hidden marker)",
    )
    output: Path | None = OUTPUT()
    exact: bool = Option("--bytes", "exact sizes in bytes instead of humanized", switch=True)()
    diff: tuple[str, ...] = Option(
        "--diff",
        "what moved between two stages: sections, crates, symbols (--diff lto,codegen-units-1)",
        metavar="STAGE,STAGE",
        many=True,
    )()
    details: bool = Option(
        "--details",
        "every stage's sections and code by crate, and what moved against the stage above it",
        switch=True,
    )()
    check: bool = CHECK(help="enforce the project's budgets: exit 1 and say which broke")
    allow_growth: bool = ALLOW_GROWTH()
    ratchet: bool = Option(
        "--ratchet", "lower baseline entries this run beat (never raises one)", switch=True
    )()
    history: int | None = Option(
        "--history", "sizes across the last N runs", metavar="N", parse=whole_number(1, 100_000)
    )()
    stages: tuple[str, ...] = STAGES(help="with --history: only this stage (repeatable)")
    targets: tuple[str, ...] = TARGETS(help="with --history: this target (default: the host)")
    plot: Path | None = Option(
        "--plot",
        "draw the staircase (or, with --history, the sizes over time)",
        metavar="FILE.png|FILE.svg",
        parse=Path,
    )()
    log_scale: bool = Option("--log-scale", "log-scale size axis in --plot", switch=True)()
    search: str | None = Option(
        "--search",
        "render an optimize search instead of a run: latest, its id or its document's path "
        "(formats: terminal, markdown, comment, json, csv; --plot: size per trial)",
        metavar="ID|PATH|latest",
    )()
    config: Path | None = RUN_CONFIG()
    state_dir: Path = STATE_DIR()

    @property
    def target(self) -> str | None:
        """The one target --history shows, if one was asked for."""
        if len(self.targets) > 1:
            raise ConfigError(f"--target {','.join(self.targets)}: --history shows one target")
        return self.targets[0] if self.targets else None


def _reference(
    against: str, project: Project | None, runs_dir: Path
) -> tuple[Reference, RunRecord | None]:
    """What --against names: the committed baseline, a baseline file, or a run (which has
    compositions to diff; a baseline has only sizes and code by crate)."""
    if against == BASELINE:
        if project is None:
            raise ConfigError("--against baseline: no project file (give --config)")
        return load_baseline(project.size_baseline).reference(project.size_baseline), None
    path = Path(against)
    if path.suffix == ".json" and path.is_file() and _is_baseline(path):
        return load_baseline(path).reference(path), None
    run = find_run(against, runs_dir)
    return reference_from_run(run), run


def _is_baseline(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("schema") in READABLE


def run(options: Options, reporter: Reporter) -> Outcome:
    if options.form not in REPORT_FORMATS:
        raise ConfigError(
            f"--format {options.form}: not one of {', '.join(REPORT_FORMATS)}"
            + did_you_mean(options.form, list(REPORT_FORMATS))
        )
    if options.plot is not None:
        charts.validate_path(options.plot)
    if options.search is not None:
        return _search(options)
    runs_dir = statedir.Layout(options.state_dir).runs()
    if options.history is not None:
        return _history(options, runs_dir)
    run = find_run(options.run, runs_dir)
    project = project_for(run, options.config)
    messages: list[str] = []
    written: list[Path] = []
    report = Report(run, diffs=_stage_diffs(run, options), details=options.details)
    if options.against is not None:
        reference, then = _reference(options.against, project, runs_dir)
        across = (
            [d for d in movers.across_runs(then, run) if d.file_delta]
            if then
            else movers.against_reference(run, reference)
        )
        report = dataclasses.replace(
            report,
            against=reference.label,
            changes=compare(rows(run), reference),
            diffs=[*report.diffs, *across],
        )
    exit_code = ExitCode.OK
    if options.check:
        if project is None:
            raise ConfigError("--check: no project file with budgets (give --config)")
        verdict = judge(
            run,
            project,
            allowance=allowance(os.environ, flag=options.allow_growth),
            state_dir=options.state_dir,
        )
        report = dataclasses.replace(
            report,
            violations=verdict.violations,
            warnings=verdict.warnings,
            allowed=verdict.allowed,
        )
        broke = _test_regressions(run)
        exit_code = ExitCode.FAILED if verdict.failed or broke else ExitCode.OK
        messages += verdict.messages() + broke
        written += [verdict.record] if verdict.record else []
    if options.ratchet:
        said, baseline = _ratchet(run, project)
        messages += said
        written += [baseline] if baseline else []
    if options.plot is not None:
        charts.staircase(run, options.plot, log_scale=options.log_scale)
        messages.append(f"wrote {options.plot}")
        written.append(options.plot)
    messages += _publish(report)
    text = (
        comment(report, exact=options.exact)
        if options.form == "comment"
        else render_report(report, options.form, exact=options.exact)
    )
    return _deliver(text, options.output, messages, exit_code, written)


def _search(options: Options) -> Outcome:
    """An optimize search, in a format of its own, with its chart."""
    record = find_search(options.search, options.state_dir)
    # every format of a run's report (checked above), a search's own way
    render = {**optimize.RENDERERS, "html": search_html}[options.form]
    messages, written = [], []
    if options.plot is not None:
        search_charts.trials(record, options.plot)
        messages.append(f"wrote {options.plot}")
        written.append(options.plot)
    return _deliver(render(record), options.output, messages, ExitCode.OK, written)


def _stage_diffs(run: RunRecord, options: Options) -> list[movers.CompositionDiff]:
    """--diff's pair, and with --details each stage against the one above it."""
    found = movers.stage_diffs(run) if options.details else []
    if not options.diff:
        return found
    if len(options.diff) != 2:
        raise ConfigError(
            f"--diff {','.join(options.diff)}: give two stages, e.g. --diff lto,codegen-units-1"
        )
    # each side's every symbol, where the artifacts are still the ones measured: the kept
    # lists alone are each stage's largest, and a symbol below one cut is no new symbol
    picked = dataclasses.replace(
        run,
        stages=tuple(with_every_symbol(s) if s.name in options.diff else s for s in run.stages),
    )
    try:
        return [movers.between(picked, *options.diff), *found]
    except KeyError as error:
        stage = str(error.args[0])
        composed = [s.name for s in run.stages if s.composition is not None]
        raise ConfigError(
            f"--diff: stage '{stage}' of run {run.run_id} has no composition"
            f"{did_you_mean(stage, composed)} (composed: {', '.join(composed) or 'none'})"
        ) from error


def _history(options: Options, runs_dir: Path) -> Outcome:
    if options.history is None or options.history < 1:
        raise ConfigError(f"--history {options.history}: must be at least 1")
    runs, skipped = history.load_runs(runs_dir)
    runs = runs[-(options.history or 1) :]
    if not runs:
        raise ConfigError(f"no readable runs in {runs_dir}: run `minbuild min-build` first")
    known = history.stage_names(runs)
    history.validate_stage_names(options.stages, known)
    _validate_target(options.target, runs)
    stages = list(options.stages) or known
    messages = list(skipped)
    written: list[Path] = []
    if options.plot is not None:
        charts.history(runs, stages, options.plot, log_scale=options.log_scale)
        messages.append(f"wrote {options.plot}")
        written.append(options.plot)
    text = history.history_table(runs, stages, exact=options.exact, target=options.target)
    return _deliver(text, options.output, messages, ExitCode.OK, written)


def _validate_target(target: str | None, runs: list[RunRecord]) -> None:
    known = sorted({row.target for run in runs for row in rows(run)})
    if target is not None and target not in known:
        raise ConfigError(
            f"--target: no target '{target}' in these runs"
            f"{did_you_mean(target, known)} (targets: {', '.join(known)})"
        )


def _ratchet(run: RunRecord, project: Project | None) -> tuple[list[str], Path | None]:
    """What the ratchet did, and the baseline file if it wrote one."""
    if project is None:
        raise ConfigError("--ratchet: no project file, so no baseline path (give --config)")
    path = project.size_baseline
    if not path.is_file():
        save_baseline(path, baseline_from_run(run))
        return [f"ratchet: no baseline yet; wrote {path} from run {run.run_id}"], path
    tightened, changes = ratchet(load_baseline(path), run)
    if not changes:
        return [f"ratchet: {path} unchanged (no stage shrank below its baseline)"], None
    save_baseline(path, tightened)
    return [f"ratchet: {path}: {change}" for change in changes], path


def _publish(report: Report) -> list[str]:
    """On GitHub Actions, append the markdown report to the job summary."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return []
    with Path(summary).open("a", encoding="utf-8") as stream:
        stream.write(markdown(report) + "\n")
    return [f"appended the markdown report to $GITHUB_STEP_SUMMARY ({summary})"]


def _deliver(
    text: str, output: Path | None, messages: list[str], exit_code: ExitCode, written: list[Path]
) -> Outcome:
    if output is None:
        return Outcome(exit_code, text, tuple(written), tuple(messages))
    write_atomic(output, text)
    return Outcome(exit_code, "", (*written, output), (*messages, f"wrote {output}"))


def _test_regressions(run: RunRecord) -> list[str]:
    """--check fails on a stage whose tests broke (those failing at the reference stage, or
    by declared design, excepted), as on a broken budget."""
    said = []
    for stage in run.stages:
        broken = [t.name for t in stage.tests if t.regression]
        if broken:
            said.append(f"check: {stage.name}: tests failed: {first_few(broken)}")
    return said
