"""Budgets checked against a run: what broke, and whether a pull request's label lets it
through as a recorded warning."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from minbuild.budgets.baseline import load_baseline
from minbuild.budgets.limits import Violation, broken_budgets
from minbuild.project.config import Project
from minbuild.runs import statedir
from minbuild.runs.records import RunRecord
from minbuild.runs.rows import rows
from minbuild.util.files import write_atomic


def gate(run: RunRecord, project: Project) -> tuple[list[Violation], list[str]]:
    """The project's budgets applied to a run, growth measured against its baseline file."""
    baseline = None
    if project.size_baseline.is_file():
        baseline = load_baseline(project.size_baseline).reference(project.size_baseline)
    return broken_budgets(rows(run), project.budgets, baseline)


CHECK_SCHEMA = "minbuild.check/1"


@dataclass(frozen=True)
class Verdict:
    """A run's budgets checked: what broke, and whether that was let through."""

    violations: list[Violation]
    warnings: list[str]
    allowed: str | None
    """Why broken budgets are not a failure: --allow-growth, or MINBUILD_ALLOW_GROWTH's value."""
    record: Path | None = None
    """Where a let-through failure was recorded."""

    @property
    def failed(self) -> bool:
        return bool(self.violations) and self.allowed is None

    def messages(self) -> list[str]:
        if not self.violations or self.record is None:
            return []
        return [
            f"{len(self.violations)} broken budget(s) allowed by {self.allowed}; "
            f"recorded in {self.record}"
        ]


def judge(run: RunRecord, project: Project, *, allowance: str | None, state_dir: Path) -> Verdict:
    """The budgets applied to a run; broken ones let through (`allowance` says why they may
    be) are recorded in the state dir (checks/RUN.json), so the warning outlives the CI log."""
    violations, warnings = gate(run, project)
    allowed = allowance if violations else None
    if allowed is None:
        return Verdict(violations, warnings, None)
    record = statedir.Layout(state_dir).checks(f"{run.run_id}.json")
    document = {
        "schema": CHECK_SCHEMA,
        "run_id": run.run_id,
        "crate": dict(run.crate),
        "allowed": allowed,
        "violations": [dataclasses.asdict(v) for v in violations],
        "warnings": warnings,
    }
    write_atomic(record, json.dumps(document, indent=2) + "\n")
    return Verdict(violations, warnings, allowed, record)
