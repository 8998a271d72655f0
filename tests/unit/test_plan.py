"""Each stage's cargo command and environment, against reference.md's staircase."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from minbuild.engine.invocations import Invocation, build_invocation
from minbuild.project.config import Artifact, load_project
from minbuild.project.stages import Stage, load_staircase
from minbuild.rust.candidates import rustup
from tests.conftest import REPO
from tests.unit.helpers import HOST, crate, toolchain

PROJECT = load_project(REPO / "config" / "demo.yaml")
STAGES = {stage.name: stage for stage in load_staircase(PROJECT)}
TARGET_DIR = Path("/state/target")
BIN = Artifact("bin", "tinyvm")
PREFIX = "CARGO_PROFILE_MINBUILD_"


def invocation(name: str) -> Invocation:
    return build_invocation(STAGES[name], crate(), BIN, toolchain(), TARGET_DIR)


def profile_env(name: str) -> dict[str, str]:
    return {
        k.removeprefix(PREFIX): v for k, v in invocation(name).env.items() if k.startswith(PREFIX)
    }


def test_debug_starts_from_dev_and_release_from_release() -> None:
    assert profile_env("debug") == {"INHERITS": "dev"}
    assert profile_env("release") == {"INHERITS": "release"}


def test_every_stage_shares_one_profile_and_target_dir() -> None:
    for name in STAGES:
        argv, env = invocation(name).argv, invocation(name).env
        assert argv[argv.index("--profile") + 1] == "minbuild"
        assert argv[argv.index("--target-dir") + 1] == str(TARGET_DIR)
        assert "CARGO_TARGET_DIR" not in env  # sccache would key every unit by it


def test_no_default_features_keeps_only_the_minimal_set() -> None:
    argv = invocation("no-default-features").argv
    assert "--no-default-features" in argv
    assert argv[argv.index("--features") + 1] == "run"
    assert "--no-default-features" not in invocation("release").argv


def test_disable_logging_adds_its_feature() -> None:
    argv = invocation("disable-logging").argv
    assert argv[argv.index("--features") + 1] == "run,disable-logging"


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("opt-level-s", {"OPT_LEVEL": "s"}),
        ("panic-abort", {"OPT_LEVEL": "s", "PANIC": "abort"}),
        ("lto", {"OPT_LEVEL": "s", "PANIC": "abort", "LTO": "true"}),
        (
            "codegen-units-1",
            {"OPT_LEVEL": "s", "PANIC": "abort", "LTO": "true", "CODEGEN_UNITS": "1"},
        ),
        (
            "strip-debuginfo",
            {
                "OPT_LEVEL": "s",
                "PANIC": "abort",
                "LTO": "true",
                "CODEGEN_UNITS": "1",
                "STRIP": "debuginfo",
            },
        ),
    ],
)
def test_profile_settings_are_cumulative_as_in_the_reference(
    stage: str, expected: dict[str, str]
) -> None:
    assert profile_env(stage) == {"INHERITS": "release", **expected}


def test_location_detail_is_a_rustflag_and_stays() -> None:
    assert "RUSTFLAGS" not in invocation("strip-debuginfo").env
    for name in ("location-detail", "build-std", "panic-immediate-abort"):
        assert invocation(name).env["RUSTFLAGS"] == "-Zlocation-detail=none"


def test_build_std_targets_the_host_and_takes_std_deps_from_the_vendor_dir() -> None:
    argv = list(invocation("build-std").argv)
    assert argv[argv.index("--target") + 1] == HOST
    assert argv[argv.index("-Z") + 1] == "build-std=std,panic_abort"
    assert "--offline" in argv
    vendor = 'source.minbuild-std-vendor.directory="/usr/lib/rustlib/src/rust/library/vendor"'
    assert f"--config={vendor}" in argv
    assert '--config=source.crates-io.replace-with="minbuild-std-vendor"' in argv
    assert not any(arg.startswith("build-std-features") for arg in argv)


def test_build_std_features_is_empty() -> None:
    argv = invocation("build-std-features").argv
    assert "build-std-features=" in argv


def test_panic_immediate_abort_needs_profile_value_and_cargo_flag() -> None:
    inv = invocation("panic-immediate-abort")
    assert inv.env[PREFIX + "PANIC"] == "immediate-abort"
    pairs = list(zip(inv.argv, inv.argv[1:], strict=False))
    assert ("-Z", "panic-immediate-abort") in pairs
    assert "build-std=std,panic_abort" in inv.argv and "build-std-features=" in inv.argv


def test_toolchain_environment_is_part_of_every_stage() -> None:
    env = invocation("release").env
    assert env["RUSTC"] == "/usr/bin/rustc" and env["RUSTC_BOOTSTRAP"] == "1"
    assert invocation("release").argv[0] == "/usr/bin/cargo"


def test_rustup_toolchains_use_the_plus_syntax() -> None:
    stage: Stage = STAGES["release"]
    inv = build_invocation(stage, crate(), BIN, toolchain(rustup("nightly")), TARGET_DIR)
    assert inv.argv[:3] == ("cargo", "+nightly", "build")
    assert "RUSTC" not in inv.env


def test_shell_line_is_pasteable() -> None:
    inv = invocation("build-std")
    words = shlex.split(inv.shell())
    assignments = dict(word.split("=", 1) for word in words[: len(inv.env)])
    assert assignments == dict(inv.env)
    assert tuple(words[len(inv.env) :]) == inv.argv


def test_a_dependency_feature_makes_a_stage_differ_from_the_one_before() -> None:
    """sniffglue's disable-logging adds only log/max_level_off: the crate's own feature set is
    unchanged, but the build is not the same (its size fell 40 KB), so no 'same settings'."""
    import dataclasses

    from minbuild.engine.execute import settings_key
    from minbuild.engine.invocations import Build
    from minbuild.runs.records import StageRecord

    before = STAGES["no-default-features"]
    after = dataclasses.replace(before, name="disable-logging", features=("log/max_level_off",))
    keys = []
    for stage in (before, after):
        build = Build(stage, None, crate(), BIN, invocation("no-default-features"))
        record = StageRecord(stage.name, "", "ok", effective_profile={"opt-level": 3})
        keys.append(settings_key(build, record))
    assert keys[0] != keys[1]
