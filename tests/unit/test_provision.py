"""What setup would install for the chosen targets (no process is started)."""

from __future__ import annotations

from minbuild.config import bundled
from minbuild.provision import needs
from minbuild.targets import load_targets, select
from minbuild.testing import TestContext


def test_needs_are_the_build_std_packages_plus_each_targets_without_repeats() -> None:
    every = load_targets(bundled("targets.yaml"))
    apt, pip = needs(select(every, ["aarch64-unknown-linux-gnu", "riscv64gc-unknown-linux-gnu"]))
    assert apt[:3] == ["rustc-web", "cargo-web", "rust-web-src"]
    assert apt.count("qemu-user") == 1 and "gcc-riscv64-linux-gnu" in apt
    assert pip == []
    assert needs(select(every, ["wasm32-wasip1", "wasm32-unknown-unknown"]))[1] == ["wasmtime"]
    assert needs(())[0] == ["rustc-web", "cargo-web", "rust-web-src"]


def test_commands_run_behind_the_targets_runner() -> None:
    from pathlib import Path

    context = TestContext(
        Path("/a/prog"),
        Path("/w"),
        Path("/c"),
        Path("/k"),
        {},
        ("qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"),
    )
    assert context.command(("{binary}", "run", "{workdir}/x")) == [
        "qemu-aarch64",
        "-L",
        "/usr/aarch64-linux-gnu",
        "/a/prog",
        "run",
        "/w/x",
    ]
