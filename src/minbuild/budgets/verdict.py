"""Budgets checked against a run: what broke, and whether a pull request's label lets it
through as a recorded warning."""

from __future__ import annotations

import dataclasses
import json
import os
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


ALLOW_GROWTH_VARIABLE = "MINBUILD_ALLOW_GROWTH"
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


def allowance(*, flag: bool) -> str | None:
    """Why broken budgets would not fail the check: the flag, or the environment variable a
    CI step sets from a pull-request label (its value says why; empty, 0 or false: unset)."""
    if flag:
        return "--allow-growth"
    value = os.environ.get(ALLOW_GROWTH_VARIABLE, "").strip()
    if value.lower() in ("", "0", "false", "no"):
        return None
    return f"{ALLOW_GROWTH_VARIABLE}={value}"


def judge(run: RunRecord, project: Project, *, allow: bool, state_dir: Path) -> Verdict:
    """The budgets applied to a run; broken ones let through are recorded in the state dir
    (checks/RUN.json), so the warning outlives the CI log."""
    violations, warnings = gate(run, project)
    allowed = allowance(flag=allow) if violations else None
    if allowed is None:
        return Verdict(violations, warnings, None)
    record = statedir.inside(state_dir, "checks", f"{run.run_id}.json")
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
