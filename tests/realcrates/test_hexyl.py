"""hexyl 0.8.0 from Debian's registry: init, the whole staircase, a cross target, optimize.

hexyl has a lib and a bin both named `hexyl` (the artifact must be found by kind) and ~30
crates.io dependencies from a directory source, which every build-std stage and every cross
build must still find while std's own dependencies come from the toolchain's vendored copy.
"""

from __future__ import annotations

from typing import Any

import pytest

from minbuild.project.config import load_project
from tests.conftest import CrossTools
from tests.realcrates.conftest import (
    QUICK_SEARCH,
    SEARCH_FROM,
    RealCrate,
    assert_no_larger_than_its_start,
)

STAIRCASE = 13


@pytest.fixture(scope="module")
def initialized(hexyl: RealCrate) -> RealCrate:
    return hexyl.initialized()


@pytest.fixture(scope="module")
def staircase(initialized: RealCrate) -> dict[str, Any]:
    result = initialized.minbuild("min-build")  # finds ./minbuild.yaml, as a user would
    assert result.returncode == 0, result.stdout + result.stderr
    return initialized.latest_run()


def test_init_finds_the_bin_beside_the_lib_of_the_same_name(initialized: RealCrate) -> None:
    project = load_project(initialized.project)
    assert (project.artifact.kind, project.artifact.name) == ("bin", "hexyl")
    assert project.feature_sets == {"minimal": (), "disable_logging": ()}  # no log, no features
    (smoke,) = project.tests
    assert smoke.argv == ("{binary}", "--version") and smoke.stdout_regex == r"^hexyl\b"
    text = initialized.project.read_text()
    assert "hexyl builds: lib hexyl (lib), bin hexyl" in text
    assert "# budgets:" in text


def test_init_never_overwrites_without_force(initialized: RealCrate) -> None:
    before = initialized.project.read_text()
    result = initialized.minbuild("init")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("exists; --force overwrites it")
    assert initialized.project.read_text() == before


def test_every_stage_of_the_staircase_builds_and_runs(staircase: dict[str, Any]) -> None:
    stages = staircase["stages"]
    assert len(stages) == STAIRCASE
    for stage in stages:
        assert stage["status"] == "ok", (stage["name"], stage["reason"], stage["first_error"])
        assert [t["status"] for t in stage["tests"]] == ["passed"], stage["name"]
    sizes = {stage["name"]: stage["size_bytes"] for stage in stages}
    assert sizes["panic-immediate-abort"] < sizes["build-std"] < sizes["release"] < sizes["debug"]
    for stage in stages:  # taken apart, hexyl's dependencies named
        parts = stage["composition"]
        crates = {c["name"]: c["origin"] for c in parts["crates"]}
        attributed = sum(c["size"] for c in parts["crates"] if c["name"] != "[unattributed]")
        share = 0.95 if stage["name"] == "debug" else 0.98  # debug: padding between functions
        assert attributed >= share * parts["code_size"], stage["name"]
        assert crates["hexyl"] == "crate" and crates["std"] == crates["core"] == "std"
        assert crates["clap"] == "dependency", stage["name"]
    build_std = next(s for s in stages if s["name"] == "build-std")
    assert "minbuild-std-vendor" in build_std["shell"]
    assert any("offline source" in line for line in staircase["toolchain_choice"])


def test_a_cross_target_builds_with_the_crates_dependencies(
    cross_tools: CrossTools, initialized: RealCrate
) -> None:
    triples = ["armv7-unknown-linux-gnueabihf"]  # the others: tests/cross, tests/e2e
    cross_tools(triples)
    result = initialized.minbuild("cross-build", *(a for t in triples for a in ("--target", t)))
    assert result.returncode == 0, result.stdout + result.stderr
    built = {s["target"]: s for s in initialized.latest_run()["stages"]}
    for triple in triples:
        stage = built[triple]
        assert stage["name"] == "panic-immediate-abort" and stage["status"] == "ok"
        assert [t["status"] for t in stage["tests"]] == ["passed"]
    assert built["armv7-unknown-linux-gnueabihf"]["runner"][0] == "qemu-arm"


def test_optimize_from_a_stage_finds_a_winner_no_larger(
    initialized: RealCrate, staircase: dict[str, Any]
) -> None:
    record = initialized.optimized(*QUICK_SEARCH)
    assert_no_larger_than_its_start(record, staircase)
    start = record.reference("start")  # hexyl bakes no build path in: the very same size
    stage = next(s for s in staircase["stages"] if s["name"] == SEARCH_FROM)
    assert start is not None and start.size == stage["size_bytes"]
