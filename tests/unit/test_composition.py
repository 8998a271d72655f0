"""Reading what an artifact is made of: symbol names to crates, and wasm's framing."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.measure import wasm
from minbuild.measure.binaries import Origins, read_composition
from minbuild.measure.symbols import cleaned, crate_of, may_be_rust
from minbuild.util.errors import UnreadableArtifact, WasmError


@pytest.mark.parametrize(
    ("symbol", "crate"),
    [
        ("core::fmt::write", "core"),
        ("tinyvm::main", "tinyvm"),
        ("<std::backtrace_rs::symbolize::gimli::Context>::new", "std"),
        ("<hexyl::Printer<W> as core::ops::drop::Drop>::drop", "hexyl"),
        ("<u8 as core::fmt::Debug>::fmt", "core"),
        ("<[u8] as alloc::borrow::ToOwned>::to_owned", "alloc"),
        ("<&str as clap::args::Foo>::bar", "clap"),
        ("<char>::escape_debug_ext", "core"),
        ("<alloc::string::String as core::fmt::Write>::write_str", "alloc"),
        ("core::ptr::drop_in_place::<alloc::vec::Vec<u8>>", "core"),
        ("<dyn core::any::Any>::type_id", "core"),
        ("<(alloc::string::String, u8) as core::clone::Clone>::clone", "alloc"),
        # a type or trait path that is itself qualified: a type local to a method
        (
            "<<std::sys::backtrace::BacktraceLock>::print::DisplayBacktrace as "
            "core::fmt::Display>::fmt",
            "std",
        ),
        ("<&[u8] as <alloc::ffi::c_str::CString>::new::SpecNewImpl>::spec_new_impl", "alloc"),
        ("<&<std::Foo>::Local as core::fmt::Debug>::fmt", "std"),
        ("__rustc::__rust_alloc", "std"),
        ("rust_eh_personality", "std"),
        ("memcpy", None),
        ("_start", None),
    ],
)
def test_a_symbol_counts_under_the_crate_that_defines_its_code(
    symbol: str, crate: str | None
) -> None:
    assert crate_of(symbol) == crate


@pytest.mark.parametrize(
    ("demangled", "mangled", "crate"),
    [
        # ripgrep 15.2.0's rg (rustc 1.96): alloc's and core's impl blocks on str and [u8],
        # which c++filt prints alike; cargo-bloat counts the first two under alloc
        ("<str>::to_lowercase", "_RNvMs3_NtCs9jvVb34GBdE_5alloc3stre12to_lowercase", "alloc"),
        (
            "<[u8]>::repeat",
            "_RNvMNtCs9jvVb34GBdE_5alloc5sliceSh6repeatCs2XDm6MafAX7_8grep_cli",
            "alloc",
        ),
        (
            "<str>::replace::<&str>",
            "_RINvMs3_NtCs9jvVb34GBdE_5alloc3stre7replaceReECsdtZDtkT390T_2rg",
            "alloc",
        ),
        (
            "<char>::escape_debug_ext",
            "_RNvMNtNtCscoScM8QT1vH_4core4char7methodsc16escape_debug_ext",
            "core",
        ),
        (
            "<str>::contains::<&str>",
            "_RINvMNtCscoScM8QT1vH_4core3stre8containsReECsdtZDtkT390T_2rg",
            "core",
        ),
        (
            "<char>::escape_debug_ext",
            "_ZN4core4char7methods22_$LT$impl$u20$char$GT$3foo17h0123456789abcdefE",
            "core",
        ),
        ("<str>::to_lowercase", "_RNvB1_3foo", "core"),  # a back-reference first: no crate read
    ],
)
def test_an_inherent_method_of_a_primitive_counts_under_its_impl_blocks_crate(
    demangled: str, mangled: str, crate: str
) -> None:
    assert crate_of(demangled, mangled) == crate


@pytest.mark.parametrize(
    ("mangled", "rust"),
    [
        ("_RNvCskwGfYPst2Cb_3foo16example_function", True),
        ("_ZN4core3fmt5write17h0123456789abcdefE", True),
        ("_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm", False),
        ("memcpy", True),  # no mangling: crate_of decides (no path, no crate)
        ("hello::main", True),  # a wasm name section's demangled name
    ],
)
def test_only_rust_manglings_are_read_as_rust_paths(mangled: str, rust: bool) -> None:
    assert may_be_rust(mangled) is rust


def test_a_slice_type_is_not_taken_for_a_crate_disambiguator() -> None:
    assert cleaned("<[f32] as core[9071c5eb0b65983b]::Foo>::x") == "<[f32] as core::Foo>::x"
    assert cleaned("core::fmt::write::h0123456789abcdef") == "core::fmt::write"


def leb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def section(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + leb(len(body)) + body


def name(text: str) -> bytes:
    return leb(len(text)) + text.encode()


def module() -> bytes:
    """One imported function (index 0), two defined ones (1, 2) with bodies of 4 and 200
    bytes, a data section, and a name section naming all three."""
    imports = leb(1) + name("env") + name("log") + b"\x00" + leb(0)
    code = leb(2) + leb(4) + b"\x00\x41\x00\x0b" + leb(200) + b"\x00" * 200
    names = leb(3) + leb(0) + name("env::log") + leb(1) + name("a::f") + leb(2) + name("b::g")
    name_section = name("name") + section(1, names)
    return (
        b"\0asm\x01\x00\x00\x00"
        + section(2, imports)
        + section(10, code)
        + section(11, b"\x01" + b"\x00" * 40)
        + section(0, name_section)
    )


def test_wasm_sections_and_each_defined_function_under_its_name() -> None:
    read = wasm.read_module(module())
    assert [(s.name, s.loaded) for s in read.sections] == [
        ("import", True),
        ("code", True),
        ("data", True),
        ("custom:name", False),
    ]
    code = next(s for s in read.sections if s.name == "code")
    assert code.size == len(leb(2) + leb(4)) + 4 + len(leb(200)) + 200
    assert read.functions == (("a::f", 4), ("b::g", 200))  # the import has no body


@pytest.mark.parametrize(
    "broken",
    [b"\0asm\x01\x00\x00\x00\x0a\x05\x01", b"\0asm\x01\x00\x00\x00\x0a" + b"\xff" * 12, b"ELF"],
)
def test_a_broken_module_is_a_wasm_error(broken: bytes) -> None:
    with pytest.raises(WasmError):
        wasm.read_module(broken)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\xff" * 20, "damaged or unusual file"),
        (b"!<arch>\nnot a member header at all", "cannot read it"),
        (b"\0asm\x01\x00\x00\x00\x0a\x05\x01", "cannot read it"),
        (b"#!/bin/sh\necho hi\n", "neither ELF, an ar archive nor wasm"),
    ],
)
def test_an_artifact_that_cannot_be_read_says_why(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "artifact"
    path.write_bytes(content)
    with pytest.raises(UnreadableArtifact, match=problem):
        read_composition(path, Origins(frozenset({"demo"}), frozenset()))


def test_an_import_kind_unknown_here_keeps_the_sections_but_names_no_function() -> None:
    imports = leb(1) + name("env") + name("x") + b"\x09" + leb(0)
    data = b"\0asm\x01\x00\x00\x00" + section(2, imports) + section(10, leb(0))
    read = wasm.read_module(data)
    assert [s.name for s in read.sections] == ["import", "code"] and read.functions == ()


def test_a_tag_import_is_read_past() -> None:
    tag = leb(1) + name("env") + name("e") + b"\x04\x00" + leb(0)
    names = name("name") + section(1, leb(1) + leb(0) + name("a::f"))
    data = (
        b"\0asm\x01\x00\x00\x00"
        + section(2, tag)
        + section(10, leb(1) + leb(2) + b"\x00\x0b")
        + section(0, names)
    )
    assert wasm.read_module(data).functions == (("a::f", 2),)
