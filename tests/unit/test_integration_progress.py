"""Progress while a stage's integration tests are built and run: cargo's units of `cargo test
--no-run` counted against the last build of the same executables, each executable's tests
as they end, and off a terminal a line every 30 s even when nothing new happens.

cargo's and the test executable's output are recordings (tests/unit/recorded/marked-*, see
its README), replayed by a fake runner that advances a fake clock line by line."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from minbuild.cli import progress as printer
from minbuild.engine.invocations import Build, build_invocation
from minbuild.engine.suites import Suites
from minbuild.features import combinations
from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.rust.cargo import CargoTarget
from minbuild.rust.unitprogress import UnitProgress
from minbuild.util import command
from tests.conftest import REPO
from tests.unit.helpers import crate, toolchain

RECORDED = Path(__file__).parent / "recorded"
RECORDED_ROOT = "/tmp/minbuild-rec"
"""Where the recordings were made (the crate's copy and the state dir were under it)."""

PROJECT = """\
schema: 1
crate: {manifest: Cargo.toml, artifact: {kind: bin, name: marked}}
feature_sets: {minimal: [], disable_logging: []}
tests: []
integration_tests:
  test_targets: [cli]
"""
"""What `minbuild init` wrote for marked when the recordings were made."""


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Replay:
    """A `command.Runner`: `cargo test --no-run`, the executable's listing and its run
    answered from the recordings, each line of output handed to `on_line` `step` seconds
    after the one before."""

    def __init__(self, root: Path, clock: Clock, step: float) -> None:
        self.root, self.clock, self.step = root, clock, step

    def recorded(self, name: str) -> str:
        text = (RECORDED / name).read_text("utf-8")
        return text.replace(RECORDED_ROOT, json.dumps(str(self.root))[1:-1])

    def __call__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float | None = None,
        check: bool = True,
        log_file: Path | None = None,
        stdin: str | None = None,
        reap: bool | str = False,
        on_line: Callable[[str], None] | None = None,
    ) -> command.Completed:
        words = tuple(str(arg) for arg in argv)
        if "--no-run" in words:
            stdout, returncode, seconds = self.recorded("marked-tests.stdout.jsonl"), 0, 3.6
            for message in map(json.loads, stdout.splitlines()):
                for name in message.get("filenames", ()):  # what the tests will start
                    Path(name).parent.mkdir(parents=True, exist_ok=True)
                    Path(name).write_bytes(b"")
        elif "--list" in words:
            stdout, returncode, seconds = self.recorded("marked-cli-list.stdout"), 0, 0.01
        else:
            stdout, returncode, seconds = self.recorded("marked-cli-run.stdout.jsonl"), 101, 0.03
        for line in stdout.splitlines(keepends=True):
            if on_line is not None:  # the listing is read whole: it takes no time here
                self.clock.now += self.step
                on_line(line)
        return command.Completed(words, returncode, stdout, "", seconds)


def run_suites(
    root: Path, clock: Clock, step: float, progress: Callable[[str], None], run_id: str
) -> list[str]:
    """marked's integration tests against its release stage's binary, in a run of their own
    (`run_id`) on the state dir under `root`: each test's name and status."""
    crate_dir = root / "marked"
    if not crate_dir.exists():
        shutil.copytree(REPO / "tests" / "crates" / "marked", crate_dir)
        (crate_dir / "minbuild.yaml").write_text(PROJECT)
    project = load_project(crate_dir / "minbuild.yaml")
    package = dataclasses.replace(
        crate(),
        name="marked",
        version="0.1.0",
        manifest=crate_dir / "Cargo.toml",
        workspace_root=crate_dir,
        features={"default": ("greeting",), "greeting": (), "shout": ()},
        targets=(CargoTarget("marked", ("bin",), ("bin",)),),
        dependencies=(),
        test_targets={"cli": crate_dir / "tests" / "cli.rs"},
    )
    stage = next(s for s in load_staircase(project) if s.name == "release")
    invocation = build_invocation(stage, package, project.artifact, toolchain(), root / "target")
    build = Build(stage, None, package, project.artifact, invocation)
    suites = Suites(project, toolchain(), root / "state", run_id, Replay(root, clock, step))
    binary = root / "release-binary"
    binary.write_bytes(b"the stage's binary")
    found = suites.results(build, {"default", "greeting"}, "unwind", binary, progress)
    return [f"{t.name} {t.status}" for t in found]


