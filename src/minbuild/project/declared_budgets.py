"""Size budgets as a project file declares them: the limits a run must keep."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from minbuild.project import file_model
from minbuild.util.yamlfile import Document, KeyPath

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|K|KB|KIB|M|MB|MIB|G|GB|GIB)?\s*$", re.IGNORECASE)


_UNITS = {
    "B": 1,
    "K": 1024,
    "KIB": 1024,
    "KB": 1000,
    "M": 1024**2,
    "MIB": 1024**2,
    "MB": 1000**2,
    "G": 1024**3,
    "GIB": 1024**3,
    "GB": 1000**3,
}


@dataclass(frozen=True)
class Budget:
    """Limits for the stages and targets that match it."""

    stage: str
    """Stage name or glob (`*` matches every stage)."""
    target: str
    """Target triple or glob."""
    max_size: int | None
    """Largest allowed artifact, in bytes."""
    max_growth: int | None
    """Most bytes a stage may grow over its baseline entry."""
    max_growth_percent: float | None
    """Most percent a stage may grow over its baseline entry."""
    where: str
    """file:line of the budget, so a report can say what was broken."""

    def matches(self, key: tuple[str, str]) -> bool:
        """Whether this budget covers a (stage, target) pair."""
        return fnmatch.fnmatchcase(key[0], self.stage) and fnmatch.fnmatchcase(key[1], self.target)


def parse_size(doc: Document, value: Any, at: KeyPath) -> int | None:
    """Bytes from an integer or text like "140 KiB" (K and KiB are 1024, KB is 1000)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(str(value)) if isinstance(value, str) else None
    if not match:
        raise doc.error(at, f"expected a size in bytes or like '140 KiB', got {value!r}")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "B").upper()])


def parse_budget(doc: Document, data: file_model.Budget, at: KeyPath) -> Budget:
    percent = data["max_growth_percent"]
    if percent is not None and (isinstance(percent, bool) or not isinstance(percent, int | float)):
        raise doc.error((*at, "max_growth_percent"), f"expected a number, got {percent!r}")
    budget = Budget(
        stage=str(data["stage"]),
        target=str(data["target"]),
        max_size=parse_size(doc, data["max_size"], (*at, "max_size")),
        max_growth=parse_size(doc, data["max_growth"], (*at, "max_growth")),
        max_growth_percent=None if percent is None else float(percent),
        where=f"{doc.path}:{doc.line(at)}",
    )
    if budget.max_size is None and budget.max_growth is None and percent is None:
        raise doc.error(at, "sets no limit (max_size, max_growth or max_growth_percent)")
    return budget
