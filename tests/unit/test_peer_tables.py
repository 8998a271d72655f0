"""bench/peer_tables.py: the rules docs/compared.md names for each disagreement between
cargo-bloat and minbuild, and the readers of the peers' output."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import peer_tables as tables
from peer_tables import Function


@pytest.mark.parametrize(
    ("name", "ours", "theirs", "rule"),
    [
        # cargo-bloat finds a generic instance in the rlib of the crate that instantiated it
        (
            "core::slice::sort::stable::quicksort::quicksort::<usize, _>",
            "core",
            "tvm_core",
            "instance",
        ),
        ("<alloc::raw_vec::RawVec<std::X>>::grow_one", "alloc", "std", "instance"),
        ("<&tvm_isa::instr::Instr as core::fmt::Debug>::fmt", "tvm_isa", "tvm_core", "instance"),
        # for an impl it has no rlib symbol of, it takes the crate of the impl block
        (
            "<&tvm_core::error::DecodeError as core::fmt::Display>::fmt",
            "tvm_core",
            "core",
            "blanket",
        ),
        ("<alloc::string::String as core::any::Any>::type_id", "alloc", "core", "impl-crate"),
        ("__rustc::__rust_realloc", "std", "__rustc", "shim"),
        ("main", "[unmangled]", "[Unknown]", "unmangled"),
        # the name's own crate is cargo-bloat's: minbuild would be wrong, and no rule says why
        ("tvm_core::interp::run", "core", "tvm_core", "other"),
    ],
)
def test_each_disagreement_is_named_by_its_rule(
    name: str, ours: str, theirs: str, rule: str
) -> None:
    assert tables.reason(Function(name, 10, ours), theirs) == rule


def test_functions_are_joined_by_name_and_size_and_grouped_by_rule() -> None:
    ours = [
        Function("a::f", 10, "a"),
        Function("core::x::<a::T>", 30, "core"),
        Function("b", 5, "b"),
    ]
    theirs = [
        Function("a::f", 10, "a"),
        Function("core::x::<a::T>", 30, "a"),
        Function("c", 7, "c"),
    ]
    join = tables.join_symbols(ours, theirs)
    assert join.matched == 2
    assert [f.name for f in join.only_ours] == ["b"] and [f.name for f in join.only_theirs] == ["c"]
    (moved,) = join.disagreements
    assert (moved.reason, moved.ours, moved.theirs, moved.size) == ("instance", "core", "a", 30)


def test_crate_rows_flag_a_difference_over_two_points_of_code() -> None:
    rows = {
        r.crate: r
        for r in tables.crate_rows({"std": 300, "core": 100}, {"std": 270, "core": 130}, 1000)
    }
    assert rows["std"].points == pytest.approx(-3.0) and rows["std"].flagged
    assert not tables.crate_rows({"a": 10}, {"a": 25}, 1000)[0].flagged


def test_cargo_hacks_command_list_and_feature_matrix_dry_run_read_as_the_same_sets() -> None:
    hack = (
        "cargo check --manifest-path Cargo.toml --no-default-features\n"
        "cargo check --manifest-path Cargo.toml --no-default-features --features a,b\n"
        "cargo check --manifest-path Cargo.toml --no-default-features --features default\n"
        "cargo check --manifest-path Cargo.toml\n"
    )
    matrix = "(none)\na,b\ndefault\n"
    assert tables.hack_combinations(hack) == {
        frozenset(),
        frozenset({"a", "b"}),
        frozenset({"default"}),
    }
    assert tables.matrix_combinations(matrix) == tables.hack_combinations(hack)


def test_twiggy_counts_a_body_with_its_length_prefix_and_type_index() -> None:
    assert tables.twiggy_overhead(177026, 177022) == 0  # 3-byte LEB128 prefix + 1
    assert tables.twiggy_overhead(102, 100) == 0  # 1-byte prefix + 1
    assert tables.twiggy_overhead(110, 100) == 8


def test_llvm_size_sections_are_read_without_the_header_and_total() -> None:
    printed = "a.out  :\nsection   size   addr\n.text   265871   16464\n"
    printed += ".bss  208  350632\nTotal  343213\n"
    assert tables.llvm_sections(printed) == {".text": 265871, ".bss": 208}


def test_the_slowest_shard_over_the_mean() -> None:
    assert tables.spread([1.0, 1.0, 1.0]) == 1.0
    assert tables.spread([3.0, 1.0, 2.0]) == pytest.approx(1.5)
