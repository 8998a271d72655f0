"""The toolchain is chosen before its `cargo check` of the crate, and the lanes start at once:
the first lane's first build stands for the check; if that build fails, the check runs, and if
the check fails too, the run stops and starts again with a toolchain whose check passed."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.engine import execute, planner
from minbuild.project.config import Project
from minbuild.project.stages import Stage
from minbuild.runs import records
from minbuild.runs.progress import Silent
from minbuild.runs.records import StageRecord
from minbuild.rust import prerequisites, toolchains
from minbuild.rust.cache import Cache
from tests.conftest import REPO, min_build, request_of

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"
REJECTED = "error: rejected by this test"


class Actions(Silent):
    """A reporter that keeps what it is told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        self.seen.append((stage, action))

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        self.seen.append((record.name, record.status))

    def restarting(self, reason: str) -> None:
        self.seen.append(("restart", reason))


def counting_checks(
    monkeypatch: pytest.MonkeyPatch, reject: str | None = None, after: Actions | None = None
) -> list[str]:
    """The toolchain checks planning hands out count their calls (by toolchain name); the one
    for `reject` fails, once `after` saw build-std building if it is the first call."""
    real = prerequisites.crate_check
    calls: list[str] = []

    def crate_check(
        project: Project,
        stage: Stage,
        state_dir: Path,
        cache: Cache | None = None,
        checking: prerequisites.Checking | None = None,
    ) -> toolchains.BuildCheck:
        check = real(project, stage, state_dir, cache, checking)

        def counted(toolchain: toolchains.Toolchain) -> str | None:
            calls.append(toolchain.candidate.name)
            if toolchain.candidate.name != reject:
                return check(toolchain)
            if after is not None and len(calls) == 1:  # in the lane: the other one builds
                deadline = time.monotonic() + 120
                while ("build-std", "building") not in after.seen:
                    assert time.monotonic() < deadline, f"build-std never started: {after.seen}"
                    time.sleep(0.05)
            return REJECTED

        return counted

    monkeypatch.setattr(planner, "crate_check", crate_check)
    return calls


def test_the_first_build_stands_for_the_check(
    nightly: None, shared_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_checks(monkeypatch)
    options = BuildOptions(config=HELLO, state_dir=shared_state, stages=("release",))
    run, _ = min_build(options, Actions())
    assert calls == [], "no `cargo check`: release built, so the toolchain builds the crate"
    chosen = next(line for line in run.toolchain_choice if ": chosen;" in line)
    assert chosen.endswith("; the crate built with it (release)")


def test_a_first_build_that_fails_and_a_check_that_fails_stop_the_run_and_choose_again(
    nightly: None, buildstd: None, shared_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hello's release and build-std: Debian's toolchain runs both, so it is chosen before its
    check, and the lanes start. Release fails to build (its `broken` feature, here), so the
    check runs (rejecting Debian, as a new compiler rejects old code) while build-std's lane
    builds; the run then starts again with nightly, which skips build-std and says why."""
    actions = Actions()
    calls = counting_checks(monkeypatch, reject="debian", after=actions)
    runs = shared_state / "runs"
    before = set(records.documents(runs))
    options = BuildOptions(config=HELLO, state_dir=shared_state, stages=("release", "build-std"))
    request = request_of(options)
    plan = planner.prepare(request, check_in_lane=True)
    release = plan.builds[0]
    argv = (*release.invocation.argv, "--features", "broken")
    broken = dataclasses.replace(
        release, invocation=dataclasses.replace(release.invocation, argv=argv)
    )
    plan = dataclasses.replace(plan, builds=(broken, *plan.builds[1:]))
    run, path = execute.execute_or_choose_again(plan, request, actions)

    assert calls == ["debian", "debian", "nightly"], "in the lane, then when planning again"
    restart = [reason for stage, reason in actions.seen if stage == "restart"]
    assert len(restart) == 1 and restart[0].startswith("debian (rustc ")
    assert restart[0].endswith(f"cannot build the crate: {REJECTED}; choosing the toolchain again")
    assert set(records.documents(runs)) - before == {path}, "the stopped attempt left no run"
    assert run.complete and run.toolchain["name"] == "nightly"
    label = f"nightly (rustc {run.toolchain['release']})"
    assert any(f"cannot build the crate: {REJECTED}" in line for line in run.toolchain_choice)
    assert (
        run.toolchain_choice[-1]
        == f"{label}: chosen; runs debug…location-detail; not build-std…panic-immediate-abort; "
        "`cargo check` of the crate passed"
    )
    release_record, build_std = run.stages
    assert release_record.status == "ok" and release_record.tests_passed == release_record.tests_run
    assert build_std.status == "skipped"
    assert build_std.reason.startswith("debian (rustc ") and REJECTED in build_std.reason
