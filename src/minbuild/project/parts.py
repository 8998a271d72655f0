"""Named parts of an artifact (`parts:` in the project file): the crates and symbols that make
up what a team asks the size of, such as WASI, clap or formatting, counted in every stage."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from minbuild.project import file_model
from minbuild.util.text import texts


@dataclass(frozen=True)
class Part:
    """The code of the crates and the symbols it names (shell-style globs). A symbol counts
    in a part when its crate or its demangled name matches; parts may overlap."""

    name: str
    description: str
    crates: tuple[str, ...]
    """Crate names as symbols carry them (`wasmtime_wasi`, `cap_*`)."""
    symbols: tuple[str, ...]
    """Demangled names without hashes (`core::fmt::*`, `*as core::fmt::Debug>::fmt`)."""

    def holds(self, crate: str, symbol: str) -> bool:
        # one compiled pattern per list: wasmtime's debug build has 469,449 symbols, and a
        # glob at a time took 50 s a composition
        return bool(_pattern(self.crates).match(crate) or _pattern(self.symbols).match(symbol))


@functools.cache
def _pattern(globs: Sequence[str]) -> re.Pattern[str]:
    """Any of `globs`, as fnmatchcase reads them; matches nothing when there are none."""
    if not globs:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs))


def parse_part(data: file_model.Part) -> Part:
    """A part from its validated entry (the schema gave every key its default)."""
    return Part(
        name=str(data["name"]),
        description=str(data["description"]),
        crates=texts(data["crates"]),
        symbols=texts(data["symbols"]),
    )
