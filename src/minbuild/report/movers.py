"""What changed between two compositions: sections, crates and symbols that grew or shrank,
largest first. Pure functions over records."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from minbuild.runs.composition import Composition, Section, Share
from minbuild.runs.records import RunRecord, StageRecord
from minbuild.runs.rows import Reference, rows

Level = Literal["section", "crate", "symbol"]


@dataclass(frozen=True)
class Mover:
    """One section, crate or symbol whose size changed."""

    level: Level
    name: str
    before: int | None
    """None: absent before (new)."""
    after: int | None
    """None: absent after (gone)."""
    crate: str = ""

    @property
    def delta(self) -> int:
        return (self.after or 0) - (self.before or 0)


@dataclass(frozen=True)
class CompositionDiff:
    """Two builds' compositions side by side."""

    before_label: str
    after_label: str
    before: Composition
    after: Composition
    sections: tuple[Mover, ...]
    crates: tuple[Mover, ...]
    symbols: tuple[Mover, ...]
    """Among each side's largest symbols (Composition.symbols): a symbol below that cut on one
    side counts as absent there."""

    @property
    def file_delta(self) -> int:
        return self.after.file_size - self.before.file_size

    @property
    def code_delta(self) -> int:
        return self.after.code_size - self.before.code_size

    def top(self, level: Level, count: int) -> list[Mover]:
        movers = {"section": self.sections, "crate": self.crates, "symbol": self.symbols}
        return list(movers[level][:count])


def diff(before: Composition, after: Composition, labels: tuple[str, str]) -> CompositionDiff:
    """Every section, crate and symbol whose size differs, largest change first."""
    return CompositionDiff(
        labels[0],
        labels[1],
        before,
        after,
        _movers("section", *_both(before.sections, after.sections)),
        _movers("crate", *_both(before.crates, after.crates)),
        _movers("symbol", *_both(before.symbols, after.symbols)),
    )


def _both(
    before: Sequence[Section | Share], after: Sequence[Section | Share]
) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
    """Both sides' sizes, or nothing when one side does not know this level (a baseline keeps
    crates only): a missing level is not everything gone."""
    if not before or not after:
        return {}, {}
    return _sizes(before), _sizes(after)


def _sizes(items: Iterable[Section | Share]) -> dict[str, tuple[int, str]]:
    """name -> (size, crate); a name that repeats (a symbol in two codegen units) sums."""
    sizes: dict[str, tuple[int, str]] = {}
    for item in items:
        size, _ = sizes.get(item.name, (0, ""))
        sizes[item.name] = (size + item.size, getattr(item, "crate", ""))
    return sizes


def _movers(
    level: Level, then: dict[str, tuple[int, str]], now: dict[str, tuple[int, str]]
) -> tuple[Mover, ...]:
    moved = [
        Mover(
            level,
            name,
            then[name][0] if name in then else None,
            now[name][0] if name in now else None,
            (now.get(name) or then[name])[1],
        )
        for name in {**then, **now}
        if (then.get(name) or (None,))[0] != (now.get(name) or (None,))[0]
    ]
    return tuple(sorted(moved, key=lambda m: (-abs(m.delta), m.name)))


def label(stage: StageRecord) -> str:
    return f"{stage.name} ({stage.target})" if stage.target else stage.name


def stage_diffs(run: RunRecord) -> list[CompositionDiff]:
    """Each composed stage against the composed stage above it, for the same target."""
    diffs = []
    previous: dict[str | None, StageRecord] = {}
    for stage in run.stages:
        if stage.composition is None:
            continue
        above = previous.get(stage.target)
        if above is not None and above.composition is not None:
            diffs.append(diff(above.composition, stage.composition, (label(above), label(stage))))
        previous[stage.target] = stage
    return diffs


def between(run: RunRecord, first: str, second: str, target: str | None = None) -> CompositionDiff:
    """`second` against `first`, two stages of one run (KeyError names a stage that has no
    composition)."""
    found: list[tuple[StageRecord, Composition]] = []
    for name in (first, second):
        stage = next(
            (s for s in run.stages if s.name == name and (target is None or s.target == target)),
            None,
        )
        if stage is None or stage.composition is None:
            raise KeyError(name)
        found.append((stage, stage.composition))
    (old, old_parts), (new, new_parts) = found
    return diff(old_parts, new_parts, (label(old), label(new)))


def across_runs(then: RunRecord, now: RunRecord) -> list[CompositionDiff]:
    """Each stage of `now` against the same stage and target of `then`, both composed."""
    earlier = {(s.name, s.target): s for s in then.stages if s.composition is not None}
    diffs = []
    for stage in now.stages:
        old = earlier.get((stage.name, stage.target))
        if old is not None and stage.composition is not None and old.composition is not None:
            diffs.append(
                diff(
                    old.composition,
                    stage.composition,
                    (f"{label(old)} in {then.run_id}", f"{label(stage)} in {now.run_id}"),
                )
            )
    return diffs


def against_reference(run: RunRecord, reference: Reference) -> list[CompositionDiff]:
    """Each composed stage against a reference that kept code by crate (a baseline), for the
    stages whose size changed: crates only, since that is all the reference kept."""
    diffs = []
    for row in rows(run):
        parts, then = row.record.composition, reference.crates.get(row.key)
        size = reference.sizes.get(row.key)
        if parts is None or then is None or size is None or size == row.size:
            continue
        kept = dataclasses.replace(
            parts,
            file_size=size,
            loaded_size=0,
            code_size=sum(then.values()),
            sections=(),
            crates=tuple(Share(name, bytes_) for name, bytes_ in then.items()),
            symbols=(),
        )
        diffs.append(
            diff(kept, parts, (f"{label(row.record)} in {reference.label}", label(row.record)))
        )
    return diffs
