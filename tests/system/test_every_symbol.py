"""A stage diff compares every symbol on both sides, not only each side's largest: a symbol
below one side's cut is resized, not new (cargo-bloat's diff of the same binaries showed it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.measure.binaries import Origins, read_composition
from minbuild.measure.every_symbol import with_every_symbol
from minbuild.report import movers
from minbuild.runs.records import RunRecord, StageRecord
from minbuild.util.files import sha256
from tests.unit.test_composition import leb, name, section

KEPT = 2
"""The run documents' cut, made small: each side keeps its two largest symbols."""


def module(sizes: dict[str, int]) -> bytes:
    """A wasm module of functions with bodies of these sizes, named in its name section."""
    bodies = b"".join(leb(size) + b"\x00" * size for size in sizes.values())
    names = leb(len(sizes)) + b"".join(leb(i) + name(n) for i, n in enumerate(sizes))
    return (
        b"\0asm\x01\x00\x00\x00"
        + section(10, leb(len(sizes)) + bodies)
        + section(0, name("name") + section(1, names))
    )


def stage(tmp_path: Path, label: str, sizes: dict[str, int]) -> StageRecord:
    """A stage as a run document keeps it: its artifact, its digest, its largest symbols."""
    artifact = tmp_path / f"{label}.wasm"
    artifact.write_bytes(module(sizes))
    kept = read_composition(artifact, Origins(frozenset({"a"}), frozenset()), top=KEPT)
    return StageRecord(
        label,
        "",
        "ok",
        artifact=str(artifact),
        sha256=sha256(artifact),
        size_bytes=artifact.stat().st_size,
        composition=kept,
    )


@pytest.fixture(autouse=True)
def small_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minbuild.measure.every_symbol.TOP_SYMBOLS", KEPT)


def test_a_cut_list_is_read_again_whole(tmp_path: Path) -> None:
    before = stage(tmp_path, "before", {"a::big": 300, "a::mid": 200, "a::small": 50})
    assert [s.name for s in before.composition.symbols] == ["a::big", "a::mid"]  # type: ignore[union-attr]
    whole = with_every_symbol(before).composition
    assert whole is not None
    assert [(s.name, s.size) for s in whole.symbols] == [
        ("a::big", 300),
        ("a::mid", 200),
        ("a::small", 50),
    ]
    assert [c.origin for c in whole.symbols] == ["crate"] * 3


def test_a_diff_of_the_whole_lists_resizes_a_symbol_below_the_cut(tmp_path: Path) -> None:
    before = stage(tmp_path, "before", {"a::big": 300, "a::mid": 200, "a::grows": 50})
    after = stage(tmp_path, "after", {"a::big": 300, "a::mid": 200, "a::grows": 400})
    run = RunRecord("r", "", None, True, "host", {}, "0", "", {}, (before, after))

    def grows(record: RunRecord) -> movers.Mover:
        found = movers.between(record, "before", "after").symbols
        return next(m for m in found if m.name == "a::grows")

    assert grows(run).before is None  # the kept lists alone: new, +400
    whole = RunRecord(
        "r", "", None, True, "host", {}, "0", "", {}, tuple(map(with_every_symbol, run.stages))
    )
    assert (grows(whole).before, grows(whole).delta) == (50, 350)


def test_an_artifact_rebuilt_since_or_gone_keeps_the_kept_list(tmp_path: Path) -> None:
    before = stage(tmp_path, "before", {"a::big": 300, "a::mid": 200, "a::small": 50})
    Path(before.artifact or "").write_bytes(module({"a::other": 10}))
    assert with_every_symbol(before) == before
    Path(before.artifact or "").unlink()
    assert with_every_symbol(before) == before
