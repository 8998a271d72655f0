"""A build's progress from cargo's messages, and how the printer shows it on and off a
terminal."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from minbuild.cli import progress as printer
from minbuild.runs import records
from minbuild.rust.unitprogress import Expected, UnitProgress, last_run
from tests.unit.samples import sample_run


def artifact(name: str, package: str = "") -> str:
    message = {"reason": "compiler-artifact", "target": {"name": name}, "package_id": package}
    return json.dumps(message) + "\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_units_are_counted_against_the_last_run_and_each_is_said() -> None:
    said: list[str] = []
    count = UnitProgress(said.append, Expected(143, 80.4))
    count(artifact("libc"))
    count('{"reason":"build-script-executed"}\n')
    count("warning: not json\n")
    count(artifact("memchr"))  # in the same burst: said too, the last said must be true
    count(artifact("regex_syntax"))
    assert said == [
        "building 1/143 units · libc · ~80s last run",
        "building 2/143 units · memchr · ~80s last run",
        "building 3/143 units · regex_syntax · ~80s last run",
    ]
    first = UnitProgress(said.append, None)
    first(artifact("libc"))
    assert said[-1] == "building 1 unit done · libc"
    grown = UnitProgress(said.append, Expected(1, None))
    grown(artifact("a"))
    grown(artifact("b"))  # more units than last time: no total to count against
    assert said[-2:] == ["building 1/1 units · a", "building 2 units done · b"]
    scripts = UnitProgress(said.append, None)
    for package in [
        "registry+https://github.com/rust-lang/crates.io-index#libc@0.2.150",
        "path+file:///work/demo#tinyvm@0.3.0",
        "path+file:///work/tvm-core#0.3.0",
        "libc 0.2.150 (registry+https://github.com/rust-lang/crates.io-index)",
    ]:
        scripts(artifact("build-script-build", package))
    assert said[-4:] == [
        f"building {n} unit{'s' * (n > 1)} done · {name} (build script)"
        for n, name in enumerate(["libc", "tinyvm", "tvm-core", "libc"], start=1)
    ]


def test_the_last_run_says_each_builds_units_and_the_last_building_runs_time(
    tmp_path: Path,
) -> None:
    built = sample_run()
    release = next(s for s in built.stages if s.name == "release")
    built = dataclasses.replace(
        built,
        stages=(dataclasses.replace(release, units_fresh=3, units_built=40, build_seconds=80.0),),
    )
    fresh = dataclasses.replace(
        built,
        run_id="20261121T120000Z-000002",
        stages=(dataclasses.replace(release, units_fresh=44, units_built=0, build_seconds=0.1),),
    )
    records.save(built, tmp_path)
    records.save(fresh, tmp_path)
    (tmp_path / "99999999T999999Z-999999.json").write_text("not a run")  # newest, unreadable
    assert last_run(tmp_path)["release"] == Expected(44, 80.0)
    assert last_run(tmp_path / "none") == {}
    # the runs are read only until every wanted build has its units and a time: an older
    # run, which built debug too, is not read when only release is wanted
    older = dataclasses.replace(
        built,
        run_id="20200101T000000Z-000000",
        stages=(
            dataclasses.replace(release, units_fresh=0, units_built=9, build_seconds=5.0),
            dataclasses.replace(release, name="debug", units_fresh=0, units_built=9),
        ),
    )
    records.save(older, tmp_path)
    assert "debug" in last_run(tmp_path)
    assert last_run(tmp_path, ["release"]) == {"release": Expected(44, 80.0)}


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


def _frames(console_file: io.StringIO) -> list[str]:
    """What a terminal showed, frame by frame: the text between cursor movements, escapes cut."""
    text = console_file.getvalue()
    frames = re.split(r"\x1b\[\d*A|\r", text)
    return [re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", frame) for frame in frames]


def test_on_a_terminal_every_lane_is_drawn_at_once_and_what_finished_goes_above() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    lines = printer.ProgressPrinter(io.StringIO(), console=console)
    lines.lanes(2)
    lines.progress(1, 3, "[bold]lto", "building 57/143 units · regex_syntax · ~80s last run")
    lines.progress(3, 3, "build-std", "building 12/30 units · core")
    both = [f for f in _frames(screen) if "lto:" in f and "build-std:" in f]
    assert both, _frames(screen)
    assert "[ 1/3] [bold]lto: building 57/143 units · regex_syntax · ~80s last run … 0s" in both[-1]
    release = sample_run().stages[1]
    lines.finished(1, 3, release)
    lines.finished(3, 3, dataclasses.replace(release, name="build-std"))
    shown = screen.getvalue()
    assert "[ 1/3] [bold]lto: ok" in shown and "[ 3/3] build-std: ok" in shown
    lines.close()
