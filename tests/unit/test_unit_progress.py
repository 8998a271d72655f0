"""A build's progress from cargo's messages, and how the printer shows it on and off a
terminal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from minbuild.cli import progress as printer
from minbuild.engine.unitprogress import Expected, UnitProgress, last_run
from minbuild.runs import records
from tests.unit.samples import sample_run


def artifact(name: str) -> str:
    return json.dumps({"reason": "compiler-artifact", "target": {"name": name}}) + "\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_units_are_counted_against_the_last_run_and_said_at_most_four_times_a_second() -> None:
    said: list[str] = []
    clock = Clock()
    count = UnitProgress(said.append, Expected(143, 80.4), clock)
    count(artifact("libc"))
    count('{"reason":"build-script-executed"}\n')
    count("warning: not json\n")
    count(artifact("memchr"))  # at the same moment: counted, not said
    clock.now = 0.3
    count(artifact("regex_syntax"))
    assert said == [
        "building 1/143 units · libc · ~80s last run",
        "building 3/143 units · regex_syntax · ~80s last run",
    ]
    first = UnitProgress(said.append, None, clock)
    clock.now = 1.0
    first(artifact("libc"))
    assert said[-1] == "building 1 unit done · libc"
    grown = UnitProgress(said.append, Expected(1, None), clock)
    grown(artifact("a"))
    clock.now = 2.0
    grown(artifact("b"))  # more units than last time: no total to count against
    assert said[-2:] == ["building 1/1 units · a", "building 2 units done · b"]


def test_the_last_run_says_each_builds_units_and_time(tmp_path: Path) -> None:
    run = sample_run()
    records.save(run, tmp_path)
    (tmp_path / "99999999T999999Z-999999.json").write_text("not a run")  # newest, unreadable
    found = last_run(tmp_path)
    release = next(s for s in run.stages if s.name == "release")
    units = (release.units_fresh or 0) + (release.units_built or 0)
    assert found["release"] == Expected(units, release.build_seconds)
    assert last_run(tmp_path / "none") == {}


def test_off_a_terminal_a_running_build_says_how_far_it_is_twice_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream, clock = io.StringIO(), Clock()
    monkeypatch.setattr("minbuild.cli.progress.time.monotonic", clock)
    lines = printer.ProgressPrinter(stream)
    lines.progress(1, 2, "build-std", "building")
    clock.now = 10
    lines.progress(1, 2, "build-std", "building 12/30 units · core")  # too soon: not said
    clock.now = 31
    lines.progress(1, 2, "build-std", "building 20/30 units · std")
    clock.now = 32
    lines.progress(1, 2, "build-std", "testing")  # something else: said at once
    assert stream.getvalue().splitlines() == [
        "[ 1/2] build-std: building …",
        "[ 1/2] build-std: building 20/30 units · std … 31s",
        "[ 1/2] build-std: testing …",
    ]
