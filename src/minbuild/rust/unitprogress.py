"""A build's progress from cargo's own messages: each unit it finishes (a `compiler-artifact`
line of --message-format=json), counted against the units the last run of the same build had,
with the time that run took."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild.runs import records
from minbuild.rust.artifacts import package_name
from minbuild.util.command import WAITING_FOR_LOCK
from minbuild.util.errors import MinbuildError
from minbuild.util.files import write_atomic
from minbuild.util.yamlfile import read_text


@dataclass(frozen=True)
class Expected:
    """What the last run of a build took."""

    units: int
    """cargo's units, fresh or built."""
    seconds: float | None
    """Its build time."""


def last_run(
    runs_dir: Path, wanted: Collection[str] | None = None, looked_at: int = 20
) -> Mapping[str, Expected]:
    """Each build of the newest readable runs in `runs_dir`, by its key in the run: its
    units from the newest, its time from the newest that compiled something (a run that
    found every unit fresh took no time to speak of). The runs are read newest first, only
    until each build `wanted` has both."""
    units: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for path in reversed(records.documents(runs_dir)[-looked_at:]):
        if wanted is not None and all(key in units and key in seconds for key in wanted):
            break
        for key, fresh, built, took in _glance(path):
            units.setdefault(key, fresh + built)
            if built and took is not None:
                seconds.setdefault(key, took)
    return {key: Expected(count, seconds.get(key)) for key, count in units.items()}


def _glance(path: Path) -> list[tuple[str, int, int, float | None]]:
    """Each build's key, units fresh and built, and build time in a run document, read
    (through the run documents' own guarded, bounded reader) without checking the document
    against its schema (records.load takes a tenth of a second for that, per document, in
    every run): a value that is not what it should be costs a wrong estimate of progress,
    nothing else. Unreadable, or of another kind: nothing (an older one may still say)."""
    try:
        data = json.loads(read_text(path, records.MAX_DOCUMENT_BYTES))
        if not str(data.get("schema")).startswith("minbuild.run/"):
            return []
        found = []
        for stage in data["stages"]:
            fresh, built = stage.get("units_fresh"), stage.get("units_built")
            if fresh is None and built is None:
                continue
            key = records.key_of(str(stage["name"]), stage.get("target"), str(data["host"]))
            took = _seconds(stage.get("build_seconds"))
            found.append((key, int(fresh or 0), int(built or 0), took))
        return found
    except (MinbuildError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _recalled(path: Path) -> Expected | None:
    """What the last build kept at `path` took."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        seconds = kept["seconds"]
        return Expected(int(kept["units"]), None if seconds is None else float(seconds))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # never built here, or written by another minbuild


def _remember(path: Path, units: UnitProgress, seconds: float) -> None:
    """Keep what a build took at `path` for the next one's progress: its units, and its time
    if it compiled something (else the time of the last that did: a fresh build's tenth of
    a second says nothing of how long a real one takes)."""
    if not units.done:
        return  # cargo said nothing (it failed before building, or printed no JSON)
    last = _recalled(path)
    took = round(seconds, 2) if units.built else last.seconds if last else None
    # Progress never costs a build: unwritten, the next one counts without a total.
    with contextlib.suppress(OSError, MinbuildError):
        write_atomic(path, json.dumps({"units": units.done, "seconds": took}) + "\n")


def _unit(message: Mapping[str, Any]) -> str:
    """The unit's crate: its target's name, or for a build script its package's."""
    name = str(message.get("target", {}).get("name", "?"))
    if name != "build-script-build":
        return name
    return f"{package_name(str(message.get('package_id', '')))} (build script)"


class UnitProgress:
    """An `on_line` for cargo's output: says `building 57/143 units · regex_syntax` (with
    `~80s last run`; without a last run, `building 57 units done · ...`) through
    `progress`, unit by unit. Every unit is said, however fast they come (a fresh build's
    arrive in one burst): what is said last must be the truth, since the printer repeats it
    while cargo compiles the next for minutes; the printer limits how often it draws."""

    def __init__(
        self,
        progress: Callable[[str], None],
        expected: Expected | None,
        *,
        verb: str = "building",
        memory: Path | None = None,
    ) -> None:
        self.memory = memory
        """For a build no run document records (the integration tests' executables, a
        check, a probe of std), a file in the state dir that keeps what it took: the
        expectation when `expected` is None, written by `keep`."""
        if expected is None and memory is not None:
            expected = _recalled(memory)
        self.progress, self.expected = progress, expected
        self.verb = verb
        """What cargo does with the units: building, or checking (`cargo check`)."""
        self.done = 0
        self.built = 0
        """Of `done`, the units cargo compiled (the others were fresh)."""
        self.started = time.monotonic()

    def __call__(self, line: str) -> None:
        if line.lstrip().startswith(WAITING_FOR_LOCK):
            what = line.split(" on ", 1)[-1].strip() or "its directory"
            self.progress(f"cargo waits for the lock on the {what}: another cargo holds it")
            return
        if '"compiler-artifact"' not in line:
            return
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            return
        self.done += 1
        self.built += not message.get("fresh", False)
        self.progress(self.action(_unit(message)))

    def keep(self, seconds: float | None = None) -> float:
        """The build is over, after `seconds` (by default, since this was made): what it
        took, kept in `memory` if there is one; the seconds."""
        took = time.monotonic() - self.started if seconds is None else seconds
        if self.memory is not None:
            _remember(self.memory, self, took)
        return took

    def action(self, unit: str) -> str:
        expected = self.expected
        known = expected is not None and expected.units >= self.done
        counted = (
            f"{self.done}/{expected.units} units"
            if known and expected
            else f"{self.done} unit{'s' if self.done > 1 else ''} done"
        )
        # A last run under a second (a check that found everything fresh) says nothing.
        took = expected.seconds if expected and expected.seconds else 0.0
        last = f" · ~{took:.0f}s last run" if took >= 1 else ""
        return f"{self.verb} {counted} · {unit}{last}"
