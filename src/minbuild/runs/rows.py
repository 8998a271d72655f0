"""What a size report says, as data: one row per (stage, target), and comparisons between runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from minbuild.runs.records import RunRecord, StageRecord, StageStatus

Key = tuple[str, str]  # (stage, target)


@dataclass(frozen=True)
class Row:
    """One stage of one run, with what it changed against the stage before it."""

    stage: str
    """Stage name."""
    target: str
    """Target triple the artifact is for (the host when the stage passed no --target)."""
    status: StageStatus
    """ok, failed or skipped."""
    size: int | None
    """Artifact size in bytes, if the stage produced one."""
    delta: int | None
    """Bytes gained (+) or saved (-) against the previous sized stage of the same target."""
    delta_percent: float | None
    """The same, in percent of the previous stage."""
    percent_of_base: float | None
    """Size in percent of the base stage (the first optimized one)."""
    tests_passed: int
    """Tests that passed."""
    tests_run: int
    """Tests that ran (not skipped)."""
    toolchain: str
    """Toolchain name and rustc release."""
    record: StageRecord
    """The full record, for renderers that show commands and reasons."""

    @property
    def key(self) -> Key:
        return self.stage, self.target

    @property
    def grew(self) -> bool:
        return self.delta is not None and self.delta > 0


def tests_text(stage: StageRecord) -> str:
    """Passed of run, and how many of the failures the stage is not to blame for:
    `214/216 (2 failing at release)`, `20/21 (1 expected)`; a dash when none ran."""
    if not stage.tests_run:
        return "—"
    text = f"{stage.tests_passed}/{stage.tests_run}"
    expected = sum(t.status == "failed" and bool(t.expected) for t in stage.tests)
    inherited = [t.already_failing_at for t in stage.tests if t.status == "failed"]
    inherited = [at for at in inherited if at]
    excused = [f"{expected} expected"] if expected else []
    if inherited:
        excused.append(f"{len(inherited)} failing at {inherited[0]}")
    return f"{text} ({', '.join(excused)})" if excused else text


def toolchain_label(toolchain: Mapping[str, str]) -> str:
    return f"{toolchain.get('name', '?')} (rustc {toolchain.get('release', '?')})"


def target_of(run: RunRecord, stage: StageRecord) -> str:
    return stage.target or run.host


def base_stage(run: RunRecord, target: str | None = None) -> StageRecord | None:
    """The first optimized stage with a size (of `target`): what "% of" is relative to."""
    return next(
        (
            s
            for s in run.stages
            if s.size_bytes
            and _inherits(s) == "release"
            and (target is None or target_of(run, s) == target)
        ),
        None,
    )


def _inherits(stage: StageRecord) -> str | None:
    return next((v for k, v in stage.env.items() if k.endswith("_INHERITS")), None)


def rows(run: RunRecord) -> list[Row]:
    """The run's stages in order, each measured against the previous sized stage of its target."""
    bases = {target_of(run, s): base_stage(run, target_of(run, s)) for s in run.stages}
    previous: dict[str, int] = {}
    result = []
    for stage in run.stages:
        target, size = target_of(run, stage), stage.size_bytes
        before, base = previous.get(target), bases[target]
        delta = size - before if size is not None and before else None
        result.append(
            Row(
                stage=stage.name,
                target=target,
                status=stage.status,
                size=size,
                delta=delta,
                delta_percent=100 * delta / before if delta is not None and before else None,
                percent_of_base=100 * size / base.size_bytes
                if size is not None and base and base.size_bytes
                else None,
                tests_passed=stage.tests_passed,
                tests_run=stage.tests_run,
                toolchain=toolchain_label(stage.toolchain),
                record=stage,
            )
        )
        if size is not None:
            previous[target] = size
    return result


