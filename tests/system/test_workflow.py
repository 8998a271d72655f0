"""The example GitHub Actions workflow: actionlint (with shellcheck on its scripts) passes it,
and fails a broken copy, so the check is real."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO

WORKFLOW = REPO / "examples" / "github-actions" / "minbuild.yml"


def lint(actionlint: list[str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*actionlint, str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_example_workflow_passes_actionlint(actionlint: list[str]) -> None:
    done = lint(actionlint, WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_fails_a_broken_copy(actionlint: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text().replace("needs: shard", "needs: shards")
    broken.write_text(text.replace('read -ra share <<< "$ARGS"', "minbuild $ARGS"))
    done = lint(actionlint, broken)
    assert done.returncode == 1
    assert 'job "report" needs job "shards" which does not exist' in done.stdout
    assert "SC2086" in done.stdout  # shellcheck ran on the run: scripts
