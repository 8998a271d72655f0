"""cbindgen 0.24.3 from Debian's registry: its build script bakes the binary's path into the
tests it generates, so the stage's binary must be put at that path; the suite's own switch
(CBINDGEN_TEST_NO_COMPILE) is set through integration_tests.env."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from minbuild.project.config import load_project
from tests.realcrates.conftest import RealCrate

# Compiling every generated header takes C, C++ and Cython compilers and 48 s a stage;
# comparing them with the expected ones (what the switch leaves) still runs cbindgen. A user
# who knows the switch sets it for init's run of the suite, then in the project file.
SWITCH = {"CBINDGEN_TEST_NO_COMPILE": "1"}


@pytest.fixture(scope="module")
def initialized(cbindgen: RealCrate) -> RealCrate:
    return cbindgen.initialized(env=SWITCH)


@pytest.fixture(scope="module")
def release(initialized: RealCrate) -> dict[str, Any]:
    text = initialized.project.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["integration_tests"]["env"] = SWITCH
    initialized.project.write_text(yaml.safe_dump(data), encoding="utf-8")
    # One stage: every stage builds into the same profile dir, the path the tests were given.
    result = initialized.minbuild("min-build", "--stage", "release")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (stage,) = initialized.latest_run()["stages"]
    assert isinstance(stage, dict)
    return stage


def test_init_finds_the_generated_tests(initialized: RealCrate) -> None:
    tests = load_project(initialized.project).integration_tests
    assert tests is not None and tests.test_targets == ("tests",)


def test_every_generated_test_passes_against_the_stages_binary(release: dict[str, Any]) -> None:
    ran = [t for t in release["tests"] if t["suite"] == "tests"]
    assert len(ran) > 100
    assert all(t["status"] == "passed" for t in ran)
    assert release["status"] == "ok"