@dataclass(frozen=True)
class Reference:
    """What a run is compared against: an earlier run or the committed baseline."""

    label: str
    """How reports name it, e.g. "baseline (run X, commit Y)"."""
    sizes: Mapping[Key, int]
    """Size of every (stage, target) it has."""
    crates: Mapping[Key, Mapping[str, int]] = field(default_factory=dict)
    """Code by crate of every (stage, target) whose composition it knows."""


def crate_movers(row: Row, reference: Reference | None, count: int = 3) -> str:
    """`; moved most: clap +12,000 B, ...`: the crates whose code changed most since
    `reference`, or the largest crates when it knows none of this row's (empty without a
    composition). Budget failures end with it."""
    parts = row.record.composition
    if parts is None or not parts.crates:  # no symbols: nothing to say by crate
        return ""
    now = {c.name: c.size for c in parts.crates}
    then = reference.crates.get(row.key) if reference else None
    if then is None:
        ranked = sorted(parts.crates, key=lambda c: (-c.size, c.name))
        largest = ", ".join(f"{c.name} {c.size:,} B" for c in ranked[:count])
        return f"; largest crates: {largest}"
    moved = sorted(
        ((name, now.get(name, 0) - then.get(name, 0)) for name in {**then, **now}),
        key=lambda item: (-abs(item[1]), item[0]),
    )
    listed = ", ".join(f"{name} {delta:+,} B" for name, delta in moved[:count] if delta)
    return f"; moved most: {listed or 'no crate'}"


def reference_from_run(run: RunRecord) -> Reference:
    commit = run.crate.get("git_commit")
    sizes = {row.key: row.size for row in rows(run) if row.size is not None}
    where = f"commit {commit[:12]}" if commit else "not in git"
    return Reference(f"run {run.run_id} ({where})", sizes, crates_by_key(run))


def crates_by_key(run: RunRecord) -> dict[Key, dict[str, int]]:
    """Code by crate of every composed (stage, target) of a run."""
    return {
        row.key: {c.name: c.size for c in row.record.composition.crates}
        for row in rows(run)
        if row.record.composition is not None
    }


@dataclass(frozen=True)
class Change:
    """One (stage, target) then and now."""

    stage: str
    target: str
    then: int | None
    now: int | None

    @property
    def kind(self) -> str:
        return "new" if self.then is None else "vanished" if self.now is None else "changed"

    @property
    def delta(self) -> int | None:
        return self.now - self.then if self.now is not None and self.then is not None else None

    @property
    def percent(self) -> float | None:
        return 100 * self.delta / self.then if self.delta is not None and self.then else None


def compare(current: Sequence[Row], reference: Reference) -> list[Change]:
    """Every (stage, target) in either, the worst regression first, then new, then vanished."""
    now = {row.key: row.size for row in current if row.size is not None}
    keys = list(now) + [key for key in reference.sizes if key not in now]
    changes = [Change(*key, reference.sizes.get(key), now.get(key)) for key in keys]
    order = {"changed": 0, "new": 1, "vanished": 2}
    return sorted(changes, key=lambda c: (order[c.kind], -(c.delta or 0)))


@dataclass(frozen=True)
class Overlap:
    """How much the run's lanes overlapped: the stages' span against their sum."""

    lanes: int
    """Lanes that built something."""
    span_seconds: float
    """From the first stage's start to the last one's end."""
    sum_seconds: float
    """Every stage's build and tests, one after another."""


def overlap(run: RunRecord) -> Overlap | None:
    """The overlap of the stages that ran (None for documents without their times)."""
    times = [
        (datetime.fromisoformat(stage.started), datetime.fromisoformat(stage.ended), stage.lane)
        for stage in run.stages
        if stage.started and stage.ended
    ]
    if not times:
        return None
    span = max(end for _, end, _ in times) - min(start for start, _, _ in times)
    total = sum((end - start).total_seconds() for start, end, _ in times)
    return Overlap(len({lane for _, _, lane in times}), span.total_seconds(), total)
