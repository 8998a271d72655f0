"""A custom target whose std this toolchain cannot build: the probe builds std for it once,
says why in one line and what to do instead, and keeps the answer (Debian's rustc 1.96 has
no fallback in std for an OS it does not know, even with RUSTC_BOOTSTRAP_SYNTHETIC_TARGET)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from minbuild.project.targets import load_targets
from minbuild.rust import candidates, targetspec, toolchains
from tests.conftest import REPO


def test_std_for_the_demos_platform_is_probed_once_with_its_reason(
    buildstd: None, tmp_path: Path
) -> None:
    platform = load_targets(REPO / "config" / "demo-targets.yaml")[-1]
    with_std = dataclasses.replace(
        platform, build_std=None, env={"RUSTC_BOOTSTRAP_SYNTHETIC_TARGET": "1"}
    )
    debian = toolchains.probe(candidates.DEBIAN)
    heard: list[str] = []
    reason = targetspec.problem(with_std, debian, tmp_path, say=heard.append)
    assert heard and "building it once" in heard[0]
    if debian.release != "1.96.0":  # a newer std may have a fallback: then it built
        assert reason is None or "does not build for it" in reason
        return
    assert reason is not None and "\n" not in reason
    assert reason.startswith("target x86_64-tinyvm-none: std,panic_abort does not build")
    assert "cfg_select" in reason and "library/std/src/sys/" in reason
    assert "build_std: [core, alloc]" in reason
    started = time.monotonic()
    assert targetspec.problem(with_std, debian, tmp_path) == reason
    assert time.monotonic() - started < 5  # kept: std is not built again
    # The no_std route needs no std probe, and rustc reads the spec.
    assert targetspec.problem(platform, debian, tmp_path) is None
