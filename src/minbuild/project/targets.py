"""Cross targets: what each needs to build and run, whether this machine has it, and the fix."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.project.config import ArtifactKind, Project, existing
from minbuild.util import distributions
from minbuild.util.errors import ConfigError
from minbuild.util.schemas import validated
from minbuild.util.text import did_you_mean, texts
from minbuild.util.yamlfile import load


@dataclass(frozen=True)
class Target:
    """A foreign target: how to link for it and how to run what it builds."""

    triple: str
    """The rustc target triple."""
    description: str
    """One line for people."""
    linker: str | None
    """Linker program, or None for rustc's default (rust-lld for wasm)."""
    rustflags: tuple[str, ...]
    """Flags added to RUSTFLAGS for this target."""
    packages: tuple[str, ...]
    """Debian packages that provide its linker, sysroot and runner."""
    pip: tuple[str, ...]
    """Python packages its runner needs."""
    requires: tuple[str, ...]
    """More files (absolute paths) or programs that must be present."""
    runner: tuple[str, ...]
    """argv prefix that runs an artifact; empty means it runs natively."""
    artifact: ArtifactKind
    """Which of the project's artifacts it builds: bin, cdylib or staticlib."""

    @property
    def env_key(self) -> str:
        """The triple as cargo spells it in CARGO_TARGET_<TRIPLE>_* variables."""
        return self.triple.upper().replace("-", "_").replace(".", "_")

    def runner_argv(self) -> list[str]:
        return [sys.executable if part == "{python}" else part for part in self.runner]

    def missing(self) -> list[str]:
        """What this machine lacks to build for and run this target (no process is started)."""
        wanted = [self.linker] if self.linker else []
        if self.runner and self.runner[0] != "{python}":
            wanted.append(self.runner[0])
        gone = [name for name in [*wanted, *self.requires] if not _present(name)]
        return gone + [
            f"python package {name}" for name in self.pip if not distributions.installed(name)
        ]

    def problem(self) -> str | None:
        """Why this machine cannot build for and run this target, with the fix; None if it can."""
        missing = self.missing()
        if not missing:
            return None
        return f"target {self.triple} needs {', '.join(missing)}; install with: {self.fix()}"

    def fix(self) -> str:
        """The commands that install what the target needs."""
        steps = []
        if self.packages:
            steps.append(f"apt-get install -y --no-install-recommends {' '.join(self.packages)}")
        if self.pip:
            steps.append(f"pip install {' '.join(self.pip)}")
        return " && ".join(steps) or "(nothing to install)"


def _present(name: str) -> bool:
    if name.startswith("/"):
        return Path(name).exists()  # False for a dangling link, like rust-lld before lld-22
    return shutil.which(name) is not None


def project_targets(project: Project) -> tuple[Target, ...]:
    """The targets of the project's targets file (the bundled one unless it names its own)."""
    return load_targets(existing(project, ("targets",), project.targets))


def load_targets(path: Path) -> tuple[Target, ...]:
    doc = load(path)
    data = validated(doc, "targets")
    found = []
    for index, spec in enumerate(data["targets"]):
        at = ("targets", index)
        for position, need in enumerate(texts(spec["requires"])):
            if "/" in need and not need.startswith("/"):
                raise doc.error((*at, "requires", position), "a file must be an absolute path")
        found.append(
            Target(
                triple=spec["triple"],
                description=spec["description"],
                linker=spec["linker"],
                rustflags=texts(spec["rustflags"]),
                packages=texts(spec["packages"]),
                pip=texts(spec["pip"]),
                requires=texts(spec["requires"]),
                runner=texts(spec["runner"]),
                artifact=spec["artifact"],
            )
        )
        if [t.triple for t in found].count(found[-1].triple) > 1:
            raise doc.error((*at, "triple"), f"duplicate target '{found[-1].triple}'")
    return tuple(found)


def select(targets: Sequence[Target], names: Sequence[str]) -> tuple[Target, ...]:
    """The targets --target names (repeatable), in the file's order; all if none is named."""
    known = [target.triple for target in targets]
    for name in names:
        if name not in known:
            raise ConfigError(
                f"--target: unknown target '{name}'{did_you_mean(name, known)} "
                f"(targets: {', '.join(known)})"
            )
    return tuple(t for t in targets if not names or t.triple in names)
