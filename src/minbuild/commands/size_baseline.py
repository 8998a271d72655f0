"""size-baseline: the reviewable baseline file, written from a run, that growth budgets and
`size-report --against baseline` compare with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minbuild.budgets.baseline import Baseline, baseline_from_run, save_baseline
from minbuild.commands.outcome import Outcome
from minbuild.commands.vocabulary import OUTPUT, RUN, RUN_CONFIG, STATE_DIR
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.runs.select import find_run, project_for
from minbuild.util.errors import ConfigError


@dataclass(frozen=True)
class Options:
    """What one size-baseline invocation asks for."""

    run: str | None = RUN()
    config: Path | None = RUN_CONFIG()
    output: Path | None = OUTPUT(help="where to write it (default: the project's size_baseline)")
    state_dir: Path = STATE_DIR()


def write_baseline(options: Options) -> tuple[Path, Baseline]:
    """Write the baseline file from a run (default: the latest) for a team to review and commit."""
    run = find_run(options.run, statedir.Layout(options.state_dir).runs())
    project = project_for(run, options.config)
    path = options.output or (project.size_baseline if project else None)
    if path is None:
        raise ConfigError(
            "size-baseline: no project file to take the baseline path from "
            "(give --config or --output)"
        )
    baseline = baseline_from_run(run)
    if not baseline.entries:
        raise ConfigError(f"run {run.run_id} has no sized stage to make a baseline of")
    save_baseline(path, baseline)
    return path, baseline


def run(options: Options, reporter: Reporter) -> Outcome:
    """Write the baseline and say what it holds."""
    path, baseline = write_baseline(options)
    runs = ", ".join(sorted({entry.run_id for entry in baseline.entries}))
    text = f"wrote {path}: {len(baseline.entries)} entries from run {runs}; review and commit it\n"
    return Outcome(text=text, written=(path,))
