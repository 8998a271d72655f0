"""A crate's dependencies resolved as cargo resolves them, online from crates.io through its
own Cargo.lock (tests/crates/online: a workspace member, itoa pinned below the newest 1.x),
which no stage rewrites; --locked and --offline as cargo's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_minbuild

ONLINE = REPO / "tests" / "crates" / "online"
pytestmark = pytest.mark.usefixtures("cargo")


def _copy(tmp_path: Path) -> Path:
    crate = tmp_path / "online"
    shutil.copytree(ONLINE, crate, ignore=shutil.ignore_patterns("target"))
    return crate


def _min_build(crate: Path, state: Path, *args: str) -> tuple[int, str, str]:
    result = run_minbuild(
        "min-build",
        "--config",
        str(crate / "app" / "minbuild.yaml"),
        "--state-dir",
        str(state),
        *args,
        cwd=crate,
    )
    return result.returncode, result.stdout, result.stderr


def test_every_stage_builds_from_the_committed_lock_and_none_rewrites_it(tmp_path: Path) -> None:
    crate = _copy(tmp_path)
    committed = (crate / "Cargo.lock").read_bytes()
    code, out, err = _min_build(crate, tmp_path / "state", "--stages", "debug,release")
    assert code == 0, err
    assert (crate / "Cargo.lock").read_bytes() == committed
    assert "Cargo.lock" not in out  # nothing to say: cargo left it as it was
    logs = "\n".join(p.read_text() for p in (tmp_path / "state" / "logs").rglob("*.log"))
    assert "Compiling itoa v1.0.9" in logs  # the lock's version, not the newest 1.x
    assert "--locked build" in "\n".join(
        p.read_text() for p in (tmp_path / "state" / "logs").rglob("*.log")
    )


def test_a_crate_without_a_lock_gets_one_written_once_and_the_run_says_so(tmp_path: Path) -> None:
    crate = _copy(tmp_path)
    (crate / "Cargo.lock").unlink()
    code, out, err = _min_build(crate, tmp_path / "state", "--stages", "debug")
    assert code == 0, err
    assert (crate / "Cargo.lock").is_file()
    assert f"wrote {crate / 'Cargo.lock'} as `cargo build` would" in out


def test_a_stale_lock_under_locked_is_one_line_exit_2_and_nothing_is_built(
    tmp_path: Path,
) -> None:
    crate = _copy(tmp_path)
    manifest = crate / "app" / "Cargo.toml"
    manifest.write_text(manifest.read_text() + 'memchr = "2"\n')
    committed = (crate / "Cargo.lock").read_bytes()
    code, _, err = _min_build(crate, tmp_path / "state", "--locked")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert f"{crate / 'Cargo.lock'} does not match {manifest}" in lines[0]
    assert "cargo update" in lines[0] and "nothing was built" in lines[0]
    assert (crate / "Cargo.lock").read_bytes() == committed
    assert not (tmp_path / "state" / "target").exists()
    assert not list((tmp_path / "state").glob("runs/*.json"))


def test_offline_without_the_downloaded_crate_names_it_in_one_line(tmp_path: Path) -> None:
    crate = _copy(tmp_path)
    env = {**os.environ, "CARGO_HOME": str(tmp_path / "empty-cargo-home")}
    result = run_minbuild(
        "min-build",
        "--config",
        str(crate / "app" / "minbuild.yaml"),
        "--state-dir",
        str(tmp_path / "state"),
        "--offline",
        cwd=crate,
        env=env,
    )
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "dependency `itoa` of app offline: run once online" in result.stderr
    assert not (tmp_path / "state" / "target").exists()
