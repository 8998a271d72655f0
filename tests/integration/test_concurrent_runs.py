"""Two min-build runs started together on one state dir: the second waits, both finish with
valid, distinct run documents, and "the latest run" is the one that got the state dir last."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from minbuild.runs import records
from tests.conftest import REPO

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"


def holding_project(tmp_path: Path) -> Path:
    """hello's project with one more test that sleeps: a run holds the state dir for seconds."""
    text = HELLO.read_text().replace("manifest: Cargo.toml", f"manifest: {HELLO.parent}/Cargo.toml")
    path = tmp_path / "project.yaml"
    path.write_text(text + '  - {name: holds, argv: [sleep, "2"]}\n')
    return path


def holder(lock: Path) -> str:
    return lock.read_text() if lock.is_file() else ""


def test_two_runs_on_one_state_dir_both_finish(cargo: None, tmp_path: Path) -> None:
    state = tmp_path / "state"
    argv = [
        sys.executable,
        "-m",
        "minbuild",
        "min-build",
        "--config",
        str(holding_project(tmp_path)),
        "--state-dir",
        str(state),
        "--stage",
        "release",
        "--stage",
        "panic-abort",
    ]
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The second starts once the first holds the state dir, which it then keeps for at least
    # its two stages' sleeping tests: the second must find it held, however loaded the machine.
    deadline = time.monotonic() + 120
    while f"pid {first.pid}," not in holder(state / "lock") and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    second = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = [first, second]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr
        assert "Traceback" not in stderr
    waited = [stderr for _, stderr in outputs if "is in use by min-build" in stderr]
    assert waited == [outputs[1][1]], "the second run, and only it, waits for the first"

    documents = records.documents(state / "runs")
    assert len(documents) == 2
    loaded = [records.load(path) for path in documents]
    assert loaded[0].run_id != loaded[1].run_id
    assert [run.sequence for run in loaded] == [1, 2]
    for document in loaded:
        assert document.complete and not document.interrupted
        assert [(s.name, s.status) for s in document.stages] == [
            ("release", "ok"),
            ("panic-abort", "ok"),
        ]
    # The run that waited started building later: it is the latest.
    assert records.latest(state / "runs") == documents[1]
    assert loaded[1].started >= loaded[0].started
