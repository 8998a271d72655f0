"""Which of a crate's integration test targets run its binary, read from their source."""

from __future__ import annotations

import re
from pathlib import Path

from minbuild.rust.cargo import Crate

# env!("CARGO_BIN_EXE_<name>"), assert_cmd's Command::cargo_bin / cargo_bin!, escargot, or a
# path computed from the test executable's own (target/<profile>/<name>).
RUNS_A_BINARY = re.compile(r"CARGO_BIN_EXE_|\bcargo_bin\b|\bcargo_bin!|CargoBuild|current_exe\(\)")
MAX_SOURCE_BYTES = 4 << 20


def running_the_binary(crate: Crate) -> tuple[str, ...]:
    """The test targets whose source starts one of the package's binaries."""
    return tuple(
        name for name, source in sorted(crate.test_targets.items()) if _runs_a_binary(source)
    )


def _runs_a_binary(source: Path) -> bool:
    # tests/NAME/main.rs keeps its modules beside it; tests/NAME.rs may `mod common;`.
    files = [source, *source.parent.glob("*/mod.rs")]
    if source.name == "main.rs":
        files += source.parent.rglob("*.rs")
    for path in files:
        try:
            with path.open("rb") as handle:
                text = handle.read(MAX_SOURCE_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        if RUNS_A_BINARY.search(text):
            return True
    return False
