"""The demo's runtime library on a custom platform, as Wasmtime's examples/min-platform builds
one (issue 26's route, by hand until `cross-build` takes a target spec): a target Rust does not
know (demo/crates/tvm-wasm/platform/x86_64-tinyvm-none.json), `core` and `alloc` rebuilt for it
(std has no fallback for an unknown OS in this toolchain), the static library linked into a
`.so` that keeps only the C ABI, and a host that loads the platform's C functions first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

DEMO = REPO / "demo"
PLATFORM = DEMO / "crates" / "tvm-wasm" / "platform"
SPEC = PLATFORM / "x86_64-tinyvm-none.json"
VENDOR = "/usr/lib/rustlib/src/rust/library/vendor"  # std's own dependencies, offline
PROGRAMS = ("fib", "hello", "factorial", "primes", "collatz", "divzero", "panic")


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv, cwd=DEMO, env={**os.environ, **env}, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{argv}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done


def test_the_library_runs_bytecode_through_the_hosts_platform(
    buildstd: None, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    run(
        [
            "/usr/bin/cargo", "build", "--release", "-p", "tvm-wasm",
            "--no-default-features", "--features", "run",
            "-Z", "build-std=core,alloc", "-Z", "json-target-spec", "--target", str(SPEC),
            "--target-dir", str(target), "--offline",
            "--config", 'source.crates-io.replace-with="vstd"',
            "--config", f'source.vstd.directory="{VENDOR}"',
        ],
        CARGO_TARGET_X86_64_TINYVM_NONE_RUSTFLAGS="--cfg tinyvm_platform",
        RUSTC="/usr/bin/rustc",
        RUSTDOC="/usr/bin/rustdoc",
        RUSTC_BOOTSTRAP="1",
    )  # fmt: skip
    built = target / "x86_64-tinyvm-none" / "release"
    archive, library = built / "libtvm_wasm.a", tmp_path / "libtvm_wasm.so"
    exports = f"-Wl,--version-script={PLATFORM / 'exports.map'}"
    run(
        [
            "cc", "-shared", "-Wl,--gc-sections", exports,
            "-Wl,--whole-archive", str(archive), "-Wl,--no-whole-archive", "-o", str(library),
        ]
    )  # fmt: skip
    platform = tmp_path / "libtvm-platform.so"
    run(["cc", "-shared", "-fPIC", "-O2", "-o", str(platform), str(PLATFORM / "tvm-platform.c")])
    # Bytecode from a host build that has the assembler: the platform only runs it.
    run(["/usr/bin/cargo", "build", "--target-dir", str(target), "--offline"])
    bytecode = tmp_path / "bytecode"
    bytecode.mkdir()
    for name in PROGRAMS:
        tinyvm = str(target / "debug" / "tinyvm")
        run([tinyvm, "compile", f"programs/{name}.tvm", "-o", str(bytecode / f"{name}.tvmb")])

    checked = subprocess.run(
        [sys.executable, str(PLATFORM / "check.py"), str(platform), str(library), str(bytecode)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert lines[-1] == "passed: libtvm_wasm.so on libtvm-platform.so"
    assert sum(line.startswith("ok ") for line in lines) == len(PROGRAMS) + 3  # + version, 2 bad
    assert any("panic: aborts" in line for line in lines)  # through tvm_platform_abort

    exported = run(["nm", "-D", "--defined-only", str(library)]).stdout.split()
    assert {"tvm_alloc", "tvm_run", "tvm_version"} <= set(exported)
    assert not [name for name in exported if name.startswith(("_ZN", "__rust"))]  # the C ABI only
    undefined = run(["nm", "-D", "--undefined-only", str(library)]).stdout
    assert "tvm_platform_alloc" in undefined and "tvm_platform_abort" in undefined
    # what survives the link is a small part of the archive (core, alloc, compiler_builtins)
    assert library.stat().st_size < archive.stat().st_size / 5
