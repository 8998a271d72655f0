"""cbindgen 0.24.3 from Debian's registry: its build script bakes the binary's path into the
tests it generates, so the stage's binary must be put at that path; the suite's own switch
(CBINDGEN_TEST_NO_COMPILE) is set through integration_tests.env."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from minbuild.project.config import load_project
from tests.realcrates.conftest import RealCrate


@pytest.fixture(scope="module")
def initialized(cbindgen: RealCrate) -> RealCrate:
    return cbindgen.initialized()


@pytest.fixture(scope="module")
def two_stages(initialized: RealCrate) -> dict[str, Any]:
    # Compiling every generated header takes C, C++ and Cython compilers and 48 s a stage;
    # comparing them with the expected ones (what the switch leaves) still runs cbindgen.
    text = initialized.project.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["integration_tests"]["env"] = {"CBINDGEN_TEST_NO_COMPILE": "1"}
    initialized.project.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = initialized.minbuild("min-build", "--stage", "release", "--stage", "lto")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {stage["name"]: stage for stage in initialized.latest_run()["stages"]}


def test_init_finds_the_generated_tests(initialized: RealCrate) -> None:
    tests = load_project(initialized.project).integration_tests
    assert tests is not None and tests.test_targets == ("tests",)


def test_every_generated_test_passes_against_each_stage(two_stages: dict[str, Any]) -> None:
    for stage in two_stages.values():
        ran = [t for t in stage["tests"] if t["suite"] == "tests"]
        assert len(ran) > 100, stage["name"]
        assert all(t["status"] == "passed" for t in ran), stage["name"]
        assert stage["status"] == "ok"
