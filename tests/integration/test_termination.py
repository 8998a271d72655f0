"""SIGTERM and SIGHUP (what `timeout`, `docker stop`, systemd, a CI system's cancel and a closed
terminal send) stop minbuild as Ctrl-C does: every process it started is gone, the run document
says interrupted, and the exit code is 128 + the signal's number."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, Descendants, run_minbuild, start_minbuild

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"
DEMO = REPO / "config" / "demo.yaml"


def wait_for(process: subprocess.Popen[str], *wanted: str) -> str:
    """Standard error up to the line where every one of `wanted` has been seen."""
    assert process.stderr is not None
    seen = ""
    while not all(text in seen for text in wanted):
        line = process.stderr.readline()
        assert line, f"minbuild ended before {wanted}: {seen}"
        seen += line
    return seen


def interrupted_run(state: Path) -> dict[str, object]:
    (document,) = (state / "runs").glob("*.json")
    data: dict[str, object] = json.loads(document.read_text())
    return data


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_two_lane_build_stops_whole(cargo: None, tmp_path: Path, signum: signal.Signals) -> None:
    process = start_minbuild(
        "min-build", "--config", str(HELLO), "--state-dir", str(tmp_path), "--parallel", "2"
    )
    watch = Descendants(process.pid)
    wait_for(process, "debug: building", "release: building")  # both lanes are building
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    assert f"terminated by {signum.name}; every build it started is stopped" in stderr
    assert "Traceback" not in stderr
    assert watch.seen, "no build had started"
    assert watch.left() == []
    run = interrupted_run(tmp_path)
    assert run["interrupted"] is True and run["complete"] is False
    again = ("min-build", "--config", str(HELLO), "--stage", "release", "--dry-run")
    assert run_minbuild(*again, "--state-dir", str(tmp_path)).returncode == 0  # lock let go


def test_timeout_of_a_run_leaves_no_process(cargo: None, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "minbuild", "min-build", "--config", str(DEMO)]
    timed = subprocess.Popen(
        ["timeout", "8", *argv, "--to", "lto", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watch = Descendants(timed.pid)
    _, stderr = timed.communicate(timeout=120)
    assert timed.returncode == 124, stderr  # timeout's own code: it had to stop minbuild
    assert "terminated by SIGTERM" in stderr
    assert len(watch.seen) > 1, "minbuild started no build in 8 s"
    assert watch.left() == []
    assert interrupted_run(tmp_path)["interrupted"] is True


def test_feature_matrix_stops_whole(cargo: None, tmp_path: Path) -> None:
    process = start_minbuild(
        "feature-matrix", "--config", str(HELLO), "--test", "--state-dir", str(tmp_path)
    )
    watch = Descendants(process.pid)
    wait_for(process, "[ 1/7] (none): testing")
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert watch.left() == []
