"""Reading an artifact's composition: ELF executables and shared objects (pyelftools), static
libraries (arpy, then each member as ELF) and wasm modules."""

from __future__ import annotations

import io
import re
import struct
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import arpy
from elftools.common.exceptions import ELFError
from elftools.construct import ConstructError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import Symbol, SymbolTableSection

from minbuild.measure import wasm
from minbuild.measure.symbols import crate_of, demangle, may_be_rust
from minbuild.project.parts import Part
from minbuild.runs.composition import (
    TOP_SYMBOLS,
    UNATTRIBUTED,
    Composition,
    Format,
    Origin,
    Section,
    Share,
)
from minbuild.util.errors import UnreadableArtifact, WasmError

NON_RUST = "[unmangled]"
"""Code under names that are no Rust path: #[no_mangle] exports, C functions, linker stubs."""
# The sections a size question is about; the others are grouped.
KEY_SECTIONS = (
    ".text",
    ".rodata",
    ".data",
    ".data.rel.ro",
    ".bss",
    ".tbss",
    ".eh_frame",
    ".eh_frame_hdr",
    ".gcc_except_table",
    ".symtab",
    ".strtab",
)
HEADERS = "[headers, padding]"
READER = 3
"""Changes when reading gives other results for the same file: kept compositions expire."""
_MEMBER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[.-]")


@dataclass(frozen=True)
class Origins:
    """What attribution takes from the project: what its own crates and its dependencies are
    called (as in symbols: `_`), and the parts it names."""

    own: frozenset[str]
    dependencies: frozenset[str]
    parts: tuple[Part, ...] = ()

    def of(self, crate: str) -> Origin:
        if crate in self.own:
            return "crate"
        if crate in self.dependencies:
            return "dependency"
        return "other" if crate.startswith("[") else "std"


@dataclass(frozen=True)
class _Symbol:
    mangled: str
    size: int
    member_crate: str | None = None
    """In an archive, the crate whose object holds it (for #[no_mangle] names)."""


