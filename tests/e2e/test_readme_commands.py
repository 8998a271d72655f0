"""The README's command lines as a newcomer runs them, in a fresh venv: the quick start's
install line, then `minbuild`, `cargo minbuild`, every `invoke` task, `invoke size-report`
on a run, and "Your own crate"'s `minbuild init` in a copy of a crate (the README's
`min-build` there, cut to one stage: the e2e staircase tests take the demo down all of them)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text()
HELLO = REPO / "tests" / "crates" / "hello"


def block_after(heading: str) -> list[str]:
    """The command lines of the first ```sh block after `heading`, comments cut."""
    section = README[README.index(heading) :]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found, f"no sh block after {heading}"
    return [line.split("  #")[0].strip() for line in found.group(1).splitlines() if line.strip()]


class Fresh:
    """A venv of its own, its bin first on PATH."""

    def __init__(self, root: Path) -> None:
        venv.create(root, with_pip=True)
        self.bin = root / "bin"
        self.env = {**os.environ, "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}
        self.env.pop("VIRTUAL_ENV", None)

    def run(self, line: str, cwd: Path, timeout: float = 900) -> str:
        argv = shlex.split(line)
        if argv[0] == "python3":
            argv[0] = str(self.bin / "python3")
        done = subprocess.run(
            argv, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"$ {line}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr


@pytest.fixture(scope="module")
def fresh(cargo: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    """The quick start's install line (before its `&&`), run in a fresh venv."""
    install = block_after("## Quick start")[0].split("&&")[0].strip()
    assert install.startswith("python3 -m pip install") and "-e ." in install
    made = Fresh(tmp_path_factory.mktemp("fresh-venv"))
    made.run(install, cwd=REPO)
    yield made


def test_after_the_install_line_minbuild_and_cargo_minbuild_work_from_anywhere(
    fresh: Fresh, tmp_path: Path
) -> None:
    assert shutil.which("minbuild", path=fresh.env["PATH"]) == str(fresh.bin / "minbuild")
    assert fresh.run("minbuild --version", cwd=tmp_path).startswith("minbuild ")
    assert fresh.run("cargo minbuild --version", cwd=tmp_path).startswith("minbuild ")


def test_every_invoke_task_and_invoke_size_report_work(fresh: Fresh, tmp_path: Path) -> None:
    listed = fresh.run("invoke --list", cwd=REPO)
    tasks = re.findall(r"^  (\S+)", listed, re.M)
    assert {"size-report", "optimize", "setup", "plan"} <= set(tasks)
    for name in tasks:
        assert "Usage: inv[oke] [--core-opts] " + name in fresh.run(f"invoke --help {name}", REPO)
    state = tmp_path / "state"
    fresh.run(f"minbuild min-build --config demo --stage release --state-dir {state}", tmp_path)
    report = fresh.run(f"invoke size-report --state-dir {state}", cwd=REPO)
    assert "release" in report and "tinyvm 0.3.0" in report


def test_your_own_crate_in_its_commands(fresh: Fresh, tmp_path: Path) -> None:
    lines = block_after("## Your own crate")
    assert lines[0].startswith("cd ") and lines[1] == "minbuild init"
    crate = tmp_path / "crate"
    shutil.copytree(HELLO, crate, ignore=shutil.ignore_patterns("target", "minbuild.yaml"))
    fresh.run("minbuild init", cwd=crate)
    assert (crate / "minbuild.yaml").is_file()
    assert lines[2].startswith("minbuild min-build")
    built = fresh.run("cargo minbuild min-build --stage release --state-dir st", cwd=crate)
    assert "release" in built and "ok" in built
