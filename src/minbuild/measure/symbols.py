"""Symbol names: demangled (Rust's legacy and v0 manglings), and the crate each belongs to."""

from __future__ import annotations

import re
from collections.abc import Sequence

from minbuild.util import command

# rustc's own shims (the allocator's, __rust_probestack...) and the names it gives the program.
_RUSTC_NAMES = re.compile(r"^(__rustc|__rust_|rust_eh_personality|rust_begin_unwind)")
_LEGACY_HASH = re.compile(r"::h[0-9a-f]{16}$")
# After a name, not a slice type: core[9071c5eb0b65983b]::fmt, but <[f32]>::sort.
_V0_DISAMBIGUATOR = re.compile(r"(?<=[A-Za-z0-9_])\[[0-9a-f]+\]")
_LEGACY_RUST_HASH = re.compile(r"17h[0-9a-f]{16}E$")
_POINTERS = re.compile(r"^(?:&(?:mut )?|\*(?:const|mut) |dyn |impl |\(|\[)+")
_PATH_START = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:::|<)")
PRIMITIVE_CRATE = "core"  # inherent methods of char, str, slices, integers: core defines most
_V0_DISAMBIGUATOR_TAG = re.compile(r"s[0-9A-Za-z]*_")
_V0_IDENTIFIER = re.compile(r"(\d+)_?")


def demangle(names: Sequence[str]) -> list[str]:
    """Every name demangled by binutils' c++filt (which reads both Rust manglings), cleaned of
    legacy hashes and v0 crate disambiguators; unmangled names come back as they were."""
    if not names:
        return []
    # c++filt takes 5 s for the 469,449 names of wasmtime's debug build on an idle core; on a
    # busy machine (the other lanes compiling) many times that
    timeout = max(120.0, len(names) / 1000)
    done = command.run(["c++filt"], stdin="\n".join(names) + "\n", timeout=timeout)
    lines = done.stdout.splitlines()
    if len(lines) != len(names):  # a name with a newline in it: keep them raw
        lines = list(names)
    return [cleaned(line) for line in lines]


def cleaned(demangled: str) -> str:
    """A demangled name without legacy hashes and v0 crate disambiguators, which differ from
    build to build and would make the same function two symbols in a diff."""
    return _V0_DISAMBIGUATOR.sub("", _LEGACY_HASH.sub("", demangled))


def may_be_rust(mangled: str) -> bool:
    """Whether a symbol's name can be a Rust path: Rust's v0 (`_R`) or legacy (`_ZN`, ending in
    a hash) mangling, or no mangling at all (a wasm name section's names); C++'s `_Z` names,
    which c++filt demangles to `std::...` too, cannot."""
    if mangled.startswith("_Z"):
        return _LEGACY_RUST_HASH.search(mangled) is not None
    return True


def crate_of(demangled: str, mangled: str = "") -> str | None:
    """The crate whose code a demangled symbol is: the first path segment; for
    `<T as Trait>::f` the crate of T, or of the trait when T is a primitive. Generic code
    counts under the crate that defines it, not the one that instantiated it, and a blanket
    impl (`<&T as Display>::fmt`) under T's crate: the source the bytes were compiled from.
    cargo-bloat differs on both (docs/compared.md). None for names that are no Rust path
    (C functions, linker stubs)."""
    if _RUSTC_NAMES.match(demangled):
        return "std"
    if demangled.startswith("<"):
        inner, trait = _split_qualified(demangled[1:])
        own = _path_crate(inner)
        if own is not None:
            return own
        if trait is not None:
            return _path_crate(trait) or PRIMITIVE_CRATE
        # <char>::escape_debug_ext: an inherent method of a primitive, core's unless the v0
        # name says which crate's impl block it is in (<str>::to_lowercase is alloc's)
        return impl_crate(mangled) or PRIMITIVE_CRATE
    return _first_segment(demangled)


def impl_crate(mangled: str) -> str | None:
    """The crate a v0 symbol's path starts from: for an inherent method, the crate whose
    `impl` block holds it, which c++filt does not print (`<str>::to_lowercase` is alloc's,
    `<char>::is_whitespace` core's). None for other manglings or a path that starts
    elsewhere (a back-reference)."""
    if not mangled.startswith("_R"):
        return None
    at = 2
    while at < len(mangled):
        tag = mangled[at]
        if tag == "I":  # generic arguments follow the path
            at += 1
        elif tag == "N":  # a nested path: its namespace, then the parent path
            at += 2
        elif tag in "MX":  # an impl: its disambiguator, then the path of the impl block
            at = _past_disambiguator(mangled, at + 1)
        elif tag == "C":  # the crate root: a disambiguator, then the crate's name
            at = _past_disambiguator(mangled, at + 1)
            length = _V0_IDENTIFIER.match(mangled, at)
            if length is None:
                return None
            start = length.end()
            return mangled[start : start + int(length.group(1))] or None
        else:
            return None
    return None


def _past_disambiguator(mangled: str, at: int) -> int:
    """Where a v0 name goes on after the optional disambiguator (`s<base-62>_`) at `at`."""
    found = _V0_DISAMBIGUATOR_TAG.match(mangled, at)
    return found.end() if found else at


def _path_crate(path: str) -> str | None:
    """The crate of a type or trait path, itself qualified or not: a type local to a method,
    `<std::sys::backtrace::BacktraceLock>::print::DisplayBacktrace`, is std's."""
    bare = _POINTERS.sub("", path.strip())
    return crate_of(bare) if bare.startswith("<") else _first_segment(path)


def _split_qualified(text: str) -> tuple[str, str | None]:
    """`T as Trait>::rest` -> (T, Trait); `T>::rest` -> (T, None), at nesting depth 0."""
    end, at_as = _outer_end(text, stop_at_as=True)
    if not at_as:
        return text[:end], None
    rest = text[end + 4 :]
    return text[:end], rest[: _outer_end(rest)[0]]


def _outer_end(text: str, *, stop_at_as: bool = False) -> tuple[int, bool]:
    """Where `text`'s outermost level ends: its first unmatched closing bracket (or, with
    `stop_at_as`, an ` as ` outside every bracket), and whether it was the ` as `."""
    depth = 0
    for index, char in enumerate(text):
        if char in "<([":
            depth += 1
        elif char in ">)]":
            if depth == 0:
                return index, False
            depth -= 1
        elif stop_at_as and depth == 0 and text.startswith(" as ", index):
            return index, True
    return len(text), False


def _first_segment(path: str) -> str | None:
    """The crate of a path (`alloc::vec::Vec<u8>` -> alloc), None for a primitive or no path."""
    match = _PATH_START.match(_POINTERS.sub("", path.strip()))
    if match is None or "::" not in path:
        return None
    return match.group(1)
