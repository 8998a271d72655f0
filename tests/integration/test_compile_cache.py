"""--cache sccache on a crate with a library (tests/crates/layouts: samename's lib is an rlib
sccache can cache; the bin that links it is not): a second state dir finds the lib in the
cache, and builds the same binary."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.engine import planner
from minbuild.report import table
from minbuild.runs.progress import Silent
from minbuild.runs.records import RunRecord
from tests.conftest import min_build, request_of
from tests.integration.test_layouts import project


def cached(config: Path, state: Path, cache_dir: Path) -> BuildOptions:
    return BuildOptions(
        config=config,
        stages=("release", "panic-abort"),
        state_dir=state,
        cache="sccache",
        cache_dir=cache_dir,
    )


def release(config: Path, state: Path, cache_dir: Path) -> RunRecord:
    return min_build(cached(config, state, cache_dir), Silent())[0]


@pytest.mark.usefixtures("sccache")
def test_a_fresh_state_dir_hits_the_cache_and_builds_the_same_binary(tmp_path: Path) -> None:
    config = project(tmp_path, "package: samename\nartifact: {kind: bin}")
    cold = release(config, tmp_path / "cold", tmp_path / "cache")
    warm = release(config, tmp_path / "warm", tmp_path / "cache")
    for before, after in zip(cold.stages, warm.stages, strict=True):
        assert before.status == after.status == "ok", (before.reason, after.reason)
        assert before.cache is not None and after.cache is not None
        assert (before.cache.hits, before.cache.misses) == (0, 1)  # samename's lib
        assert (after.cache.hits, after.cache.misses) == (1, 0)
        assert before.cache.not_cacheable >= 1  # the bin, which links
        assert after.sha256 == before.sha256
        assert after.env["RUSTC_WRAPPER"].endswith("sccache")
        assert "RUSTC_WRAPPER=" in after.shell
    assert "1/1 hit" in table.render(warm)
    # a run checks nothing: its first build showed that the toolchain builds the crate
    assert not (tmp_path / "warm" / "logs" / "toolchain-check").exists()
    # where the check runs (a dry run; a run whose first build failed), in a fresh state dir
    # as on a CI runner, it goes through the cache too
    planner.prepare(request_of(cached(config, tmp_path / "dry", tmp_path / "cache")))
    check_log = next((tmp_path / "dry" / "logs" / "toolchain-check").iterdir()).read_text()
    assert "RUSTC_WRAPPER=" in check_log.splitlines()[0]


@pytest.mark.usefixtures("sccache")
def test_read_only_takes_hits_and_writes_nothing(tmp_path: Path) -> None:
    config = project(tmp_path, "package: samename\nartifact: {kind: bin}")

    def run(state: str, cache: str, *, read_only: bool) -> RunRecord:
        options = dataclasses.replace(
            cached(config, tmp_path / state, tmp_path / cache), cache_read_only=read_only
        )
        return min_build(options, Silent())[0]

    def units(cache: str) -> list[Path]:
        return [p for p in (tmp_path / cache).rglob("*") if p.is_file() and p.stat().st_size]

    untouched = run("pull-request", "empty", read_only=True)
    assert [s.status for s in untouched.stages] == ["ok", "ok"]
    assert untouched.stages[0].env["SCCACHE_LOCAL_RW_MODE"] == "READ_ONLY"
    assert units("empty") == []  # a pull request's units never reach the cache
    run("main", "filled", read_only=False)
    stored = sorted(units("filled"))
    assert stored
    warm = run("pull-request-2", "filled", read_only=True)
    assert all(s.cache is not None and s.cache.hits == 1 for s in warm.stages)
    assert sorted(units("filled")) == stored
