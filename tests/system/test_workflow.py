"""The example GitHub Actions workflows: the builds (minbuild.yml, which runs a pull request's
code and so gets nothing to abuse) and the report (minbuild-report.yml, a workflow_run workflow
that comments and never runs the pull request's code). actionlint, with shellcheck on their
scripts, passes both and fails a broken copy; their structure keeps the trust split."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

EXAMPLES = REPO / "examples" / "github-actions"
BUILDS = EXAMPLES / "minbuild.yml"
REPORT = EXAMPLES / "minbuild-report.yml"


def lint(actionlint: list[str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*actionlint, str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def workflow(path: Path) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def triggers(flow: dict[Any, Any]) -> dict[str, Any]:
    found: dict[str, Any] = flow[True]  # YAML 1.1 reads the key `on` as true
    return found


@pytest.mark.parametrize("path", [BUILDS, REPORT], ids=lambda p: p.name)
def test_the_example_workflows_pass_actionlint(actionlint: list[str], path: Path) -> None:
    done = lint(actionlint, path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_fails_a_broken_copy(actionlint: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = BUILDS.read_text().replace("needs: shard\n", "needs: shards\n", 1)
    broken.write_text(text.replace('read -ra share <<< "$ARGS"', "minbuild $ARGS"))
    done = lint(actionlint, broken)
    assert done.returncode == 1
    assert 'needs job "shards" which does not exist' in done.stdout
    assert "SC2086" in done.stdout  # shellcheck ran on the run: scripts


def test_the_builds_give_a_pull_request_no_secret_and_no_write() -> None:
    flow = workflow(BUILDS)
    assert set(triggers(flow)) == {"pull_request", "push"}
    assert flow["permissions"] == {"contents": "read"}
    text = BUILDS.read_text(encoding="utf-8")
    for expression in re.findall(r"\$\{\{([^}]*secrets\.[^}]*)\}\}", text):
        assert "github.event_name == 'push' &&" in expression, expression
    for name, job in flow["jobs"].items():
        assert "pull-requests" not in job.get("permissions", {}), name
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/cache/save"):
                assert job["if"].startswith("github.event_name == 'push'"), name
    redis = flow["jobs"]["shard"]["env"]["REDIS_URL"]
    assert "vars.MINBUILD_REDIS_READ_URL" in redis.split("||")[-1]  # a pull request's: read-only
    build = next(s["run"] for s in flow["jobs"]["shard"]["steps"] if "COMMAND" in s.get("run", ""))
    assert 'if [ "$GITHUB_EVENT_NAME" != push ]; then cache+=(--cache-read-only); fi' in build


def test_the_report_runs_only_the_default_branch_and_reads_the_documents_as_data() -> None:
    flow = workflow(REPORT)
    run = triggers(flow)["workflow_run"]
    assert run == {"workflows": [workflow(BUILDS)["name"]], "types": ["completed"]}
    assert flow["permissions"] == {}
    (job,) = flow["jobs"].values()
    assert job["permissions"] == {
        "actions": "read",
        "contents": "read",
        "pull-requests": "write",
    }
    for step in job["steps"]:
        if str(step.get("uses", "")).startswith("actions/checkout"):
            assert "ref" not in step.get("with", {})  # the default branch, not the head
        script = str(step.get("run", ""))
        for line in script.splitlines():
            if "untrusted/" in line and "head -c" not in line:
                assert line.strip().startswith("minbuild merge untrusted/"), line
    assert any("minbuild merge" in str(step.get("run")) for step in job["steps"])
