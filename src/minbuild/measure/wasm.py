"""The sections of a wasm module, and the size of each function's body under its name.

Written by hand: the binary format's framing (a byte id and a LEB128 size per section, a
LEB128 size per function body) is all that is read. wasmtime-py, which minbuild already uses,
exposes no section sizes, and the decoders on PyPI (wasm, wasm-tob) are unmaintained forks."""

from __future__ import annotations

from dataclasses import dataclass

from minbuild.runs.composition import Section
from minbuild.util.errors import WasmError

SECTION_NAMES = {
    1: "type",
    2: "import",
    3: "function",
    4: "table",
    5: "memory",
    6: "global",
    7: "export",
    8: "start",
    9: "element",
    10: "code",
    11: "data",
    12: "datacount",
}
KNOWN_SECTIONS = frozenset(SECTION_NAMES.values())
_CUSTOM, _IMPORT, _CODE = 0, 2, 10
_FUNCTION_NAMES = 1  # the name section's subsection of function names
_IMPORT_FUNCTION = 0


@dataclass(frozen=True)
class Module:
    sections: tuple[Section, ...]
    functions: tuple[tuple[str, int], ...]
    """(name, body bytes) of every defined function the name section names."""


class _Reader:
    def __init__(self, data: bytes, position: int = 0, end: int | None = None) -> None:
        self.data, self.position = data, position
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.position >= self.end:
            raise WasmError(f"truncated at byte {self.position}")
        self.position += 1
        return self.data[self.position - 1]

    def uleb(self) -> int:
        result = shift = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise WasmError(f"LEB128 too long at byte {self.position}")

    def name(self) -> str:
        length = self.uleb()
        self.skip(length)
        return self.data[self.position - length : self.position].decode("utf-8", "replace")

    def skip(self, count: int) -> None:
        if self.position + count > self.end:
            raise WasmError(f"truncated at byte {self.position}")
        self.position += count


def read_module(data: bytes) -> Module:
    """The module's sections (custom ones as `custom:<name>`), and its functions' sizes."""
    if data[:4] != b"\0asm":
        raise WasmError("no wasm magic number")
    reader = _Reader(data, 8)
    sections: list[Section] = []
    imported: int | None = 0
    bodies: list[int] = []
    names: dict[int, str] = {}
    while reader.position < reader.end:
        kind, size = reader.byte(), reader.uleb()
        start = reader.position
        reader.skip(size)
        body = _Reader(data, start, start + size)
        if kind == _CUSTOM:
            name = body.name()
            sections.append(Section(f"custom:{name}", size, False))
            if name == "name":
                names = _function_names(body)
        else:
            sections.append(Section(SECTION_NAMES.get(kind, f"id {kind}"), size, True))
            if kind == _IMPORT:
                try:
                    imported = _imported_functions(body)
                except WasmError:  # a newer import kind: sections still count, names cannot
                    imported = None
            elif kind == _CODE:
                bodies = _body_sizes(body)
    if imported is None:
        return Module(tuple(sections), ())
    functions = tuple(
        (names[imported + index], size)
        for index, size in enumerate(bodies)
        if imported + index in names
    )
    return Module(tuple(sections), functions)


def _imported_functions(reader: _Reader) -> int:
    count = 0
    for _ in range(reader.uleb()):
        reader.name()
        reader.name()
        kind = reader.byte()
        if kind == _IMPORT_FUNCTION:
            reader.uleb()
            count += 1
        elif kind == 1:  # table: reftype, limits
            reader.byte()
            _limits(reader)
        elif kind == 2:  # memory: limits
            _limits(reader)
        elif kind == 3:  # global: valtype, mutability
            reader.byte()
            reader.byte()
        elif kind == 4:  # tag (exception handling): attribute, type index
            reader.byte()
            reader.uleb()
        else:
            raise WasmError(f"unknown import kind {kind}")
    return count


def _limits(reader: _Reader) -> None:
    flags = reader.byte()
    reader.uleb()
    if flags & 1:
        reader.uleb()


def _body_sizes(reader: _Reader) -> list[int]:
    sizes = []
    for _ in range(reader.uleb()):
        size = reader.uleb()
        reader.skip(size)
        sizes.append(size)
    return sizes


def _function_names(reader: _Reader) -> dict[int, str]:
    while reader.position < reader.end:
        kind, size = reader.byte(), reader.uleb()
        if kind != _FUNCTION_NAMES:
            reader.skip(size)
            continue
        names = {}
        for _ in range(reader.uleb()):
            index = reader.uleb()
            names[index] = reader.name()
        return names
    return {}