def test_the_test_build_says_its_units_and_the_next_run_counts_them_against_this_one(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    clock = Clock()
    results = run_suites(tmp_path, clock, 1.0, said.append, "run-1")
    assert "baked_path_runs_an_optimized_build passed" in results and len(results) == 9
    assert said == [
        "building tests",
        "building tests 1 unit done · marked",  # no build of them here before: no total
        "building tests 2 units done · cli",
        "running tests/cli.rs: 0/9 tests done",
        *(f"running tests/cli.rs: {n}/9 tests done" for n in range(1, 10)),
    ]
    said.clear()
    run_suites(tmp_path, clock, 1.0, said.append, "run-2")
    assert said[:3] == [
        "building tests",
        "building tests 1/2 units · marked · ~4s last run",  # 3.6 s, as cargo took
        "building tests 2/2 units · cli · ~4s last run",
    ]


def test_off_a_terminal_the_test_build_s_units_are_lines_of_the_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream, clock = io.StringIO(), Clock()
    monkeypatch.setattr("minbuild.cli.progress.time.monotonic", clock)
    lines = printer.ProgressPrinter(stream)

    def stage(action: str) -> None:  # as StageRun says its tests' steps
        lines.progress(2, 13, "release", f"testing · {action}")

    try:
        lines.progress(2, 13, "release", "testing")
        run_suites(tmp_path, clock, 0.0, lambda action: None, "run-1")  # remembers 2 units
        clock.now = 100.0
        run_suites(tmp_path, clock, 31.0, stage, "run-2")  # a line of cargo every 31 s
    finally:
        lines.close()
    shown = stream.getvalue().splitlines()
    assert shown[:5] == [
        "[ 2/13] release: testing …",
        "[ 2/13] release: testing · building tests … 100s",
        "[ 2/13] release: testing · building tests 1/2 units · marked · ~4s last run … 131s",
        "[ 2/13] release: testing · building tests 2/2 units · cli · ~4s last run … 162s",
        "[ 2/13] release: testing · running tests/cli.rs: 0/9 tests done … 193s",
    ]
    assert shown[-1] == "[ 2/13] release: testing · running tests/cli.rs: 9/9 tests done … 782s"


def test_off_a_terminal_a_silent_job_gets_a_line_every_30_s(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream, clock = io.StringIO(), Clock()
    monkeypatch.setattr("minbuild.cli.progress.time.monotonic", clock)
    lines = printer.ProgressPrinter(stream)
    try:
        lines.progress(2, 2, "integration tests", "building tests 3/40 units · assert_cmd")
        clock.now = 10.0
        lines.progress(1, 2, "release", "building")
        clock.now = 29.0
        assert lines.beat() == pytest.approx(1.0)  # nothing due yet: the first in 1 s
        clock.now = 30.0
        lines.beat()  # one crate compiles for minutes: cargo says nothing meanwhile
        clock.now = 40.0
        lines.beat()
        lines.ended(1, 2, "release", "built  40.0s build")
        clock.now = 60.0
        lines.beat()
        clock.now = 75.0
        assert lines.beat() == pytest.approx(15.0)
    finally:
        lines.close()
    assert stream.getvalue().splitlines() == [
        "[ 2/2] integration tests: building tests 3/40 units · assert_cmd …",
        "[ 1/2] release: building …",
        "[ 2/2] integration tests: building tests 3/40 units · assert_cmd … 30s",
        "[ 1/2] release: building … 30s",
        "[ 1/2] release: built  40.0s build",
        "[ 2/2] integration tests: building tests 3/40 units · assert_cmd … 60s",
    ]


def test_feature_matrix_s_cargo_test_says_its_units_then_its_tests() -> None:
    said: list[str] = []
    output = combinations._CargoTest(UnitProgress(said.append, None), said.append)
    cargo = (RECORDED / "marked-tests.stdout.jsonl").read_text("utf-8").splitlines(keepends=True)
    libtest = [
        "\n", "running 2 tests\n", "test a_panic_exits_101 ... ok\n", "a line a test printed\n",
        "test shouts ... FAILED\n", "\n", "running 1 test\n", "test ignored ... ignored\n",
    ]  # fmt: skip
    for line in [*cargo, *libtest]:
        output(line)
    assert said == [
        "building 1 unit done · marked",
        "building 2 units done · cli",
        "running tests: 0/2 done",
        "running tests: 1/2 done",
        "running tests: 2/2 done",
        "running tests: 2/3 done",
        "running tests: 3/3 done",
    ]
