"""The profile a stage builds with: cargo's, then the crate's own, then the stage's."""

from __future__ import annotations

from pathlib import Path

from minbuild.engine.invocations import build_invocation
from minbuild.project.config import Artifact, load_project
from minbuild.project.stages import load_staircase
from minbuild.rust.profiles import effective_profile, stage_settings
from tests.conftest import REPO
from tests.unit.helpers import crate, toolchain

PROJECT = load_project(REPO / "config" / "demo.yaml")
STAGES = {stage.name: stage for stage in load_staircase(PROJECT)}


def test_release_effective_profile_is_cargos_default_with_implicit_strip() -> None:
    profile = effective_profile(crate(), STAGES["release"])
    assert profile == {
        "opt-level": 3,
        "debug": "none",
        "panic": "unwind",
        "lto": False,
        "codegen-units": 16,
        "strip": "debuginfo",
    }


def test_debug_keeps_debuginfo() -> None:
    profile = effective_profile(crate(), STAGES["debug"])
    assert profile["opt-level"] == 0 and profile["debug"] == "full" and profile["strip"] == "none"


def test_projects_own_release_profile_is_merged_under_the_stage() -> None:
    own = crate({"release": {"lto": True, "opt-level": "z", "debug": True}})
    assert effective_profile(own, STAGES["release"])["lto"] == "fat"
    assert effective_profile(own, STAGES["release"])["strip"] == "none"  # debug on: no strip
    lto = effective_profile(own, STAGES["lto"])
    assert lto["opt-level"] == "s"  # the stage wins over the project
    assert effective_profile(own, STAGES["panic-abort"])["lto"] == lto["lto"] == "fat"


def test_the_strip_stage_never_weakens_a_crates_own_stronger_strip() -> None:
    # sd 1.0.0 has `strip = true`: strip=debuginfo over it put its symbols back (+18%)
    stripping = crate({"release": {"strip": True}})
    for name in ("strip-debuginfo", "location-detail", "panic-immediate-abort"):
        stage = STAGES[name]
        assert "strip" not in stage_settings(stripping, stage)
        assert effective_profile(stripping, stage)["strip"] == "symbols"
        env = build_invocation(
            stage, stripping, Artifact("bin", "tinyvm"), toolchain(), Path("t")
        ).env
        assert "CARGO_PROFILE_MINBUILD_STRIP" not in env  # the crate's own strip applies
    for own in ({}, {"release": {"strip": "none"}}, {"release": {"strip": "debuginfo"}}):
        stage = STAGES["strip-debuginfo"]
        assert stage_settings(crate(own), stage) == stage.profile  # the stage's own applies
        assert effective_profile(crate(own), stage)["strip"] == "debuginfo"
