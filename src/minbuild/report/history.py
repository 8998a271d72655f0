"""Reading every recorded run, skipping broken ones, and a stage's size across runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minbuild.report.table import size_text
from minbuild.runs import records
from minbuild.runs.records import RunRecord
from minbuild.runs.rows import rows
from minbuild.util.errors import ConfigError
from minbuild.util.text import did_you_mean, format_table


def load_runs(runs_dir: Path) -> tuple[list[RunRecord], list[str]]:
    """Every readable run, oldest first, and one line per document that was skipped."""
    runs, skipped = [], []
    for path in records.documents(runs_dir):
        try:
            runs.append(records.load(path))
        except ConfigError as error:
            skipped.append(f"skipped {error}")
    if not runs and not skipped:
        raise ConfigError(f"no runs in {runs_dir}: run `minbuild min-build` first")
    return runs, skipped


def stage_names(runs: Sequence[RunRecord]) -> list[str]:
    return list(dict.fromkeys(stage.name for run in runs for stage in run.stages))


def validate_stage_names(wanted: Sequence[str], known: Sequence[str]) -> None:
    for name in wanted:
        if name not in known:
            raise ConfigError(
                f"--stage: no stage '{name}' in these runs"
                f"{did_you_mean(name, list(known))} (stages: {', '.join(known)})"
            )


def sizes_by_run(
    runs: Sequence[RunRecord], stages: Sequence[str], target: str | None = None
) -> list[dict[str, int | None]]:
    """For each run, the size of each of `stages` (on `target`, default each run's host)."""
    result = []
    for run in runs:
        found = {row.stage: row.size for row in rows(run) if row.target == (target or run.host)}
        result.append({stage: found.get(stage) for stage in stages})
    return result


def history_table(
    runs: Sequence[RunRecord],
    stages: Sequence[str],
    *,
    exact: bool = False,
    target: str | None = None,
) -> str:
    """One line per run (date, commit, toolchain) and one size column per stage."""
    headers = ["date", "run", "commit", "toolchain", *stages]
    cells = []
    for run, sizes in zip(runs, sizes_by_run(runs, stages, target), strict=True):
        commit = (run.crate.get("git_commit") or "—")[:10]
        dirty = "+" if run.crate.get("git_dirty") else ""
        toolchain = f"{run.toolchain.get('name')} {run.toolchain.get('release')}"
        cells.append(
            [
                run.started[:16].replace("T", " "),
                run.run_id.split("-")[-1],
                commit + dirty,
                toolchain,
                *(size_text(sizes[stage], exact=exact) for stage in stages),
            ]
        )
    right = set(range(4, 4 + len(stages)))
    return format_table(headers, cells, right) + "\n"
