"""Objects unit tests build by hand instead of asking real tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minbuild.commands import size_report as size_report_command
from minbuild.commands.outcome import Outcome
from minbuild.project.config import TestSpec
from minbuild.runs.progress import Silent
from minbuild.rust.candidates import DEBIAN, Candidate
from minbuild.rust.cargo import CargoTarget, Crate
from minbuild.rust.toolchains import Toolchain

HOST = "x86_64-unknown-linux-gnu"


def toolchain(
    candidate: Candidate = DEBIAN,
    *,
    source: bool = True,
    cargo_z: tuple[str, ...] = ("build-std", "build-std-features", "panic-immediate-abort"),
    rustc_z: tuple[str, ...] = ("location-detail", "fmt-debug"),
) -> Toolchain:
    library = Path("/usr/lib/rustlib/src/rust/library")
    return Toolchain(
        candidate,
        "1.96.0",
        "ac68faa20c58",
        HOST,
        library if source else None,
        library / "vendor" if source else None,
        frozenset(cargo_z),
        frozenset(rustc_z),
    )


def crate(profiles: dict[str, Any] | None = None) -> Crate:
    return Crate(
        name="tinyvm",
        version="0.3.0",
        manifest=Path("/demo/Cargo.toml"),
        workspace_root=Path("/demo"),
        features={
            "default": ("compile", "run", "logging"),
            "compile": ("dep:tvm-asm",),
            "run": ("tvm-core/run",),
            "logging": ("minilog/std-logger",),
            "disable-logging": ("minilog/max_level_off",),
            "tvm-asm": ("dep:tvm-asm",),
            "everything": ("run", "compile"),
        },
        targets=(CargoTarget("tinyvm", ("bin",), ("bin",)),),
        dependencies=("minilog", "tvm-core", "tvm-asm"),
        profiles=profiles or {},
    )


def size_report(options: size_report_command.Options) -> Outcome:
    """size-report's run, as the CLI runs it but silent."""
    return size_report_command.run(options, Silent())


def project_test(**fields: object) -> TestSpec:
    """A project-file test, these fields over plain defaults."""
    defaults: dict[str, object] = {
        "name": "t",
        "description": "",
        "argv": ("{binary}", "run", "{fixture:prog}"),
        "exit_code": 0,
        "stdout": None,
        "stdout_regex": None,
        "stdout_file": None,
        "needs_features": (),
        "unless_features": (),
        "stages": (),
        "kinds": ("bin",),
        "targets": (),
        "timeout": 5.0,
    }
    return TestSpec(**{**defaults, **fields})  # type: ignore[arg-type]
