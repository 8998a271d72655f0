"""Planning cross builds: flags and environment per target, library artifacts, skips."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import pytest

from minbuild.engine import cross
from minbuild.engine.invocations import Build
from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.rust import cargo
from minbuild.rust.cargo import CargoTarget
from minbuild.rust.toolchains import Resolution
from tests.conftest import REPO
from tests.unit.helpers import crate, toolchain

PROJECT = load_project(REPO / "config" / "demo.yaml")
STAGES = {stage.name: stage for stage in load_staircase(PROJECT)}
LIBRARY = dataclasses.replace(
    crate(),
    name="tvm-wasm",
    targets=(CargoTarget("tvm_wasm", ("cdylib",), ("cdylib",)),),
    manifest=REPO / "demo" / "crates" / "tvm-wasm" / "Cargo.toml",
)


@pytest.fixture(autouse=True)
def machine_has_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minbuild.project.targets.Target.missing", lambda self: [])
    monkeypatch.setattr(cargo, "read_crate", lambda *args: LIBRARY)


def plan(stage_names: list[str], targets: list[str]) -> list[Build]:
    chosen = [STAGES[name] for name in stage_names]
    resolution = Resolution(toolchain(), {})
    return list(
        cross.builds(PROJECT, crate(), chosen, resolution, targets, REPO / ".minbuild-test-state")
    )


def pairs(build: Build) -> list[tuple[str, str]]:
    argv = build.invocation.argv
    return list(itertools.pairwise(argv))


def test_every_stage_builds_std_for_the_target() -> None:
    (release,) = plan(["release"], ["aarch64-unknown-linux-gnu"])
    assert ("--target", "aarch64-unknown-linux-gnu") in pairs(release)
    assert ("-Z", "build-std=std,panic_abort") in pairs(release)
    assert "build-std-features=" not in release.invocation.argv


def test_linker_runner_and_own_target_dir() -> None:
    (build,) = plan(["lto"], ["armv7-unknown-linux-gnueabihf"])
    env = build.invocation.env
    assert env["CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER"] == "arm-linux-gnueabihf-gcc"
    argv = build.invocation.argv
    assert argv[argv.index("--target-dir") + 1].endswith("cross/armv7-unknown-linux-gnueabihf")
    assert build.runner == ("qemu-arm", "-L", "/usr/arm-linux-gnueabihf")
    assert build.label == "lto @ armv7-unknown-linux-gnueabihf"


def test_target_rustflags_join_the_stages_because_rustflags_outrank_them() -> None:
    (musl,) = plan(["panic-immediate-abort"], ["x86_64-unknown-linux-musl"])
    assert musl.invocation.env["RUSTFLAGS"] == (
        "-Zlocation-detail=none -C link-self-contained=no -L /usr/lib/llvm-14/lib "
        "-C relocation-model=static"
    )


def test_a_cdylib_target_builds_the_library_package() -> None:
    (wasm,) = plan(["panic-immediate-abort"], ["wasm32-unknown-unknown"])
    assert wasm.artifact.kind == "cdylib" and wasm.crate.name == "tvm-wasm"
    assert ("--package", "tvm-wasm") in pairs(wasm) and "--lib" in wasm.invocation.argv
    assert wasm.skip is None


def test_a_target_without_its_tools_is_skipped_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("minbuild.project.targets.Target.missing", lambda self: ["qemu-riscv64"])
    builds = plan(["lto", "panic-immediate-abort"], ["riscv64gc-unknown-linux-gnu"])
    for build in builds:
        assert build.skip == (
            "target riscv64gc-unknown-linux-gnu needs qemu-riscv64; install with: apt-get "
            "install -y --no-install-recommends gcc-riscv64-linux-gnu libc6-dev-riscv64-cross "
            "qemu-user"
        )


def test_a_project_without_a_library_package_skips_cdylib_targets() -> None:
    project = dataclasses.replace(PROJECT, libraries={})
    (wasm,) = cross.builds(
        project,
        crate(),
        [STAGES["lto"]],
        Resolution(toolchain(), {}),
        ["wasm32-unknown-unknown"],
        REPO,
    )
    assert wasm.skip is not None and "set crate.cdylib.package" in wasm.skip


def test_cross_stages_need_build_std() -> None:
    (release,) = cross.needing_build_std([STAGES["release"]])
    assert "build-std" in release.needs and "build-std" not in STAGES["release"].needs


def test_missing_fixtures_are_made_first_by_the_first_host_stage_that_can(tmp_path: Path) -> None:
    from minbuild.engine.planner import _fixture_makers

    staircase = list(STAGES.values())
    (maker,) = _fixture_makers(PROJECT, crate(), staircase, toolchain(), tmp_path)
    assert maker.stage.name == "debug" and maker.target is None  # has `compile`
    store = tmp_path / "fixtures"
    store.mkdir()
    for fixture in PROJECT.fixtures:
        (store / fixture.name).write_text("bytecode")
        made = {"stage": "release", "argv": list(fixture.argv)}
        (store / f"{fixture.name}.made-by.json").write_text(json.dumps(made))
    assert _fixture_makers(PROJECT, crate(), staircase, toolchain(), tmp_path) == ()
    # one made by another command than the project file's now is made again
    first = PROJECT.fixtures[0]
    made = {"stage": "release", "argv": [*first.argv, "--old-flag"]}
    (store / f"{first.name}.made-by.json").write_text(json.dumps(made))
    (again,) = _fixture_makers(PROJECT, crate(), staircase, toolchain(), tmp_path)
    assert again.stage.name == "debug"


def test_a_fixture_that_runs_no_artifact_needs_no_host_build(tmp_path: Path) -> None:
    from minbuild.engine.planner import _fixture_makers
    from minbuild.engine.stagerun import fixtures_made_by

    own_compiler = dataclasses.replace(
        PROJECT.fixtures[0], argv=("cargo", "run", "--", "{output}"), needs_features=()
    )
    project = dataclasses.replace(PROJECT, fixtures=(own_compiler,))
    staircase = list(STAGES.values())
    assert _fixture_makers(project, crate(), staircase, toolchain(), tmp_path) == ()
    (host,) = _fixture_makers(PROJECT, crate(), staircase, toolchain(), tmp_path)
    assert fixtures_made_by(PROJECT, host)  # the demo's fixtures run the artifact
    assert fixtures_made_by(project, host) == ()  # a stage's tests make it when they need it
