"""A crate as its users get it: ripgrep 14.1.1 from crates.io with its own Cargo.lock, through
`minbuild try` (cargo fetches it, `init` writes its file unedited, `min-build` builds it), its
own integration tests (which find rg beside the test executable) run against each stage's
binary; a re-run builds nothing. The whole staircase, by hand, is in docs/own-crate.md."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_minbuild

RIPGREP = "ripgrep@14.1.1"
STAGES = "release,panic-abort"


def _try(work: Path) -> subprocess.CompletedProcess[str]:
    return run_minbuild("try", RIPGREP, "--stages", STAGES, cwd=work, timeout=3600)


def _latest_run(directory: Path) -> dict[str, Any]:
    runs = sorted((directory / ".minbuild" / "runs").glob("*.json"))
    data: dict[str, Any] = json.loads(runs[-1].read_text())
    return data


@pytest.fixture(scope="module")
def ripgrep(published_crates: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    result = _try(published_crates)
    return published_crates / "ripgrep-14.1.1", result


def test_try_takes_ripgrep_from_crates_io_with_its_own_tests_at_every_stage(
    ripgrep: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, result = ripgrep
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (directory / "minbuild.yaml").is_file()
    assert "integration_tests:" in (directory / "minbuild.yaml").read_text()
    stages = {stage["name"]: stage for stage in _latest_run(directory)["stages"]}
    assert set(stages) == set(STAGES.split(","))
    for stage in stages.values():
        assert stage["status"] == "ok", stage.get("reason")
        names = [test["name"] for test in stage["tests"]]
        # ripgrep's own suite is hundreds of tests: each one is counted, not one smoke test
        assert len(names) > 200, names[:5]
        assert all(test["status"] == "passed" for test in stage["tests"])
    assert stages["panic-abort"]["size_bytes"] < stages["release"]["size_bytes"]


def test_the_published_lock_is_the_one_built_and_a_rerun_builds_nothing(
    ripgrep: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, first = ripgrep
    assert first.returncode == 0
    published = next(Path.home().glob(".cargo/registry/src/*/ripgrep-14.1.1/Cargo.lock"))
    assert (directory / "Cargo.lock").read_bytes() == published.read_bytes()
    again = _try(directory.parent)
    assert again.returncode == 0, again.stderr[-3000:]
    for stage in _latest_run(directory)["stages"]:
        assert stage["units_built"] == 0, (stage["name"], stage["units_built"])
    assert (directory / "Cargo.lock").read_bytes() == published.read_bytes()
