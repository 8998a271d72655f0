"""A build's progress from cargo's own messages: each unit it finishes (a `compiler-artifact`
line of --message-format=json), counted against the units the last run of the same build had,
with the time that run took."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild.runs import records
from minbuild.util.errors import MinbuildError

_EVERY = 0.25
"""Seconds between two progress reports: a fresh build's units arrive in one burst."""


@dataclass(frozen=True)
class Expected:
    """What the last run of a build took."""

    units: int
    """cargo's units, fresh or built."""
    seconds: float | None
    """Its build time."""


def last_run(runs_dir: Path, looked_at: int = 20) -> Mapping[str, Expected]:
    """Each build of the newest readable runs in `runs_dir`, by its key in the run: its
    units from the newest, its time from the newest that compiled something (a run that
    found every unit fresh took no time to speak of)."""
    units: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for path in reversed(records.documents(runs_dir)[-looked_at:]):
        try:
            run = records.load(path)
        except (MinbuildError, OSError):
            continue  # unreadable or of another minbuild: an older one may still say
        for stage in run.stages:
            if stage.units_fresh is None and stage.units_built is None:
                continue
            key = records.build_key(stage, run.host)
            units.setdefault(key, (stage.units_fresh or 0) + (stage.units_built or 0))
            if stage.units_built and stage.build_seconds is not None:
                seconds.setdefault(key, stage.build_seconds)
    return {key: Expected(count, seconds.get(key)) for key, count in units.items()}


def _unit(message: Mapping[str, Any]) -> str:
    """The unit's crate: its target's name, or for a build script its package's."""
    name = str(message.get("target", {}).get("name", "?"))
    if name != "build-script-build":
        return name
    package = str(message.get("package_id", ""))
    # "registry+https://...#name@1.0", "path+file:///x/name#1.0", "name 1.0 (registry+...)"
    if "#" in package:
        source, fragment = package.rsplit("#", 1)
        # a path package named as its directory carries only its version: "...tinyvm#0.3.0"
        package = fragment.split("@", 1)[0] if "@" in fragment else source.rsplit("/", 1)[-1]
    else:
        package = package.split(" ", 1)[0]
    return f"{package} (build script)"


class UnitProgress:
    """An `on_line` for cargo's output: says `building 57/143 units · regex_syntax` (with
    `~80s last run`; without a last run, `building 57 units done · ...`) through
    `progress`, at most every quarter second."""

    def __init__(
        self,
        progress: Callable[[str], None],
        expected: Expected | None,
        clock: Callable[[], float] = time.monotonic,
        *,
        verb: str = "building",
    ) -> None:
        self.progress, self.expected, self.clock = progress, expected, clock
        self.verb = verb
        """What cargo does with the units: building, or checking (`cargo check`)."""
        self.done = 0
        self._said = float("-inf")

    def __call__(self, line: str) -> None:
        if '"compiler-artifact"' not in line:
            return
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            return
        self.done += 1
        now = self.clock()
        if now - self._said >= _EVERY:
            self._said = now
            self.progress(self.action(_unit(message)))

    def action(self, unit: str) -> str:
        expected = self.expected
        known = expected is not None and expected.units >= self.done
        counted = (
            f"{self.done}/{expected.units} units"
            if known and expected
            else f"{self.done} unit{'s' if self.done > 1 else ''} done"
        )
        last = f" · ~{expected.seconds:.0f}s last run" if expected and expected.seconds else ""
        return f"{self.verb} {counted} · {unit}{last}"
