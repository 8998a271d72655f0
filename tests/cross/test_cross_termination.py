"""SIGTERM during a cross build (std rebuilt for aarch64) stops every process it started."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.conftest import REPO, CrossTools, Descendants, start_minbuild
from tests.integration.test_termination import interrupted_run, wait_for

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"
TARGET = "aarch64-unknown-linux-gnu"


def test_cross_build_stops_whole(cross_tools: CrossTools, tmp_path: Path) -> None:
    cross_tools([TARGET])
    process = start_minbuild(
        "cross-build", "--config", str(HELLO), "--target", TARGET, "--state-dir", str(tmp_path)
    )
    watch = Descendants(process.pid)
    wait_for(process, f"@ {TARGET}: building")
    watch.wait_for_at_least(2)  # cargo and a process under it
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # faulthandler: every thread's stack
        _, stderr = process.communicate(timeout=30)
        raise AssertionError(f"still running 60 s after SIGTERM:\n{stderr[-6000:]}") from None
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert len(watch.seen) > 1
    assert watch.left() == []
    assert interrupted_run(tmp_path)["interrupted"] is True
