"""A machine without a linker: the stage fails saying which program is missing and what
installs it, the command exits 3 (a missing tool, not a broken crate), and doctor says so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

HELLO = REPO / "tests" / "crates" / "hello" / "minbuild.yaml"


def without_cc(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has cargo and rustc (rustup's proxies) and nothing else."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("cargo", "rustc"):
        found = shutil.which(name)
        assert found, name
        (tools / name).symlink_to(found)
    return {**os.environ, "PATH": str(tools)}


def minbuild(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "minbuild", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)


def test_no_cc_is_a_missing_tool_with_its_package(cargo: None, tmp_path: Path) -> None:
    env = without_cc(tmp_path)
    state = str(tmp_path / "state")
    built = minbuild(
        env, "min-build", "--config", str(HELLO), "--stages", "release,lto", "--state-dir", state
    )
    assert built.returncode == 3, built.stdout + built.stderr
    fix = "the linker cc; install with: apt-get install -y --no-install-recommends gcc"
    assert f"minbuild: this machine lacks {fix}" in built.stderr
    assert built.stdout.count("failed") >= 2  # every stage was tried and recorded
    assert "Traceback" not in built.stderr
    doctor = minbuild(env, "doctor", "--config", str(HELLO))
    assert doctor.returncode == 1
    (line,) = [ln for ln in doctor.stdout.splitlines() if "host linker" in ln]
    assert line.split()[0] == "NO" and "no cc on PATH" in line and "install with: apt-get" in line
    here = minbuild(os.environ.copy(), "doctor", "--config", str(HELLO)).stdout
    (line,) = [ln for ln in here.splitlines() if "host linker" in ln]
    assert line.split()[:4] == ["ok", "host", "linker", "cc:"]
