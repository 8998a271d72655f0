"""The README's command lines, and a venv of their own to run them in (a newcomer's machine
has nothing that earlier sessions installed by hand)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


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


def fresh_venv(root: Path) -> Fresh:
    """The quick start's install line (before its `&&`), run in a fresh venv at `root`."""
    install = block_after("## Quick start")[0].split("&&")[0].strip()
    assert install.startswith("python3 -m pip install") and "-e ." in install
    made = Fresh(root)
    made.run(install, cwd=REPO)
    return made
