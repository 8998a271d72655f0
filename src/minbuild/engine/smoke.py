"""A smoke test: a command that really runs a binary (`--version`, `--help`), and a pattern
its output keeps at every stage."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.util import command
from minbuild.util.errors import MinbuildError

SMOKE_FLAGS = ("--version", "--help")


@dataclass(frozen=True)
class Smoke:
    """A command that really runs the binary, and what it printed."""

    flag: str
    first_line: str
    regex: str


def find_smoke(binary: Path, name: str, workdir: Path) -> Smoke | None:
    """The first of SMOKE_FLAGS that makes the binary print and exit 0, run in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    for flag in SMOKE_FLAGS:
        try:
            done = command.run([str(binary), flag], cwd=workdir, timeout=20, check=False)
        except MinbuildError:
            continue
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if done.returncode == 0 and lines:
            return Smoke(flag, lines[0].strip(), expectation(lines, name))
    return None


def expectation(lines: Sequence[str], name: str) -> str:
    """A regex the output of every stage should match: the program's name at the start of
    the first line (not its version, which a release bumps), else a usage line."""
    first = lines[0].strip()
    if first.split(" ")[0] == name:
        return f"^{re.escape(name)}\\b"
    if any(line.lower().lstrip().startswith("usage") for line in lines):
        return "(?im)^\\s*usage"
    return f"^{re.escape(first.split(' ')[0])}"
