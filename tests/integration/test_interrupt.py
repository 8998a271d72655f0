"""Ctrl-C during a real build: exit 130, a clean message, the partial run recorded."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import REPO, run_minbuild, start_minbuild

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"


def test_sigint_mid_build(cargo: None, tmp_path: Path) -> None:
    # A fresh state dir, so the debug build is long enough to be interrupted.
    process = start_minbuild(
        "min-build",
        "--state-dir",
        str(tmp_path),
        "--config",
        str(HELLO),
        "--from",
        "release",
        "--to",
        "lto",
    )
    assert process.stderr is not None
    seen = ""
    # lto builds while panic-abort's tests run: wait for both, then interrupt lto's build
    while "lto: building" not in seen or "panic-abort: ok" not in seen:
        line = process.stderr.readline()
        assert line, f"min-build ended early: {seen}"
        seen += line
    # At once: lto's line is printed just before cargo starts, and its build takes seconds.
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted; run documents written so far are intact" in stderr
    assert "Traceback" not in stderr
    (document,) = (tmp_path / "runs").glob("*.json")
    data = json.loads(document.read_text())
    assert data["interrupted"] is True and data["complete"] is False
    assert [s["name"] for s in data["stages"]] == [
        "release",
        "no-default-features",
        "disable-logging",
        "opt-level-s",
        "panic-abort",
    ]


def test_a_run_killed_by_sigkill_is_found_by_the_next(cargo: None, tmp_path: Path) -> None:
    """kill -9 leaves the killed run's processes running and its document unfinished: the
    next run ends them and marks the document, saying so; size-report shows it stopped."""
    crate = REPO / "tests" / "crates" / "hello"
    project = (crate / "minbuild.yaml").read_text(encoding="utf-8")
    project = project.replace("manifest: Cargo.toml", f"manifest: {crate / 'Cargo.toml'}")
    slow = tmp_path / "slow.yaml"
    slow.write_text(
        project.replace(
            "\ntests:\n", "\ntests:\n  - {name: waits, argv: [sleep, '417'], timeout: 600}\n"
        ),
        encoding="utf-8",
    )
    state = tmp_path / "state"
    killed = start_minbuild("min-build", "--state-dir", str(state), "--config", str(slow))
    killed_pid = killed.pid
    deadline = time.monotonic() + 300
    while not _sleeping("417") and time.monotonic() < deadline:
        assert killed.poll() is None, killed.communicate()
        time.sleep(0.2)
    assert _sleeping("417"), "the test never started"
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    assert _sleeping("417"), "a SIGKILLed run's processes outlive it"
    quick = tmp_path / "quick.yaml"
    quick.write_text(project, encoding="utf-8")
    after = run_minbuild(
        "min-build",
        "--state-dir",
        str(state),
        "--config",
        str(quick),
        "--stage",
        "debug",
        timeout=300,
    )
    assert after.returncode == 0, after.stderr
    said = next(line for line in after.stderr.splitlines() if "the run before this one" in line)
    assert f"min-build (pid {killed_pid}" in said and "ended without finishing" in said
    left = re.search(r"; ended (\d+) process\(es\) it left running \(([^)]*)\)", said)
    assert left is not None and "sleep" in left.group(2).split(", "), said  # and a lane's cargo
    assert "is marked interrupted" in said
    assert not _sleeping("417")
    documents = sorted((state / "runs").glob("*.json"))
    first = json.loads(documents[0].read_text())
    assert first["interrupted"] is True and first["complete"] is False
    report = run_minbuild("size-report", "--state-dir", str(state), "--run", first["run_id"])
    assert report.returncode == 0, report.stderr
    assert "this run stopped before it finished" in report.stdout


def _sleeping(seconds: str) -> bool:
    found = subprocess.run(["pgrep", "-x", "-f", f"sleep {seconds}"], capture_output=True)
    return found.returncode == 0
