"""min-build: take a crate down the staircase, every stage built, sized and tested."""

from __future__ import annotations

from pathlib import Path

from minbuild.budgets.verdict import judge
from minbuild.commands.build_options import BuildOptions
from minbuild.commands.outcome import Outcome
from minbuild.engine import describe, execute, planner
from minbuild.engine.request import BuildRequest
from minbuild.report import formats
from minbuild.runs.progress import Reporter
from minbuild.util.errors import ExitCode

Options = BuildOptions


def run(request: BuildRequest, reporter: Reporter) -> Outcome:
    """Plan the builds (a dry run prints them), run them, and with `check` gate the budgets."""
    # A run's first build stands for the toolchain check (a `cargo check` of the crate, minutes
    # on a large one); a dry run, which builds nothing, leaves it unmade and says so, unless
    # the user named the toolchain: one that fails is said, with one that works, before a run.
    named = request.dry_run and request.toolchain is not None
    plan = planner.planned(request, reporter, check_in_lane=not named)
    if request.dry_run:
        return Outcome(text=describe.describe_plan(plan))
    reporter.lanes(plan.parallel)
    run, path = execute.execute_or_choose_again(plan, request, reporter)
    text = formats.terminal(formats.Report(run)) + f"\nrun document: {path}\n"
    failed = any(stage.status == "failed" for stage in run.stages)
    lacking = sorted({stage.lacking for stage in run.stages if stage.lacking})
    messages: tuple[str, ...] = ()
    written: tuple[Path, ...] = (path,)
    if request.check:
        verdict = judge(run, plan.project, allowance=request.allowance, state_dir=request.state_dir)
        lines = formats.budget_lines(verdict.violations, verdict.warnings, "", verdict.allowed)
        text += "\n" + "\n".join(lines) + "\n"
        messages = tuple(verdict.messages())
        written += (verdict.record,) if verdict.record else ()
        failed = failed or verdict.failed
    if lacking:  # the machine's fault, not the crate's: what doctor and setup are for
        messages += tuple(f"this machine lacks {tool}" for tool in lacking)
        return Outcome(ExitCode.ENVIRONMENT, text, written, messages)
    return Outcome(ExitCode.FAILED if failed else ExitCode.OK, text, written, messages)
