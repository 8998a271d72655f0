"""The project's named parts, counted over every symbol of an artifact (c++filt demangles
them: a process, so not a unit test)."""

from __future__ import annotations

from pathlib import Path

from minbuild.measure.binaries import Origins, read_composition
from minbuild.project.parts import Part
from tests.unit.test_composition import leb, module, section


def test_a_part_counts_every_symbol_its_crates_or_names_match(tmp_path: Path) -> None:
    path = tmp_path / "module.wasm"
    path.write_bytes(module())
    parts = (
        Part("of-a", "", crates=("a",), symbols=()),
        Part("any-g", "", crates=(), symbols=("*::g",)),
        Part("both", "", crates=("a",), symbols=("b::*",)),  # a::f and b::g, each once
        Part("none", "", crates=("z*",), symbols=("nothing",)),
    )
    read = read_composition(path, Origins(frozenset({"a"}), frozenset(), parts))
    assert [(share.name, share.size) for share in read.parts] == [
        ("of-a", 4), ("any-g", 200), ("both", 204), ("none", 0)
    ]  # fmt: skip


def test_without_symbols_no_part_is_counted(tmp_path: Path) -> None:
    # code, and no name section: nothing says whose it is, so no part says 0 bytes ("gone")
    path = tmp_path / "stripped.wasm"
    path.write_bytes(b"\0asm\x01\x00\x00\x00" + section(10, leb(1) + leb(4) + b"\x00\x41\x00\x0b"))
    parts = (Part("all", "", crates=("*",), symbols=()),)
    read = read_composition(path, Origins(frozenset(), frozenset(), parts))
    assert read.symbol_source == "none" and read.parts == ()