def read_composition(path: Path, origins: Origins, top: int | None = TOP_SYMBOLS) -> Composition:
    """The composition of the artifact at `path`, read from its bytes (ELF, ar or wasm), with
    its `top` largest symbols (None: every one, for a comparison symbol by symbol)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
            handle.seek(0)
            if magic.startswith(b"\x7fELF"):
                return _elf(handle, path.stat().st_size, origins, top)
            if magic.startswith(b"!<arch>\n"):
                return _archive(path, origins, top)
            if magic.startswith(b"\0asm"):
                return _wasm(handle.read(), origins, top)
    # What a damaged or unusual file makes pyelftools and arpy raise: a composition that cannot
    # be read is noted on the stage, never a failed build.
    except (
        ELFError,
        ConstructError,
        struct.error,
        ValueError,
        OverflowError,
        KeyError,
        IndexError,
        EOFError,
    ) as error:
        raise UnreadableArtifact(f"{path}: damaged or unusual file: {error}") from error
    except (arpy.ArchiveFormatError, WasmError, OSError) as error:
        raise UnreadableArtifact(f"{path}: cannot read it: {error}") from error
    raise UnreadableArtifact(f"{path}: neither ELF, an ar archive nor wasm")


def _elf(handle: BinaryIO, file_size: int, origins: Origins, top: int | None) -> Composition:
    elf = ELFFile(handle)
    sections = [
        Section(
            s.name,
            s["sh_size"],
            bool(s["sh_flags"] & SH_FLAGS.SHF_ALLOC),
            s["sh_type"] != "SHT_NOBITS",
        )
        for s in elf.iter_sections()
        if s.name
    ]
    text = elf.get_section_by_name(".text")
    symbols: list[_Symbol] = []
    if text is not None:
        low, high = text["sh_addr"], text["sh_addr"] + text["sh_size"]
        symbols = list(_code_symbols(elf, low, high))
    in_file = sum(s.size for s in sections if s.in_file)
    grouped = [*_grouped(sections), Section(HEADERS, max(0, file_size - in_file), False)]
    code_size = text["sh_size"] if text is not None else 0
    return _compose(
        "elf",
        file_size,
        sum(s.size for s in sections if s.loaded),
        ".text",
        code_size,
        grouped,
        symbols,
        ".symtab" if symbols else "none",
        origins,
        top,
    )


def _code_symbols(elf: ELFFile, low: int, high: int) -> Iterator[_Symbol]:
    """Functions inside [low, high) (.text), one per address (aliases share their code)."""
    table = elf.get_section_by_name(".symtab")
    if not isinstance(table, SymbolTableSection):
        return
    seen: set[int] = set()
    for symbol in table.iter_symbols():
        address, size = symbol["st_value"], symbol["st_size"]
        if size and _is_code(symbol) and low <= address < high and address not in seen:
            seen.add(address)
            yield _Symbol(symbol.name, size)


def _is_code(symbol: Symbol) -> bool:
    """A function (untyped symbols included: hand-written assembly), in a section of the file
    (not an absolute value or a thread-local offset)."""
    kind = symbol["st_info"]["type"]
    return kind in ("STT_FUNC", "STT_GNU_IFUNC", "STT_NOTYPE") and isinstance(
        symbol["st_shndx"], int
    )


def _archive(path: Path, origins: Origins, top: int | None) -> Composition:
    """A static library: sections summed over its members; code by member, each member an
    object of one crate (rustc names them `<crate>-<hash>.<cgu>.rcgu.o`)."""
    sections: list[Section] = []
    symbols: list[_Symbol] = []
    code_size = 0
    for member, elf in _objects(path):
        # One pass over the section headers: a debug object has one section per function
        # (tens of thousands), and pyelftools parses a header anew at every lookup.
        names: list[str] = []
        table: SymbolTableSection | None = None
        for section in elf.iter_sections():
            name = _base_name(section.name)
            names.append(name)
            if isinstance(section, SymbolTableSection) and section.name == ".symtab":
                table = section
            if not section.name or not section["sh_flags"] & SH_FLAGS.SHF_ALLOC:
                continue
            in_file = section["sh_type"] != "SHT_NOBITS"
            sections.append(Section(name, section["sh_size"], True, in_file))
            if name == ".text":
                code_size += section["sh_size"]
        if table is not None:
            symbols += _object_symbols(table, names, _member_crate(member))
    return _compose(
        "archive",
        path.stat().st_size,
        sum(s.size for s in sections),
        ".text",
        code_size,
        list(_grouped(sections)),
        symbols,
        "members' .symtab" if symbols else "none",
        origins,
        top,
    )


def _objects(path: Path) -> Iterator[tuple[bytes, ELFFile]]:
    """A static library's object files, by member name (the symbol index is none)."""
    # arpy leaves a file it opened itself open when the archive is malformed: open it here.
    with path.open("rb") as handle, arpy.Archive(fileobj=handle) as archive:
        for member in archive.infolist():
            data = archive.open(member).read()
            if data.startswith(b"\x7fELF"):
                yield member.name, ELFFile(io.BytesIO(data))


def defined_globals(path: Path) -> frozenset[str]:
    """The global symbols a static library's objects define: what a link can take from it.
    From the archive's symbol index, which ar and rustc write for the linker (a few
    milliseconds; reading every object's symbol table took 2 s for the demo's debug .a)."""
    indexed = _symbol_index(path)
    if indexed is not None:
        return indexed
    try:
        found: set[str] = set()
        for _, elf in _objects(path):
            table = elf.get_section_by_name(".symtab")
            if isinstance(table, SymbolTableSection):
                found.update(
                    symbol.name
                    for symbol in table.iter_symbols()
                    if symbol["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK")
                    and isinstance(symbol["st_shndx"], int)
                )
        return frozenset(found)
    except (OSError, ELFError, ConstructError, arpy.ArchiveFormatError) as error:
        raise UnreadableArtifact(
            f"{path}: not a static library of ELF objects ({error})"
        ) from error


def _symbol_index(path: Path) -> frozenset[str] | None:
    """The names in a GNU archive's symbol index (its first member, `/` or `/SYM64/`: a
    count, that many member offsets, then the names, NUL-terminated); None without one.
    arpy skips this member, so it is read here."""
    try:
        with path.open("rb") as handle:
            if handle.read(8) != b"!<arch>\n":
                return None
            header = handle.read(60)
            name, size = header[:16].rstrip(), int(header[48:58])
            if name not in (b"/", b"/SYM64/"):
                return None
            data = handle.read(size)
    except (OSError, ValueError):
        return None
    width = 8 if name == b"/SYM64/" else 4
    count = int.from_bytes(data[:width], "big")
    names = data[width + width * count :].split(b"\0")[:count]
    return frozenset(name.decode("utf-8", "replace") for name in names)


