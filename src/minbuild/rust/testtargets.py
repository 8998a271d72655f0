"""Which of a crate's integration test targets run its binary, read from their source."""

from __future__ import annotations

import re
from pathlib import Path

from minbuild.rust.cargo import Crate

# env!("CARGO_BIN_EXE_<name>"), assert_cmd's Command::cargo_bin / cargo_bin!, escargot, a path
# computed from the test executable's own (target/<profile>/<name>), or one spelled out.
RUNS_A_BINARY = re.compile(
    r"CARGO_BIN_EXE_|\bcargo_bin\b|\bcargo_bin!|CargoBuild|current_exe\(\)|target/(debug|release)/"
)
# A file the build script generated: cbindgen's build.rs writes the binary's path into one.
GENERATED = re.compile(r"include!\s*\(\s*concat!\s*\(\s*env!\s*\(\s*\"OUT_DIR\"")
MAX_SOURCE_BYTES = 4 << 20


def running_the_binary(crate: Crate) -> tuple[str, ...]:
    """The test targets whose source starts one of the package's binaries."""
    baked = _build_script_names_a_binary(crate)
    return tuple(
        name
        for name, source in sorted(crate.test_targets.items())
        if any(
            RUNS_A_BINARY.search(text) or (baked and GENERATED.search(text))
            for text in _sources(source)
        )
    )


def _build_script_names_a_binary(crate: Crate) -> bool:
    """Whether the build script computes a path from OUT_DIR that ends in a binary's name."""
    if crate.build_script is None:
        return False
    text = _read(crate.build_script)
    return "OUT_DIR" in text and any(f'"{name}"' in text for name in crate.binaries)


MODULE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.MULTILINE)
MAX_MODULES = 200


def _sources(root: Path) -> list[str]:
    """The text of the test target's file and of the modules it declares (`mod utils;` in
    tests/NAME.rs is tests/utils.rs or tests/utils/mod.rs), followed down."""
    texts: list[str] = []
    pending: list[tuple[Path, bool]] = [(root, True)]
    seen: set[Path] = set()
    while pending and len(seen) < MAX_MODULES:
        path, owns_dir = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        text = _read(path)
        texts.append(text)
        # A crate root or mod.rs keeps its modules beside it; foo.rs keeps them in foo/.
        base = path.parent if owns_dir or path.name == "mod.rs" else path.with_suffix("")
        for name in MODULE.findall(text):
            pending += [(base / f"{name}.rs", False), (base / name / "mod.rs", True)]
    return texts


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_SOURCE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
