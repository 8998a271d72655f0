"""The limits a run must keep: each declared budget applied to the run's rows, growth measured
against the baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from minbuild.project.declared_budgets import Budget
from minbuild.runs.rows import Reference, Row, crate_movers


@dataclass(frozen=True)
class Violation:
    """A budget a stage broke, by how much, and against what."""

    stage: str
    target: str
    rule: str
    message: str


def broken_budgets(
    current: Sequence[Row], budgets: Sequence[Budget], baseline: Reference | None
) -> tuple[list[Violation], list[str]]:
    """Every broken budget, and warnings for budgets that could not be checked."""
    violations: list[Violation] = []
    warnings: list[str] = []
    for budget in budgets:
        matched = [row for row in current if budget.matches(row.key)]
        if not matched:
            warnings.append(f"budget at {budget.where} matches no stage of this run")
        for row in matched:
            violations += _broken(row, budget, baseline, warnings)
    return violations, warnings


def _broken(
    row: Row, budget: Budget, baseline: Reference | None, warnings: list[str]
) -> list[Violation]:
    name = f"{row.stage} [{row.target}]"
    if row.size is None:
        warnings.append(f"{name}: {row.status}, so its budget at {budget.where} was not checked")
        return []
    found = []
    if budget.max_size is not None and row.size > budget.max_size:
        over = row.size - budget.max_size
        found.append(
            Violation(
                row.stage,
                row.target,
                "max_size",
                f"{name}: {row.size:,} B is over max_size {budget.max_size:,} B "
                f"by {over:,} B ({100 * over / budget.max_size:.1f}%) "
                f"(budget at {budget.where}){crate_movers(row, baseline)}",
            )
        )
    if budget.max_growth is None and budget.max_growth_percent is None:
        return found
    then = baseline.sizes.get(row.key) if baseline else None
    if then is None:
        warnings.append(
            f"{name}: no baseline entry, so growth was not checked "
            "(write one with `invoke size-baseline`)"
        )
        return found
    growth, percent = row.size - then, 100 * (row.size - then) / then
    against = f"{baseline.label if baseline else ''}: {then:,} B"
    grew = f"{name}: grew {growth:+,} B ({percent:+.1f}%) vs {against}"
    if budget.max_growth is not None and growth > budget.max_growth:
        found.append(
            Violation(
                row.stage,
                row.target,
                "max_growth",
                f"{grew}; max_growth {budget.max_growth:,} B exceeded by "
                f"{growth - budget.max_growth:,} B (budget at {budget.where})"
                f"{crate_movers(row, baseline)}",
            )
        )
    if budget.max_growth_percent is not None and percent > budget.max_growth_percent:
        found.append(
            Violation(
                row.stage,
                row.target,
                "max_growth_percent",
                f"{grew}; max_growth_percent {budget.max_growth_percent:g}% "
                f"exceeded by {percent - budget.max_growth_percent:.1f} points "
                f"(budget at {budget.where}){crate_movers(row, baseline)}",
            )
        )
    return found
