"""What an artifact is made of: its sections, and its code by crate and by symbol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Format = Literal["elf", "wasm", "archive"]
Origin = Literal["crate", "dependency", "std", "other"]


@dataclass(frozen=True)
class Section:
    """One section, or a group of small ones, of an artifact."""

    name: str
    """As the file names it (.text, .rodata; wasm: code, data, custom:name); `other` groups
    the sections not worth a line of their own."""
    size: int
    """Bytes the section's contents take."""
    loaded: bool
    """Whether it is loaded into memory when the program runs (ELF SHF_ALLOC; every wasm
    section but the custom ones)."""
    in_file: bool = True
    """False for .bss and .tbss: loaded, zero-filled, taking no room in the file."""


@dataclass(frozen=True)
class Share:
    """Bytes of code one crate, or one symbol, or one archive member accounts for."""

    name: str
    """Crate name (std, core, clap...), demangled symbol, or archive member."""
    size: int
    crate: str = ""
    """For a symbol, the crate it is counted under."""
    origin: Origin = "other"
    """crate: the project's own packages; dependency: from its Cargo.lock; std: std, core,
    alloc and the crates they use; other: C code, linker stubs, what names no crate."""


@dataclass(frozen=True)
class Composition:
    """An artifact's anatomy, read from the very file minbuild measured."""

    format: Format
    file_size: int
    loaded_size: int
    """Bytes loaded when it runs (ELF: every SHF_ALLOC section, .bss included): two builds of
    one file size can differ here, and the reverse."""
    code_section: str
    """The section the crate shares divide: .text, or code for wasm, or all the members'
    .text for an archive."""
    code_size: int
    sections: tuple[Section, ...]
    crates: tuple[Share, ...]
    """Code by crate, largest first; `[unattributed]` is code no symbol covers (alignment
    padding, stripped local code)."""
    symbols: tuple[Share, ...]
    """The largest symbols, demangled, largest first (at most TOP_SYMBOLS)."""
    symbol_source: str
    """Where the symbols came from: the artifact's own .symtab, the name section, the archive's
    members, or `none` (then `crates` is empty)."""
    parts: tuple[Share, ...] = ()
    """The code of each part the project names (`parts:`), in its order: every symbol of the
    artifact counted, not only the largest."""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "file_size": self.file_size,
            "loaded_size": self.loaded_size,
            "code_section": self.code_section,
            "code_size": self.code_size,
            "sections": [vars(s) for s in self.sections],
            "crates": [vars(c) for c in self.crates],
            "symbols": [vars(s) for s in self.symbols],
            "symbol_source": self.symbol_source,
            "parts": [vars(p) for p in self.parts],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Composition | None:
        if not data:
            return None
        return cls(
            format=data["format"],
            file_size=data["file_size"],
            loaded_size=data["loaded_size"],
            code_section=data["code_section"],
            code_size=data["code_size"],
            sections=tuple(Section(**s) for s in data["sections"]),
            crates=tuple(Share(**c) for c in data["crates"]),
            symbols=tuple(Share(**s) for s in data["symbols"]),
            symbol_source=data["symbol_source"],
            parts=tuple(Share(**p) for p in data.get("parts", ())),
        )

    @property
    def attributed(self) -> int:
        """Code bytes some crate accounts for."""
        return sum(c.size for c in self.crates if c.name != UNATTRIBUTED)


UNATTRIBUTED = "[unattributed]"
TOP_SYMBOLS = 200
