"""build-std with the crate's own dependencies: tests/crates/vendored takes `tinydep` (and,
with its `extra` feature, `tinyextra`) from a directory source its .cargo/config.toml puts in
place of crates.io. Offline build-std replaces crates.io with std's vendored copy, so minbuild
must give cargo one source holding both."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO, run_minbuild

VENDORED = REPO / "tests" / "crates" / "vendored"


def test_init_then_build_std_finds_both_std_and_crate_dependencies(
    buildstd: None, tmp_path: Path
) -> None:
    state, config = tmp_path / "state", tmp_path / "minbuild.yaml"
    manifest = VENDORED / "Cargo.toml"
    made = run_minbuild(
        "init",
        "--manifest-path",
        str(manifest),
        "--output",
        str(config),
        "--state-dir",
        str(state),
        cwd=tmp_path,
        timeout=1200,
    )
    assert made.returncode == 0, made.stderr
    assert "stdout_regex: ^vendored\\b" in config.read_text()
    built = run_minbuild(
        "min-build",
        "--config",
        str(config),
        "--stage",
        "build-std",
        "--stage",
        "panic-immediate-abort",
        "--state-dir",
        str(state),
        cwd=tmp_path,
        timeout=1200,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (run_path,) = (state / "runs").glob("*.json")
    stages = json.loads(run_path.read_text())["stages"]
    for stage in stages:
        assert stage["status"] == "ok" and stage["tests"][0]["status"] == "passed"
    farm = Path(stages[0]["shell"].split('minbuild-std-vendor.directory="')[1].split('"')[0])
    assert farm.parent == state / "sources"
    assert (farm / "tinydep-0.1.0").is_symlink()
    # optional, off in every stage, yet cargo's lockfile resolution asks the source for it
    assert (farm / "tinyextra-0.1.0").is_symlink()
    assert sum(1 for _ in farm.iterdir()) > 1  # std's dependencies too