def _member_crate(name: bytes) -> str | None:
    """rustc names an archive's objects `<crate>-<hash>.<crate>.<hash>-cgu.<n>.rcgu.o` (its
    own crate's `<crate>.<crate>...`): the crate is the name's first word."""
    text = name.decode("utf-8", "replace").rstrip("/")
    match = _MEMBER.match(text)
    return match.group(1) if match and text.endswith(".rcgu.o") else None


def _object_symbols(
    table: SymbolTableSection, section_names: list[str], crate: str | None
) -> Iterator[_Symbol]:
    """An object file's defined, sized functions (each in a .text section of its own), one
    per place (a weak alias shares its function's code). `section_names`: each section's
    base name (`.text.foo` -> `.text`), by section index."""
    seen: set[tuple[int, int]] = set()
    for symbol in table.iter_symbols():
        index, place = symbol["st_shndx"], (symbol["st_shndx"], symbol["st_value"])
        if symbol["st_info"]["type"] != "STT_FUNC" or not symbol["st_size"] or place in seen:
            continue
        in_text = isinstance(index, int) and index < len(section_names)
        if in_text and section_names[index] == ".text":
            seen.add(place)
            yield _Symbol(symbol.name, symbol["st_size"], crate)


def _base_name(name: str) -> str:
    """`.text.foo` -> `.text` (objects built with one section per function and per datum)."""
    for key in (".text", ".rodata", ".data.rel.ro", ".data", ".bss", ".tbss"):
        if name == key or name.startswith(key + "."):
            return key
    return name


def _wasm(data: bytes, origins: Origins, top: int | None) -> Composition:
    module = wasm.read_module(data)
    symbols = [_Symbol(name, size) for name, size in module.functions]
    framed = sum(s.size for s in module.sections)  # the rest: magic, version, section headers
    return _compose(
        "wasm",
        len(data),
        sum(s.size for s in module.sections if s.loaded),
        "code",
        next((s.size for s in module.sections if s.name == "code"), 0),
        [*_grouped(module.sections), Section(HEADERS, len(data) - framed, False)],
        symbols,
        "name section" if symbols else "none",
        origins,
        top,
    )


def _grouped(sections: Iterable[Section]) -> Iterator[Section]:
    """Key sections by name (summed), debug info as one, the rest as `other`: loaded or not."""
    sizes: Counter[tuple[str, bool, bool]] = Counter()
    for section in sections:
        if section.name in KEY_SECTIONS or section.name in wasm.KNOWN_SECTIONS:
            key = (section.name, section.loaded, section.in_file)
        elif section.name.startswith((".debug_", "custom:.debug_")):
            key = (".debug_*", False, True)
        elif not section.in_file:
            key = ("other, zero-filled", True, False)
        else:
            key = ("other" if section.loaded else "other, not loaded", section.loaded, True)
        sizes[key] += section.size
    for (name, loaded, in_file), size in sorted(sizes.items(), key=lambda item: -item[1]):
        yield Section(name, size, loaded, in_file)


def _crate(demangled: str, symbol: _Symbol) -> str:
    rust = crate_of(demangled, symbol.mangled) if may_be_rust(symbol.mangled) else None
    return rust or symbol.member_crate or NON_RUST


def _compose(
    form: Format,
    file_size: int,
    loaded_size: int,
    code_section: str,
    code_size: int,
    sections: list[Section],
    symbols: list[_Symbol],
    source: str,
    origins: Origins,
    top: int | None,
) -> Composition:
    names = demangle([s.mangled for s in symbols])
    shares = [
        Share(name, symbol.size, crate, origins.of(crate))
        for name, symbol in zip(names, symbols, strict=True)
        for crate in [_crate(name, symbol)]
    ]
    by_crate: Counter[str] = Counter()
    for share in shares:
        by_crate[share.crate] += share.size
    if symbols:
        by_crate[UNATTRIBUTED] = max(0, code_size - sum(by_crate.values()))
    crates = tuple(
        Share(name, size, origin=origins.of(name))
        for name, size in sorted(by_crate.items(), key=lambda item: (-item[1], item[0]))
    )
    largest = sorted(shares, key=lambda share: (-share.size, share.name))[:top]
    # without symbols a part cannot be counted: no count, rather than a 0 that says "gone"
    parts = tuple(
        Share(part.name, sum(s.size for s in shares if part.holds(s.crate, s.name)))
        for part in (origins.parts if symbols else ())
    )
    return Composition(
        form,
        file_size,
        loaded_size,
        code_section,
        code_size,
        tuple(sections),
        crates,
        tuple(largest),
        source,
        parts,
    )
