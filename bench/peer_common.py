"""What bench/peers.py's comparisons share: the crate under comparison, the page they write,
how a peer tool is run, and a stage's build spelled as a cargo subcommand's arguments."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.runs.records import RunRecord, StageRecord
from minbuild.util import command

STAGE, BEFORE = "lto", "panic-abort"
"""The stage every comparison reads, and the one above it for the stage diff."""
PEERS = {
    "cargo-bloat": "cargo install cargo-bloat",
    "twiggy": "cargo install twiggy",
    "cargo-hack": "cargo install cargo-hack",
    "cargo-wizard": "cargo install cargo-wizard",
    "cargo-size": "cargo install cargo-binutils",
    "llvm-size": "apt-get install llvm",
}
"""Each peer's program, and how to install it."""


def version(tool: str) -> str:
    """What the tool says its version is (cargo subcommands asked through cargo)."""
    argv = ["cargo", tool.removeprefix("cargo-")] if tool.startswith("cargo-") else [tool]
    done = command.run([*argv, "--version"], check=False)
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines and lines[0] == tool else first_line(done)


@dataclass(frozen=True)
class Subject:
    """A crate under comparison: its project file, source and state dir."""

    name: str
    config: Path
    crate_dir: Path
    state: Path
    scratch: Path
    """Target and state dirs of the peers' runs, emptied before each invocation's comparisons
    (cold means cold)."""


class Page:
    """The markdown page, printed as it grows (a long run shows where it is)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        for line in lines:
            print(line, flush=True)
            self.lines.append(line)

    def table(self, header: list[str], rows: Sequence[Sequence[object]]) -> None:
        self.add("| " + " | ".join(header) + " |", "|" + " --- |" * len(header))
        self.add(*("| " + " | ".join(str(c) for c in row) + " |" for row in rows), "")


def installed(tool: str, page: Page) -> bool:
    found = shutil.which(tool) is not None
    if not found:
        page.add(f"- {tool}: not installed, skipped (install it: `{PEERS[tool]}`)")
    return found


def timed(argv: list[str], **kwargs: object) -> tuple[command.Completed, float]:
    """The finished command, and its wall time (which the runner measures)."""
    done = command.run(argv, timeout=7200, **kwargs)  # type: ignore[arg-type]
    return done, done.seconds


def minbuild(args: list[str], cwd: Path, check: bool = True) -> tuple[command.Completed, float]:
    return timed([sys.executable, "-m", "minbuild", *args], cwd=cwd, check=check)


def stage_of(run: RunRecord, name: str) -> StageRecord:
    return next(s for s in run.stages if s.name == name and s.target is None)


def as_peer_command(stage: StageRecord, target_dir: Path) -> tuple[list[str], dict[str, str], Path]:
    """A stage's `cargo build` as a cargo subcommand's arguments: the same package, profile,
    features and settings (its environment), cargo's and rustc's own found first on PATH;
    cargo subcommands take no --manifest-path, so the crate's directory to run it in."""
    argv = list(stage.command)
    cargo = Path(argv[0])
    after = argv[argv.index("build") + 1 :]
    before = [
        a for a in argv[1 : argv.index("build")] if a in ("--locked", "--offline", "--frozen")
    ]
    kept: list[str] = []
    cwd = Path.cwd()
    words = iter(after)
    for word in words:
        if word == "--manifest-path":
            cwd = Path(next(words)).parent
        elif word == "--target-dir":
            next(words)
        elif not word.startswith("--message-format"):
            kept.append(word)
    env = dict(stage.env)
    # the stage's cargo (and its rustc) first, then where `cargo install` put the peers
    found_in = [str(cargo.parent), str(Path.home() / ".cargo" / "bin"), os.environ["PATH"]]
    env["PATH"] = os.pathsep.join(found_in)
    return [*before, *kept, "--target-dir", str(target_dir)], env, cwd


def first_line(done: command.Completed) -> str:
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0].strip() if text else "(nothing)"


def first_error(done: command.Completed) -> str:
    """The line that says what went wrong (with an `at: PATH` line after it), else the last."""
    lines = [ln.strip() for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
    for index, line in enumerate(lines):
        if line.lower().startswith(("error", "could not", "fatal")):
            follows = lines[index + 1 : index + 2]
            return " ".join([line, *[f for f in follows if f.startswith("at:")]])
    return lines[-1] if lines else "(nothing)"
