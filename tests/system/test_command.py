"""The one command runner, with real processes."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minbuild.util import command
from minbuild.util.errors import CommandFailed, CommandTimedOut, ToolMissingError
from tests.unit.helpers import project_test

PY = sys.executable


def test_output_and_environment_changes(tmp_path: Path) -> None:
    done = command.run(
        [PY, "-c", "import os; print(os.environ['MB_X'])"],
        env={"MB_X": "42"},
        log_file=tmp_path / "log",
    )
    assert done.stdout == "42\n" and done.returncode == 0
    assert (tmp_path / "log").read_text().startswith(f"$ MB_X=42 {PY} -c")


def test_failure_carries_the_tail() -> None:
    script = "import sys\nfor i in range(50): print(i)\nsys.exit(3)"
    with pytest.raises(CommandFailed) as caught:
        command.run([PY, "-c", script])
    assert caught.value.returncode == 3
    assert caught.value.output_tail.splitlines() == [str(i) for i in range(30, 50)]


def test_unchecked_failure_returns() -> None:
    assert command.run([PY, "-c", "raise SystemExit(4)"], check=False).returncode == 4


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "child-survived"
    grandchild = tmp_path / "grandchild.py"
    grandchild.write_text(f"import time\ntime.sleep(2)\nopen({str(marker)!r}, 'w')\n")
    child = tmp_path / "child.py"
    child.write_text(
        f"import subprocess, time\nsubprocess.Popen([{PY!r}, {str(grandchild)!r}])\n"
        "print('started', flush=True)\ntime.sleep(60)\n"
    )
    script = str(child)
    started = time.monotonic()
    with pytest.raises(CommandTimedOut) as caught:
        command.run([PY, script], timeout=1.0, check=False)
    assert time.monotonic() - started < 5
    assert "started" in caught.value.output_tail
    time.sleep(2.5)
    assert not marker.exists(), "the grandchild outlived the timeout"


def test_missing_program_is_a_clear_error() -> None:
    with pytest.raises(ToolMissingError, match="no-such-tool-xyz: command not found"):
        command.run(["no-such-tool-xyz"])


def test_every_command_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="minbuild.util.command"):
        command.run([PY, "-c", "pass"], env={"MB_Y": "a b"})
    assert f"$ MB_Y='a b' {PY} -c pass" in caplog.text


def test_a_test_sets_its_own_environment(tmp_path: Path) -> None:
    from minbuild.engine.testing import TestContext, run_test

    spec = project_test(
        name="env",
        argv=(PY, "-c", "import os; print(os.environ['RUST_BACKTRACE'])"),
        stdout="0\n",
        timeout=30.0,
        env={"RUST_BACKTRACE": "0"},
    )
    context = TestContext(tmp_path / "bin", tmp_path, tmp_path, tmp_path, {})
    assert run_test(spec, context).status == "passed"
    assert run_test(dataclasses.replace(spec, env={"RUST_BACKTRACE": "1"}), context).reason


def test_reap_kills_what_a_process_left_holding_its_output() -> None:
    # A test's child (bat's pty test leaves bat running) keeps the output pipe open: without
    # `reap` the caller would wait for it, here 60 s.
    script = "sleep 60 & echo started"
    started = time.monotonic()
    done = command.run(["sh", "-c", script], timeout=30, reap=True)
    assert done.stdout == "started\n"
    assert time.monotonic() - started < 10
    with pytest.raises(CommandTimedOut):
        command.run(["sh", "-c", script], timeout=2)


def test_each_line_of_output_comes_as_it_is_written_and_all_of_it_is_kept() -> None:
    script = (
        "import sys, time\nprint('first', flush=True)\nprint('to stderr', file=sys.stderr)\n"
        "time.sleep(0.5)\nprint('second')\nsys.stdin.read()"
    )
    seen: list[tuple[str, float]] = []
    started = time.monotonic()
    done = command.run(
        [PY, "-c", script],
        stdin="",
        on_line=lambda line: seen.append((line, time.monotonic() - started)),
    )
    assert [line for line, _ in seen] == ["first\n", "second\n"]
    assert seen[0][1] < seen[1][1] - 0.3  # the first line came before the process ended
    assert done.stdout == "first\nsecond\n" and done.stderr == "to stderr\n"


def test_a_streamed_process_that_hangs_is_killed_at_its_timeout() -> None:
    script = "import time\nprint('started', flush=True)\ntime.sleep(60)"
    seen: list[str] = []
    with pytest.raises(CommandTimedOut) as caught:
        command.run([PY, "-c", script], timeout=1, on_line=seen.append)
    assert seen == ["started\n"] and "started" in caught.value.stdout


def test_what_a_test_leaves_running_is_ended_and_named(tmp_path: Path) -> None:
    """A daemon in the test's group (nohup) and one out of it (setsid) are both found through
    the token in their environment, ended, and named; the project file can make it a failure."""
    from minbuild.engine.testing import TestContext, run_test

    daemons = "nohup sleep 301 >/dev/null 2>&1 & setsid sleep 302 >/dev/null 2>&1 & "
    daemons += "sleep 0.3; echo ok"  # both started before it ends
    spec = project_test(
        name="daemons",
        argv=("sh", "-c", daemons),
        stdout="ok\n",
        timeout=30.0,
    )
    context = TestContext(tmp_path / "bin", tmp_path, tmp_path, tmp_path, {})
    warned = run_test(spec, context)
    assert warned.status == "passed", warned
    assert warned.reason.startswith("left 2 process(es) running after it ended, now ended: ")
    assert "sleep 301" in warned.reason and "sleep 302" in warned.reason
    still = subprocess.run(["pgrep", "-f", "sleep 30[12]"], capture_output=True, check=False)
    assert still.stdout == b""
    failed = run_test(dataclasses.replace(spec, leftovers="fail"), context)
    assert failed.status == "failed" and "left 2 process(es)" in failed.reason


def test_a_test_whose_program_is_missing_is_what_the_machine_lacks(tmp_path: Path) -> None:
    from minbuild.engine.testing import TestContext, run_test
    from minbuild.runs.records import StageRecord
    from minbuild.runs.reference import with_tests

    spec = project_test(
        name="needs-a-tool",
        argv=("no-such-tool-xyz", "{binary}"),
        timeout=30.0,
    )
    context = TestContext(tmp_path / "bin", tmp_path, tmp_path, tmp_path, {})
    result = run_test(spec, context)
    assert result.status == "skipped", result
    assert (
        result.reason == "this machine lacks no-such-tool-xyz: command not found (is it installed?)"
    )
    stage = StageRecord(name="release", description="", status="ok", artifact=str(tmp_path / "bin"))
    judged = with_tests(stage, (result,))
    assert judged.status == "ok" and judged.lacking is not None
    assert judged.lacking.startswith("no-such-tool-xyz: command not found")


def test_cargo_waiting_for_a_lock_reaches_the_progress_line() -> None:
    """cargo says on standard error only that another cargo holds the target dir; progress
    hears it, or a run would sit on "building" for minutes without a word."""
    from minbuild.rust.unitprogress import UnitProgress

    said: list[str] = []
    script = "echo '    Blocking waiting for file lock on build directory' >&2; echo '{}'"
    done = command.run(["sh", "-c", script], on_line=UnitProgress(said.append, None))
    assert said == ["cargo waits for the lock on the build directory: another cargo holds it"]
    assert "Blocking waiting" in done.stderr


def test_a_test_whose_program_path_is_wrong_is_the_projects_failure(tmp_path: Path) -> None:
    """A path the project names that is missing or not executable is no missing package."""
    from minbuild.engine.testing import TestContext, run_test

    script = tmp_path / "check.sh"
    script.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")  # never made executable
    context = TestContext(tmp_path / "bin", tmp_path, tmp_path, tmp_path, {})
    for program in (str(tmp_path / "missing"), str(script)):
        result = run_test(project_test(name="wrong", argv=(program,)), context)
        assert result.status == "failed", result
        assert not result.reason.startswith("this machine lacks"), result.reason


def test_a_fixture_that_runs_no_artifact_is_made_once_for_all_the_lanes(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from minbuild.engine.testing import FixtureStore, TestContext
    from minbuild.project.config import Fixture

    count = tmp_path / "count"
    script = (
        "import sys, time; time.sleep(0.5); open(sys.argv[1], 'a').write('x'); "
        "open(sys.argv[2], 'w').write('compiled')"
    )
    fixture = Fixture("prog", "", (), (PY, "-c", script, str(count), "{output}"))
    store = FixtureStore(tmp_path / "fixtures")
    context = TestContext(tmp_path / "bin", tmp_path, tmp_path, tmp_path, {})
    with ThreadPoolExecutor(3) as lanes:
        for made in [lanes.submit(store.make, fixture, context, f"s{n}", "r") for n in range(3)]:
            made.result()
    assert count.read_text() == "x" and store.path("prog").read_text() == "compiled"
    store.make(fixture, context, "later", "r2")  # kept: not made again
    assert count.read_text() == "x" and store.made_by(fixture) == "s0"
