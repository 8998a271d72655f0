"""The toolchain's `cargo check` of the crate runs in the first lane while the others build;
when it fails, the run stops and starts again with a toolchain whose check passed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from minbuild.build import execute, planner, prerequisites, toolchains
from minbuild.build.cache import Cache
from minbuild.project.config import Project
from minbuild.project.stages import Stage
from minbuild.sizes import records
from minbuild.sizes.records import StageRecord
from tests.conftest import REPO

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"
REJECTED = "error: rejected by this test"


class Actions:
    """A reporter that keeps what it is told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        self.seen.append((stage, action))

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        self.seen.append((record.name, record.status))

    def restarting(self, reason: str) -> None:
        self.seen.append(("restart", reason))


def test_a_check_that_fails_in_the_lane_stops_the_run_and_chooses_again(
    nightly: None, buildstd: None, shared_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hello's release and build-std: Debian's toolchain runs both, so it is chosen before its
    check. The check (rejecting Debian here, as a new compiler rejects old code) runs in
    release's lane while build-std's lane builds; the run then starts again with nightly,
    which skips build-std and says why."""
    actions = Actions()
    real = prerequisites.crate_check
    in_lane: list[bool] = []

    def crate_check(
        project: Project, stage: Stage, state_dir: Path, cache: Cache | None = None
    ) -> toolchains.BuildCheck:
        check = real(project, stage, state_dir, cache)

        def rejecting_debian(toolchain: toolchains.Toolchain) -> str | None:
            if toolchain.candidate.name != "debian":
                return check(toolchain)
            if not in_lane:  # the first check: the other lane must be building meanwhile
                deadline = time.monotonic() + 120
                while ("build-std", "building") not in actions.seen:
                    assert time.monotonic() < deadline, f"build-std never started: {actions.seen}"
                    time.sleep(0.05)
                in_lane.append(True)
            return REJECTED

        return rejecting_debian

    monkeypatch.setattr(planner, "crate_check", crate_check)
    runs = shared_state / "runs"
    before = set(records.documents(runs))
    options = planner.Options(config=HELLO, state_dir=shared_state, stages=("release", "build-std"))
    run, path = execute.min_build(options, actions)

    assert in_lane, "the check ran in a lane"
    restart = [reason for stage, reason in actions.seen if stage == "restart"]
    assert len(restart) == 1 and restart[0].startswith("debian (rustc ")
    assert restart[0].endswith(f"cannot build the crate: {REJECTED}; choosing the toolchain again")
    assert set(records.documents(runs)) - before == {path}, "the stopped attempt left no run"
    assert run.complete and run.toolchain["name"] == "nightly"
    label = f"nightly (rustc {run.toolchain['release']})"
    assert any(f"cannot build the crate: {REJECTED}" in line for line in run.toolchain_choice)
    assert (
        run.toolchain_choice[-1]
        == f"{label}: chosen; runs all but 1 stage(s){toolchains.CHECK_PASSED}"
    )
    release, build_std = run.stages
    assert release.status == "ok" and release.tests_passed == release.tests_run
    assert build_std.status == "skipped"
    assert build_std.reason.startswith("debian (rustc ") and REJECTED in build_std.reason
