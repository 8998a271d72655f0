"""Which run a command means: the latest, a run id, or a run document's path; and its project."""

from __future__ import annotations

import os
from pathlib import Path

from minbuild.project.config import Project, load_project
from minbuild.project.stages import load_staircase
from minbuild.runs import records
from minbuild.runs.records import RunRecord
from minbuild.util.errors import ConfigError
from minbuild.util.text import did_you_mean


def find_run(reference: str | None, runs_dir: Path) -> RunRecord:
    """The latest run, a run id, or a run document's path."""
    if reference is None:
        return records.load(records.latest(runs_dir))
    if reference.endswith(".json") or os.sep in reference:
        return records.load(Path(reference))
    path = runs_dir / f"{reference}.json"
    if not path.is_file():
        known = [path.stem for path in records.documents(runs_dir)]
        raise ConfigError(
            f"no run '{reference}' in {runs_dir}{did_you_mean(reference, known)}"
            f" (latest: {known[-1] if known else 'none'})"
        )
    return records.load(path)


def project_for(run: RunRecord, config: Path | None) -> Project | None:
    """The project file given, else the one the run was made with (if it still exists)."""
    path = config or (Path(run.config) if run.config else None)
    if path is None or (config is None and not path.is_file()):
        return None
    project = load_project(path)
    load_staircase(project)  # budgets must name its stages
    return project
