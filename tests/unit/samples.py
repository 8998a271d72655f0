"""Hand-made run records for tests of pure functions over records."""

from __future__ import annotations

import dataclasses

from minbuild.runs.composition import Composition, Section, Share
from minbuild.runs.records import RunRecord, StageRecord, StageStatus, TestResult

PASS = TestResult("run", "passed", 0.01, "ok")


def stage(
    name: str,
    size: int | None,
    status: StageStatus = "ok",
    inherits: str = "release",
    **extra: object,
) -> StageRecord:
    return StageRecord(
        name=name,
        description=f"{name} stage",
        status=status,
        toolchain={"name": "debian", "release": "1.96.0", "commit": "ac68faa20c58"},
        env={"CARGO_PROFILE_MINBUILD_INHERITS": inherits},
        shell=f"CARGO_PROFILE_MINBUILD_INHERITS={inherits} cargo build --profile minbuild"
        if status != "skipped"
        else "",
        size_bytes=size,
        sha256=f"sha-{name}" if size else None,
        build_seconds=1.5 if size else None,
        units_built=2 if size else None,
        units_fresh=0 if size else None,
        tests=(PASS, TestResult("skip", "skipped", 0.0, "", "not here")) if size else (),
        **extra,  # type: ignore[arg-type]
    )


def sample_run() -> RunRecord:
    return RunRecord(
        run_id="20261120T120000Z-abcd",
        started="2026-11-20T12:00:00+00:00",
        finished="2026-11-20T12:02:00+00:00",
        complete=True,
        host="x86_64-unknown-linux-gnu",
        crate={"name": "tinyvm", "version": "0.3.0", "git_commit": None},
        minbuild_version="0.1.0",
        config_hash="0" * 64,
        toolchain={"name": "debian", "release": "1.96.0", "commit": "ac68faa20c58"},
        stages=(
            stage("debug", 13_000_000, inherits="dev"),
            stage("release", 700_000),
            stage("opt-level-s", 710_000),
            stage("lto", 500_000),
            stage("strip", 500_000, same_settings_as="lto"),
            stage(
                "build-std",
                None,
                status="skipped",
                reason="toolchain stable has no std library source; enable it with: apt-get",
            ),
            stage(
                "broken",
                None,
                status="failed",
                reason="build failed (exit 101)",
                first_error="error[E0425]: cannot find value `x`",
            ),
        ),
    )


def later_run() -> RunRecord:
    """sample_run a commit later: one regression, one win, a new and a vanished stage."""
    run = sample_run()
    sizes = {"debug": 13_000_000, "release": 720_000, "opt-level-s": 705_000, "lto": 500_000}
    stages = [
        dataclasses.replace(s, size_bytes=sizes[s.name], sha256=f"new-{s.name}")
        for s in run.stages
        if s.name in sizes
    ]
    stages.append(stage("tiny", 120_000))
    return dataclasses.replace(
        run,
        run_id="20261121T120000Z-beef",
        started="2026-11-21T12:00:00+00:00",
        crate={**run.crate, "git_commit": "c0ffee" * 6},
        stages=tuple(stages),
    )


def composition(file_size: int, crates: dict[str, int], symbols: dict[str, int]) -> Composition:
    """An ELF artifact whose .text holds `crates` (the rest of the file is .rodata)."""
    code = sum(crates.values())
    return Composition(
        "elf",
        file_size,
        file_size,
        ".text",
        code,
        (Section(".text", code, True), Section(".rodata", file_size - code, True)),
        tuple(Share(name, size, origin="std") for name, size in crates.items()),
        tuple(Share(name, size, name.split("::")[0], "std") for name, size in symbols.items()),
        ".symtab",
    )


def composed_run() -> RunRecord:
    """sample_run with the compositions of release and lto: LTO shrank core and inlined
    tinyvm's helper into main."""
    parts = {
        "release": composition(
            700_000,
            {"core": 200_000, "std": 150_000, "tinyvm": 50_000},
            {"core::fmt::write": 9_000, "tinyvm::main": 1_000, "tinyvm::helper": 3_000},
        ),
        "lto": composition(
            500_000,
            {"core": 120_000, "std": 150_000, "tinyvm": 52_000},
            {"core::fmt::write": 8_000, "tinyvm::main": 4_500},
        ),
    }
    run = sample_run()
    stages = tuple(dataclasses.replace(s, composition=parts.get(s.name)) for s in run.stages)
    return dataclasses.replace(run, stages=stages)
