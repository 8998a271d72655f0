"""The committed baseline file growth budgets compare with, and the ratchet that lowers it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from minbuild.runs.records import RunRecord
from minbuild.runs.rows import (
    Reference,
    crates_by_key,
    rows,
    toolchain_label,
)
from minbuild.util.errors import ConfigError
from minbuild.util.files import write_atomic
from minbuild.util.schemas import validated
from minbuild.util.yamlfile import Document, read_text

BASELINE_SCHEMA = "minbuild.baseline/2"
READABLE = ("minbuild.baseline/1", BASELINE_SCHEMA)
"""/1 baselines lack the code by crate, which budget failures then cannot compare."""


@dataclass(frozen=True)
class BaselineEntry:
    """The accepted size of one (stage, target), and where it came from."""

    stage: str
    target: str
    size_bytes: int
    sha256: str | None
    toolchain: str
    commit: str | None
    run_id: str
    crates: Mapping[str, int] = field(default_factory=dict)
    """Code by crate, so a budget failure can say which crates grew."""


@dataclass(frozen=True)
class Baseline:
    """The committed sizes budgets measure growth against."""

    crate: str
    entries: tuple[BaselineEntry, ...]

    def reference(self, path: Path) -> Reference:
        runs = sorted({entry.run_id for entry in self.entries})
        commits = sorted({(entry.commit or "no commit")[:12] for entry in self.entries})
        label = f"baseline {path} (run {', '.join(runs)}, commit {', '.join(commits)})"
        return Reference(
            label,
            {(e.stage, e.target): e.size_bytes for e in self.entries},
            {(e.stage, e.target): e.crates for e in self.entries if e.crates},
        )


def baseline_from_run(run: RunRecord) -> Baseline:
    commit = run.crate.get("git_commit")
    crates = crates_by_key(run)
    return Baseline(
        str(run.crate.get("name")),
        tuple(
            BaselineEntry(
                row.stage,
                row.target,
                row.size,
                row.record.sha256,
                toolchain_label(row.record.toolchain),
                commit,
                run.run_id,
                crates.get(row.key, {}),
            )
            for row in rows(run)
            if row.size is not None
        ),
    )


def save_baseline(path: Path, baseline: Baseline) -> None:
    data = {
        "schema": BASELINE_SCHEMA,
        "crate": baseline.crate,
        "entries": [asdict(entry) for entry in baseline.entries],
    }
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def load_baseline(path: Path) -> Baseline:
    if not path.exists():
        raise ConfigError("no baseline yet: write one with `invoke size-baseline`", file=str(path))
    try:
        data = json.loads(read_text(path))
    except ValueError as error:
        raise ConfigError(f"not a readable baseline ({error})", file=str(path)) from error
    if not isinstance(data, dict) or data.get("schema") not in READABLE:
        raise ConfigError(f"not a {BASELINE_SCHEMA} file", file=str(path))
    validated(Document(path, data), "baseline")
    return Baseline(data["crate"], tuple(BaselineEntry(**e) for e in data["entries"]))


def ratchet(baseline: Baseline, run: RunRecord) -> tuple[Baseline, list[str]]:
    """The baseline with every entry the run beat lowered to the run's size; never raised."""
    fresh = {(e.stage, e.target): e for e in baseline_from_run(run).entries}
    entries, changes = [], []
    for entry in baseline.entries:
        now = fresh.pop((entry.stage, entry.target), None)
        if now is not None and now.size_bytes < entry.size_bytes:
            changes.append(
                f"{entry.stage} [{entry.target}]: {entry.size_bytes:,} B -> {now.size_bytes:,} B"
            )
            entry = now
        entries.append(entry)
    for now in fresh.values():
        changes.append(f"{now.stage} [{now.target}]: new entry, {now.size_bytes:,} B")
        entries.append(now)
    return replace(baseline, entries=tuple(entries)), changes
