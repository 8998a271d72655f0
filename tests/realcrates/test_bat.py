"""bat 0.22.1 from Debian's registry with its dev-dependencies: `init` finds a feature set that
builds (syntect needs a regex engine) and the integration tests that start bat; `min-build`
runs them against two stages' binaries (the tier's time: the whole staircase, with the tests'
figures, is in the issue's closing note)."""

from __future__ import annotations

from typing import Any

import pytest

from minbuild.project.config import load_project
from tests.realcrates.conftest import RealCrate


@pytest.fixture(scope="module")
def initialized(bat: RealCrate) -> RealCrate:
    return bat.initialized()


@pytest.fixture(scope="module")
def two_stages(initialized: RealCrate) -> dict[str, Any]:
    result = initialized.minbuild("min-build", "--stage", "release", "--stage", "panic-abort")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {stage["name"]: stage for stage in initialized.latest_run()["stages"]}


def test_init_proves_the_smallest_feature_set_that_builds(initialized: RealCrate) -> None:
    project = load_project(initialized.project)
    assert project.feature_sets["minimal"] == ("minimal-application",)
    text = initialized.project.read_text()
    assert "# Against the release build" in text


def test_init_finds_the_tests_that_start_bat(initialized: RealCrate) -> None:
    tests = load_project(initialized.project).integration_tests
    assert tests is not None
    assert {"integration_tests", "snapshot_tests"} <= set(tests.test_targets)
    assert "test_pretty_printer" not in tests.test_targets, "it uses the library, not bat"


def integration(stage: dict[str, Any], suite: str) -> list[dict[str, Any]]:
    return [t for t in stage["tests"] if t["suite"] == suite]


def test_the_snapshot_tests_pass_against_the_release_binary(two_stages: dict[str, Any]) -> None:
    snapshots = integration(two_stages["release"], "snapshot_tests")
    assert len(snapshots) > 20 and all(t["status"] == "passed" for t in snapshots)


def test_what_fails_at_release_is_not_held_against_panic_abort(
    two_stages: dict[str, Any],
) -> None:
    # Debian's copy lacks tests/examples; conftest restores the four files most tests read.
    release, abort = two_stages["release"], two_stages["panic-abort"]
    failing = {
        t["name"] for t in integration(release, "integration_tests") if t["status"] == "failed"
    }
    assert failing and all(t["already_failing_at"] == "release" for t in release["tests"]
                           if t["name"] in failing)  # fmt: skip
    assert abort["status"] == "ok", abort["reason"]
    later = [t for t in integration(abort, "integration_tests") if t["status"] == "failed"]
    assert later and all(t["already_failing_at"] == "release" for t in later)
    assert "minimal-application" in abort["features"]
    assert integration(abort, "snapshot_tests") == [], "cfg(feature = git) is off there"
    for stage in (release, abort):  # on the files conftest restores to tests/examples
        passed = {
            t["name"] for t in integration(stage, "integration_tests") if t["status"] == "passed"
        }
        assert {"basic", "line_range_first_two", "concatenate_single_line"} <= passed
