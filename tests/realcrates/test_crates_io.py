"""A crate as its users get it: hexyl 0.17.0 from crates.io with its own Cargo.lock, through
`minbuild try` (cargo fetches it, `init` writes its file unedited, `min-build` builds it), its
own assert_cmd tests run against each stage's binary; a re-run builds nothing. ripgrep 14.1.1
(299 tests of its own, 13 stages in 39 min) and the others of docs/own-crate.md's table are
runs by hand: in CI, ripgrep's two stages alone took six minutes of the hour."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_minbuild

CRATE, VERSION = "hexyl", "0.17.0"
STAGES = "release,panic-abort"


def _try(work: Path) -> subprocess.CompletedProcess[str]:
    return run_minbuild("try", f"{CRATE}@{VERSION}", "--stages", STAGES, cwd=work, timeout=3600)


def _latest_run(directory: Path) -> dict[str, Any]:
    runs = sorted((directory / ".minbuild" / "runs").glob("*.json"))
    data: dict[str, Any] = json.loads(runs[-1].read_text())
    return data


@pytest.fixture(scope="module")
def tried(
    published_crates: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("try")  # not the README test's copy of the same crate
    result = _try(work)
    return work / f"{CRATE}-{VERSION}", result


def test_try_takes_a_crate_from_crates_io_with_its_own_tests_at_every_stage(
    tried: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, result = tried
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (directory / "minbuild.yaml").is_file()
    assert "integration_tests:" in (directory / "minbuild.yaml").read_text()
    stages = {stage["name"]: stage for stage in _latest_run(directory)["stages"]}
    assert set(stages) == set(STAGES.split(","))
    for stage in stages.values():
        assert stage["status"] == "ok", stage.get("reason")
        names = [test["name"] for test in stage["tests"]]
        # hexyl's own suite is dozens of tests: each one is counted, not one smoke test
        assert len(names) > 30, names[:5]
        assert all(test["status"] == "passed" for test in stage["tests"])
    assert stages["panic-abort"]["size_bytes"] < stages["release"]["size_bytes"]


def test_the_published_lock_is_the_one_built_and_a_rerun_builds_nothing(
    tried: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, first = tried
    assert first.returncode == 0
    published = next(Path.home().glob(f".cargo/registry/src/*/{CRATE}-{VERSION}/Cargo.lock"))
    assert (directory / "Cargo.lock").read_bytes() == published.read_bytes()
    again = _try(directory.parent)
    assert again.returncode == 0, again.stderr[-3000:]
    for stage in _latest_run(directory)["stages"]:
        assert stage["units_built"] == 0, (stage["name"], stage["units_built"])
    assert (directory / "Cargo.lock").read_bytes() == published.read_bytes()
