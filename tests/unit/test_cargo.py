"""Feature expansion and feature names checked against the crate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.rust import cargo as cargo_module
from minbuild.rust.cargo import (
    DENIED_LINT,
    check_builds,
    enabled_features,
    is_feature,
    validate_features,
)
from minbuild.util.command import Completed
from minbuild.util.errors import ConfigError
from tests.conftest import REPO
from tests.unit.helpers import crate

PROJECT = load_project(REPO / "config" / "demo.yaml")
STAGES = {stage.name: stage for stage in load_staircase(PROJECT)}


def test_default_features_expand_through_the_table() -> None:
    # "dep:tvm-asm" names a dependency, not a feature: it enables nothing further.
    assert enabled_features(crate(), default_features=True, features=()) == {
        "default",
        "compile",
        "run",
        "logging",
    }
    assert enabled_features(crate(), default_features=False, features=("everything",)) == {
        "everything",
        "run",
        "compile",
    }
    assert enabled_features(
        crate(), default_features=False, features=("run", "disable-logging")
    ) == {
        "run",
        "disable-logging",
    }


def test_unknown_feature_in_a_feature_set_is_located() -> None:
    bad = crate()
    bad = type(bad)(
        **{
            **bad.__dict__,
            "features": {k: v for k, v in bad.features.items() if k != "disable-logging"},
        }
    )
    with pytest.raises(ConfigError) as caught:
        validate_features(PROJECT, STAGES.values(), bad)
    message = str(caught.value)
    assert message.startswith(f"{REPO / 'config' / 'demo.yaml'}:")
    assert "feature_sets.disable_logging.0: feature 'disable-logging' is not declared" in message
    assert "did you mean 'logging'?" in message


def test_known_features_pass() -> None:
    validate_features(PROJECT, STAGES.values(), crate())


def test_dependency_features_use_cargos_syntax() -> None:
    assert is_feature(crate(), "minilog/max_level_off")
    assert is_feature(crate(), "tvm-asm?/anything")
    assert not is_feature(crate(), "log/max_level_off")  # not a dependency of tinyvm
    assert not is_feature(crate(), "max_level_off")


DENIED = """\
error: `Unknown` is ambiguous
  --> src/centrifuge/mod.rs:31:24
   = note: `#[deny(ambiguous_glob_imports)]` (part of `#[deny(future_incompatible)]`) on by default
"""


def test_a_check_stopped_by_a_denied_lint_says_how_to_cap_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran: list[dict[str, str]] = []

    def run(argv: list[str], **options: Any) -> Completed:
        ran.append(dict(options["env"]))
        return Completed(tuple(argv), 101, "", DENIED, 0.1)

    monkeypatch.setattr(cargo_module, "read_crate", lambda *args: crate())
    monkeypatch.setattr("minbuild.util.command.run", run)
    problem = check_builds(
        PROJECT, ("cargo",), {}, tmp_path, ["--features", "x"], ("--cap-lints", "warn"), tmp_path
    )
    assert problem is not None and problem.startswith("error: `Unknown` is ambiguous; ")
    assert DENIED_LINT in problem
    assert ran[0]["RUSTFLAGS"] == "--cap-lints warn"


def test_the_projects_rustflags_come_first_in_every_stage(tmp_path: Path) -> None:
    config = tmp_path / "p.yaml"
    config.write_text(
        f"schema: 1\ncrate: {{manifest: {REPO / 'demo' / 'Cargo.toml'}}}\n"
        "feature_sets: {minimal: [run], disable_logging: [disable-logging]}\n"
        "rustflags: [--cap-lints, warn]\n"
    )
    stages = load_staircase(load_project(config))
    assert all(stage.rustflags[:2] == ("--cap-lints", "warn") for stage in stages)
    location = next(stage for stage in stages if stage.name == "location-detail")
    assert location.rustflags == ("--cap-lints", "warn", "-Zlocation-detail=none")
    assert location.rustc_z_flags() == ("location-detail",)
