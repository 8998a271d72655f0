"""Feature expansion, effective profiles, and feature names checked against the crate."""

from __future__ import annotations

import pytest

from minbuild.cargo import check_features, effective_profile, enabled_features, is_feature
from minbuild.config import load_project
from minbuild.errors import ConfigError
from minbuild.stages import load_staircase
from tests.conftest import REPO
from tests.unit.helpers import crate

PROJECT = load_project(REPO / "config" / "demo.yaml")
STAGES = {stage.name: stage for stage in load_staircase(PROJECT)}


def test_default_features_expand_through_the_table() -> None:
    # "dep:tvm-asm" names a dependency, not a feature: it enables nothing further.
    assert enabled_features(crate(), True, ()) == {"default", "compile", "run", "logging"}
    assert enabled_features(crate(), False, ("everything",)) == {"everything", "run", "compile"}
    assert enabled_features(crate(), False, ("run", "disable-logging")) == {
        "run",
        "disable-logging",
    }


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


def test_unknown_feature_in_a_feature_set_is_located() -> None:
    bad = crate()
    bad = type(bad)(
        **{
            **bad.__dict__,
            "features": {k: v for k, v in bad.features.items() if k != "disable-logging"},
        }
    )
    with pytest.raises(ConfigError) as caught:
        check_features(PROJECT, STAGES.values(), bad)
    message = str(caught.value)
    assert message.startswith(f"{REPO / 'config' / 'demo.yaml'}:")
    assert "feature_sets.disable_logging.0: feature 'disable-logging' is not declared" in message
    assert "did you mean 'logging'?" in message


def test_known_features_pass() -> None:
    check_features(PROJECT, STAGES.values(), crate())


def test_dependency_features_use_cargos_syntax() -> None:
    assert is_feature(crate(), "minilog/max_level_off")
    assert is_feature(crate(), "tvm-asm?/anything")
    assert not is_feature(crate(), "log/max_level_off")  # not a dependency of tinyvm
    assert not is_feature(crate(), "max_level_off")
