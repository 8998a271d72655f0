"""The variants a feature-cost run builds (no cargo is run)."""

from __future__ import annotations

import dataclasses

import pytest

from minbuild.features.cost import variants
from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.util.errors import ConfigError
from tests.conftest import REPO
from tests.unit.helpers import crate

STAGES = {s.name: s for s in load_staircase(load_project(REPO / "config" / "demo.yaml"))}
DEMO = dataclasses.replace(
    crate(),
    features={
        k: v
        for k, v in crate().features.items()
        if k in ("default", "compile", "run", "logging", "disable-logging")
    },
)


def test_base_each_missing_feature_added_then_full_minus_each() -> None:
    found = [(v.stage.name, v.change, v.stage.features) for v in variants(STAGES["lto"], DEMO)]
    assert found[0] == ("lto", "base", ("run", "disable-logging"))
    assert found[1:3] == [
        ("lto+compile", "added", ("run", "disable-logging", "compile")),
        ("lto+logging", "added", ("run", "disable-logging", "logging")),
    ]
    assert found[3] == ("lto:full", "full", ("compile", "disable-logging", "logging", "run"))
    assert [name for name, change, _ in found[4:]] == [
        "lto:full-compile",
        "lto:full-disable-logging",
        "lto:full-logging",
        "lto:full-run",
    ]
    assert all(not v.stage.default_features for v in variants(STAGES["lto"], DEMO))


def test_excluded_features_are_left_alone() -> None:
    names = [v.stage.name for v in variants(STAGES["lto"], DEMO, exclude=("logging",))]
    assert "lto+logging" not in names and "lto:full-logging" not in names


def test_a_stage_with_default_features_cannot_be_the_base() -> None:
    with pytest.raises(ConfigError, match="keeps cargo's default features"):
        variants(STAGES["release"], DEMO)
