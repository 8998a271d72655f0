"""A real cross build of tests/crates/hello for aarch64 (qemu-user) and wasm32-wasip1 (Wasmtime)."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.runs.progress import Silent
from minbuild.runs.records import RunRecord
from tests.conftest import REPO, CrossTools, min_build

HELLO = REPO / "tests" / "crates" / "hello"
TARGETS = ["aarch64-unknown-linux-gnu", "wasm32-wasip1"]


def cross_build(state: Path, config: Path, parallel: int = 1) -> RunRecord:
    options = BuildOptions(
        config=config,
        state_dir=state,
        cross=True,
        targets=tuple(TARGETS),
        stages=("lto",),
        parallel=parallel,
    )
    return min_build(options, Silent())[0]


@pytest.fixture(scope="module")
def hello_run(cross_tools: CrossTools, shared_state: Path) -> RunRecord:
    cross_tools(TARGETS)
    return cross_build(shared_state, HELLO / "minbuild.yaml")


def test_both_targets_build_and_pass_under_their_runners(hello_run: RunRecord) -> None:
    by_target = {stage.target: stage for stage in hello_run.stages}
    assert list(by_target) == TARGETS
    for triple, stage in by_target.items():
        assert stage.status == "ok", f"{triple}: {stage.reason}"
        assert stage.tests_passed == stage.tests_run >= 2
        assert stage.command[stage.command.index("--target") + 1] == triple
    assert by_target["aarch64-unknown-linux-gnu"].runner[0] == "qemu-aarch64"
    aborts = {t.name: t.status for t in by_target["aarch64-unknown-linux-gnu"].tests}
    assert aborts["panic-aborts"] == "passed"  # SIGABRT travels through qemu
    assert (by_target["wasm32-wasip1"].artifact or "").endswith(".wasm")


def test_a_wasm_module_is_taken_apart_by_section_and_function(hello_run: RunRecord) -> None:
    stage = next(s for s in hello_run.stages if s.target == "wasm32-wasip1")
    parts = stage.composition
    assert parts is not None, stage.composition_error
    assert parts.format == "wasm" and parts.code_section == "code"
    sections = {s.name: s for s in parts.sections}
    assert sections["code"].loaded and sections["code"].size == parts.code_size
    assert {"type", "import", "data"} <= set(sections)
    # the name section names the functions: code by crate, hello's own among them
    assert parts.symbol_source == "name section"
    crates = {c.name: c.origin for c in parts.crates}
    assert crates["hello"] == "crate" and crates["core"] == "std"
    assert parts.attributed >= 0.95 * parts.code_size
    arm = next(s for s in hello_run.stages if s.target == "aarch64-unknown-linux-gnu")
    assert arm.composition and arm.composition.format == "elf"


def test_a_hanging_foreign_binary_is_killed_and_the_other_target_still_passes(
    cross_tools: CrossTools, shared_state: Path, tmp_path: Path
) -> None:
    cross_tools(TARGETS)
    config = tmp_path / "hello.yaml"
    config.write_text(
        (HELLO / "minbuild.yaml")
        .read_text()
        .replace("manifest: Cargo.toml", f"manifest: {HELLO / 'Cargo.toml'}")
        + (
            '  - {name: hangs, argv: ["{binary}", hang], timeout: 2,\n'
            "     targets: [aarch64-unknown-linux-gnu]}\n"
        )
    )
    run = cross_build(shared_state, config, parallel=2)
    by_target = {stage.target: stage for stage in run.stages}
    arm = by_target["aarch64-unknown-linux-gnu"]
    hang = next(t for t in arm.tests if t.name == "hangs")
    assert arm.status == "failed" and hang.reason == "killed after 2s timeout"
    assert by_target["wasm32-wasip1"].status == "ok"
