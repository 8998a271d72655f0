"""Ctrl-C during a real build: exit 130, a clean message, the partial run recorded."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.conftest import REPO, start_minbuild

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
