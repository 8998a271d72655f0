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
    path = document(reference, runs_dir, records.documents(runs_dir), "run")
    return records.load(path)


def document(reference: str | None, directory: Path, known: list[Path], what: str) -> Path:
    """The newest of `known`, the document named `reference` in `directory`, or a path."""
    if reference in (None, "latest"):
        return records.latest(directory) if what == "run" else known[-1]
    if reference.endswith(".json") or os.sep in reference:
        return Path(reference)
    path = directory / f"{reference}.json"
    if not path.is_file():
        names = [p.stem for p in known]
        raise ConfigError(
            f"no {what} '{reference}' in {directory}{did_you_mean(reference, names)}"
            f" (latest: {names[-1] if names else 'none'})"
        )
    return path


def project_for(run: RunRecord, config: Path | None) -> Project | None:
    """The project file given, else the one the run was made with (if it still exists)."""
    path = config or (Path(run.config) if run.config else None)
    if path is None or (config is None and not path.is_file()):
        return None
    project = load_project(path)
    load_staircase(project)  # budgets must name its stages
    return project
