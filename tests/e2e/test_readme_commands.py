"""The README's quick start as a newcomer runs it, in a fresh venv: its install line, then
`minbuild` and `cargo minbuild` from anywhere, every `invoke` task, and `invoke size-report` on
a run. "Your own crate"'s lines run on a real crate (tests/realcrates/test_readme_own_crate.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import REPO
from tests.readme import Fresh


def test_after_the_install_line_minbuild_and_cargo_minbuild_work_from_anywhere(
    fresh_venv: Fresh, tmp_path: Path
) -> None:
    assert shutil.which("minbuild", path=fresh_venv.env["PATH"]) == str(fresh_venv.bin / "minbuild")
    assert fresh_venv.run("minbuild --version", cwd=tmp_path).startswith("minbuild ")
    assert fresh_venv.run("cargo minbuild --version", cwd=tmp_path).startswith("minbuild ")


def test_every_invoke_task_and_invoke_size_report_work(fresh_venv: Fresh, tmp_path: Path) -> None:
    listed = fresh_venv.run("invoke --list", cwd=REPO)
    tasks = re.findall(r"^  (\S+)", listed, re.M)
    assert {"size-report", "optimize", "setup", "plan"} <= set(tasks)
    for name in tasks:
        assert "Usage: inv[oke] [--core-opts] " + name in fresh_venv.run(
            f"invoke --help {name}", REPO
        )
    state = tmp_path / "state"
    fresh_venv.run(
        f"minbuild min-build --config demo --stage release --state-dir {state}", tmp_path
    )
    report = fresh_venv.run(f"invoke size-report --state-dir {state}", cwd=REPO)
    assert "release" in report and "tinyvm 0.3.0" in report
