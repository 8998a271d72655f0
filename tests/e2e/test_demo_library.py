"""The staircase on the demo's C-ABI library: .so loaded with ctypes, .a raw and effective."""

from __future__ import annotations

from pathlib import Path

from minbuild.commands.build_options import BuildOptions
from minbuild.runs.progress import Silent
from tests.conftest import REPO, min_build

STAGES = ("release", "lto", "panic-immediate-abort")


def test_library_staircase(buildstd: None, shared_state: Path) -> None:
    options = BuildOptions(
        config=REPO / "config" / "demo-lib.yaml", stages=STAGES, state_dir=shared_state
    )
    run, _ = min_build(options, Silent())
    by_name = {stage.name: stage for stage in run.stages}
    for stage in run.stages:
        assert stage.status == "ok", f"{stage.name}: {stage.reason}"
        assert stage.tests_run >= 4 and stage.tests_passed == stage.tests_run
        assert (stage.artifact or "").endswith(".so")
        archive = stage.staticlib
        assert archive is not None and archive.effective_size_bytes is not None, stage.name
        assert 0 < archive.effective_size_bytes < archive.size_bytes, stage.name
    release, final = by_name["release"], by_name["panic-immediate-abort"]
    assert (final.size_bytes or 0) < (release.size_bytes or 0) / 4
    assert final.staticlib and release.staticlib
    assert (final.staticlib.effective_size_bytes or 0) < (
        release.staticlib.effective_size_bytes or 0
    )
    for stage in (release, final):  # the .so and the .a it also made, taken apart
        parts = stage.composition
        assert parts is not None and parts.format == "elf", stage.composition_error
        assert {"tvm_wasm", "tvm_core"} <= {c.name for c in parts.crates if c.origin == "crate"}
        members = stage.staticlib.composition if stage.staticlib else None
        assert members is not None and members.format == "archive", stage.name
        assert {"tvm_wasm", "core", "compiler_builtins"} <= {c.name for c in members.crates}
    passed = {t.name for t in release.tests if t.status == "passed"}
    assert {"eval-source", "run-fib", "trap-divzero"} <= passed
