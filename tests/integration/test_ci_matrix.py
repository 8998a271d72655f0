"""`minbuild ci-matrix` on the demo: every host stage and every target in exactly one job, the
jobs balanced by the last run's seconds when there is one, in the shape the example workflow
reads."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import yaml

from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.project.targets import project_targets
from minbuild.report.comment import MARKER
from minbuild.runs import records
from tests.conftest import REPO, run_minbuild
from tests.system.test_workflow import BUILDS, REPORT
from tests.unit.samples import sample_run, stage

DEMO = REPO / "config" / "demo.yaml"
STAGES = [s.name for s in load_staircase(load_project(DEMO))]


def matrix(state: Path, *args: str) -> list[dict[str, Any]]:
    done = run_minbuild("ci-matrix", "--config", str(DEMO), "--state-dir", str(state), *args)
    assert done.returncode == 0, done.stderr
    jobs: list[dict[str, Any]] = json.loads(done.stdout)["include"]
    return jobs


def shares(jobs: list[dict[str, Any]], command: str, flag: str) -> list[list[str]]:
    found = []
    for job in jobs:
        if job["command"] == command:
            words = job["args"].split()
            found.append(words[words.index(flag) + 1].split(","))
    return found


def test_every_stage_and_target_is_in_one_job(cargo: None, tmp_path: Path) -> None:
    jobs = matrix(tmp_path, "--shards", "3", "--cross-shards", "2", "--feature-shards", "2")
    host = shares(jobs, "min-build", "--stage")
    cross = shares(jobs, "cross-build", "--target")
    assert len(host) == 3 and sorted(n for share in host for n in share) == sorted(STAGES)
    triples = [t.triple for t in project_targets(load_project(DEMO))]
    assert len(cross) == 2 and sorted(t for share in cross for t in share) == sorted(triples)
    labels = [job["shard"] for job in jobs if job["command"] != "feature-matrix"]
    assert labels == ["1/5", "2/5", "3/5", "4/5", "5/5"]  # one sharded run, merged as one
    assert all(f"--shard {job['shard']}" in job["args"] for job in jobs)
    assert [job["args"] for job in jobs if job["command"] == "feature-matrix"] == [
        "--shard 1/2",
        "--shard 2/2",
    ]


def test_the_last_runs_seconds_balance_the_jobs(cargo: None, tmp_path: Path) -> None:
    timed = [
        dataclasses.replace(stage(name, 1000), build_seconds=100.0 if name == "debug" else 1.0)
        for name in STAGES
    ]
    records.save(dataclasses.replace(sample_run(), stages=tuple(timed)), tmp_path / "runs")
    host = shares(matrix(tmp_path, "--shards", "2"), "min-build", "--stage")
    assert ["debug"] in host  # a hundred seconds: a job of its own, the rest in the other


def test_the_example_workflow_reads_what_ci_matrix_prints(cargo: None, tmp_path: Path) -> None:
    text = BUILDS.read_text()
    used = set(re.findall(r"\bmatrix\.(\w+)", text)) - {"outputs"}  # steps.matrix.outputs
    jobs = matrix(tmp_path)
    assert used and all(used <= set(job) for job in jobs), used
    workflow = yaml.safe_load(text)
    assert "fromJSON(needs.plan.outputs.matrix)" in workflow["jobs"]["shard"]["strategy"]["matrix"]
    assert MARKER in REPORT.read_text()  # the sticky comment is found by size-report's marker


def test_every_shard_chooses_the_toolchain_of_the_whole_run(buildstd: None, tmp_path: Path) -> None:
    # alone, the light stages would take nightly (it runs them all) and build-std Debian's
    # rustc-web (nightly here has no std source): shards of two toolchains would not merge
    chosen = set()
    for share in ("1/2 --stage debug,release", "2/2 --stage build-std"):
        args = ["min-build", "--dry-run", "--config", str(DEMO), "--shard", *share.split()]
        done = run_minbuild(*args, "--state-dir", str(tmp_path))
        assert done.returncode == 0, done.stderr
        chosen.add(done.stdout.splitlines()[0].split(",")[0])
    assert len(chosen) == 1, chosen
