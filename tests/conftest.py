"""Test tiers by directory, and the guards that keep each tier honest.

unit/        pure Python: the command runner is disabled, so nothing can spawn a build
system/      spawns ordinary processes (the command runner itself, the CLI)
corpus/      hostile inputs through the CLI (`process`; the few that build hello: `cargo`)
integration/ builds tests/crates/hello with real cargo (tier `cargo`, some `nightly`)
cross/       builds tests/crates/hello for foreign targets, run under qemu / Wasmtime (`cross`)
e2e/         the demo staircase including build-std (tier `buildstd`: Debian's rustc-web)
realcrates/  real crates from Debian's registry (hexyl, sniffglue) prepared as a user would,
             taken through init, the whole staircase and cross targets (`realcrates`)

A tier whose tools are missing is skipped locally, but fails when CI=true: CI installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from minbuild.util import command

REPO = Path(__file__).resolve().parent.parent
TIERS = {
    "unit": "unit",
    "system": "process",
    "corpus": "process",
    "integration": "cargo",
    "cross": "cross",
    "e2e": "buildstd",
    "realcrates": "realcrates",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = Path(str(item.fspath)).relative_to(REPO / "tests").parts[0]
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, TIERS[tier]))


@pytest.fixture(autouse=True)
def _no_processes_in_unit_tests(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("unit"):

        def refuse(argv: list[str], *args: object) -> None:
            raise AssertionError(f"a unit test tried to run a process: {argv}")

        monkeypatch.setattr(command, "_spawn", refuse)


def require(condition: bool, why: str) -> None:
    """Skip when a tool is missing, except in CI, where missing tools are a failure."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {why}; .ci/run must install it")
    pytest.skip(why)


def run_minbuild(
    *args: str, cwd: Path = REPO, timeout: float = 600, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m minbuild ARGS` as a user runs it: its own process, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "minbuild", *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def debian_toolchain_available() -> bool:
    library = Path("/usr/lib/rustlib/src/rust/library/std/Cargo.toml")
    return Path("/usr/bin/cargo").is_file() and library.is_file()


@pytest.fixture(scope="session")
def cargo_available() -> None:
    require(shutil.which("cargo") is not None, "cargo is not installed")


@pytest.fixture(scope="session")
def shared_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One minbuild state dir (and so one cargo target dir) for the whole test session."""
    yield tmp_path_factory.mktemp("minbuild-state")


def cross_targets_available(triples: list[str]) -> tuple[bool, str]:
    """Whether these targets' linkers, runners and files are all here, and what is missing."""
    from minbuild.project.config import bundled
    from minbuild.project.targets import load_targets, select

    chosen = select(load_targets(bundled("targets.yaml")), triples)
    missing = [f"{t.triple}: {', '.join(t.missing())}" for t in chosen if t.missing()]
    return not missing and debian_toolchain_available(), "; ".join(missing) or "rustc-web"
