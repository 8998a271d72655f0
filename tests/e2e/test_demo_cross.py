"""The demo's final stage for three of its foreign targets, every test under its runner:
riscv64 under qemu-user (the crate's own tests too), the library as wasm under Wasmtime, and its
custom platform. The other targets are built in CI by tests/cross/test_cross_hello.py (aarch64,
wasm32-wasip1) and the realcrates tier (armv7, hexyl's dependencies); all seven at once is
`nox -s cross-build`, by hand (about ten minutes on 2 cores)."""

from __future__ import annotations

import os
from pathlib import Path

from minbuild.commands.build_options import BuildOptions
from minbuild.project.targets import load_targets
from minbuild.runs.progress import Silent
from tests.conftest import REPO, CrossTools, min_build

TRIPLES = ["riscv64gc-unknown-linux-gnu", "wasm32-unknown-unknown", "x86_64-tinyvm-none"]


def test_three_kinds_of_target_build_and_pass(cross_tools: CrossTools, shared_state: Path) -> None:
    known = [target.triple for target in load_targets(REPO / "config" / "demo-targets.yaml")]
    assert set(TRIPLES) <= set(known), known
    triples = TRIPLES
    cross_tools(triples)  # and buildstd: the demo's final stage is build-std
    options = BuildOptions(
        config=REPO / "config" / "demo.yaml",
        state_dir=shared_state,
        cross=True,
        targets=tuple(triples),
        parallel=os.cpu_count() or 1,
    )
    run, _ = min_build(options, Silent())
    foreign = [stage for stage in run.stages if stage.target in triples]
    assert [stage.target for stage in foreign] == triples
    for stage in foreign:
        assert stage.name == "panic-immediate-abort"
        assert stage.status == "ok", f"{stage.target}: {stage.reason}"
        excused = [t.name for t in stage.tests if t.status == "failed" and t.expected]
        assert excused in ([], ["a_panic_names_its_code"]), stage.target
        assert stage.tests_run >= 4, stage.target
        assert stage.tests_passed == stage.tests_run - len(excused), stage.target
        own = [t for t in stage.tests if t.suite]  # the crate's own (cli.rs), or why not
        if stage.target and stage.target.startswith(("wasm", "x86_64-tinyvm")):  # no processes
            (why,) = own
            assert why.status == "skipped", why
            assert why.reason.startswith(f"not run for {stage.target}") or why.reason.endswith(
                "this build makes a cdylib"
            ), why
        else:
            assert sum(t.status == "passed" for t in own) >= 4, stage.target
    wasm, platform = foreign[-2:]
    assert wasm.artifact is not None and wasm.artifact.endswith("tvm_wasm.wasm")
    assert {t.name for t in wasm.tests if t.status == "passed"} >= {
        "lib-run-fib",
        "lib-panic-traps",
    }
    # The custom platform: the .a cargo made for x86_64-tinyvm-none.json, linked into a .so
    # that exports only the C ABI, every program run through the host's platform library.
    assert platform.target == "x86_64-tinyvm-none"
    assert platform.artifact is not None and platform.artifact.endswith("libtvm_wasm.so")
    assert {t.name for t in platform.tests if t.status == "passed"} >= {
        "lib-run-fib",
        "lib-run-primes",
        "lib-trap-divzero",
        "lib-panic-immediate-platform",  # a panic is ud2 there too: SIGILL
        "lib-version",
    }
    assert "--preload" in platform.runner and "build-std=core,alloc" in platform.command
    archive = platform.staticlib
    assert archive is not None and archive.effective_size_bytes, archive
    assert 0 < archive.effective_size_bytes < (platform.size_bytes or 0) < archive.size_bytes
    assert "tvm_set_output" not in archive.exports  # the demo's set has no custom-platform
    parts = platform.composition
    assert parts is not None and {"tvm_wasm", "tvm_core"} <= {
        c.name for c in parts.crates if c.origin == "crate"
    }
    assert "std" not in {c.name for c in parts.crates if c.size > 64}  # core and alloc only
