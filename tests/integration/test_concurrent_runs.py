"""Two min-build runs started together on one state dir: the second waits, both finish with
valid, distinct run documents, and "the latest run" is the one that got the state dir last."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from minbuild.sizes import records
from tests.conftest import REPO

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"


def test_two_runs_on_one_state_dir_both_finish(cargo: None, tmp_path: Path) -> None:
    argv = [
        sys.executable,
        "-m",
        "minbuild",
        "min-build",
        "--config",
        str(HELLO),
        "--state-dir",
        str(tmp_path),
        "--stage",
        "release",
        "--stage",
        "panic-abort",
    ]
    runs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr
        assert "Traceback" not in stderr
    waited = [stderr for _, stderr in outputs if "is in use by min-build" in stderr]
    assert len(waited) == 1, "exactly one run should have waited for the other"

    documents = records.documents(tmp_path / "runs")
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
    assert records.latest(tmp_path / "runs") == documents[1]
    assert loaded[1].started >= loaded[0].started
