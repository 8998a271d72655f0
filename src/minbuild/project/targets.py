"""Cross targets: what each needs to build and run, whether this machine has it, and the fix."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from minbuild.project.config import ArtifactKind, Project, bundled, existing
from minbuild.util import distributions
from minbuild.util.errors import ConfigError
from minbuild.util.schemas import validated
from minbuild.util.text import did_you_mean, texts
from minbuild.util.yamlfile import Document, KeyPath, load

NAME = re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
"""A triple as the schema allows one (a spec file's stem must be one too)."""
PLATFORM = "{platform}"
"""In a runner's argv: the shared library built from the target's `platform` sources."""


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
    spec: Path | None = None
    """The target spec file (JSON) of a target Rust does not know; its stem is the triple."""
    build_std: tuple[str, ...] | None = None
    """What -Z build-std rebuilds for it (core and alloc for a no_std crate); None: the
    stage's own set, else std and panic_abort."""
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    """Variables its builds set (RUSTC_BOOTSTRAP_SYNTHETIC_TARGET=1: std's stubs)."""
    link: Literal["shared"] | None = None
    """shared: rustc links no cdylib for it, so its staticlib is linked into one by the
    linker (default cc), keeping only the project's staticlib exports."""
    platform: tuple[Path, ...] = ()
    """C sources of the platform's host side: built into the library {platform} names."""

    @property
    def env_key(self) -> str:
        """The triple as cargo spells it in CARGO_TARGET_<TRIPLE>_* variables."""
        return self.triple.upper().replace("-", "_").replace(".", "_")

    @property
    def cargo_target(self) -> str:
        """What --target takes: the triple, or the spec file's path."""
        return str(self.spec) if self.spec else self.triple

    @property
    def link_program(self) -> str:
        """What links the .so of a `link: shared` target."""
        return self.linker or "cc"

    def runner_argv(self, platform: Path | None = None) -> list[str]:
        """The runner's argv: {python} this interpreter, {platform} the built host library."""
        values = {"{python}": sys.executable, PLATFORM: str(platform or PLATFORM)}
        return [values.get(part, part) for part in self.runner]

    def missing(self) -> list[str]:
        """What this machine lacks to build for and run this target (no process is started)."""
        wanted = [self.linker] if self.linker else []
        if not self.linker and (self.link or self.platform):
            wanted.append(self.link_program)
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


def load_targets(path: Path, _seen: tuple[Path, ...] = ()) -> tuple[Target, ...]:
    """The file's targets, after those of the file it `extends` (the bundled one, or a path)."""
    doc = load(path)
    data = validated(doc, "targets")
    found = list(_extended(doc, data["extends"], (*_seen, path.resolve())))
    for index, spec in enumerate(data["targets"]):
        at = ("targets", index)
        found.append(_target(doc, at, spec))
        if [t.triple for t in found].count(found[-1].triple) > 1:
            raise doc.error((*at, "triple"), f"duplicate target '{found[-1].triple}'")
    return tuple(found)


def _extended(doc: Document, extends: str | None, seen: tuple[Path, ...]) -> tuple[Target, ...]:
    if extends is None:
        return ()
    path = bundled("targets.yaml") if extends == "bundled" else (doc.path.parent / extends)
    if path.resolve() in seen:
        raise doc.error(("extends",), f"{path} extends this file again (a cycle)")
    if not path.is_file():
        raise doc.error(("extends",), f"no file {path.resolve()}")
    return load_targets(path, seen)


def _target(doc: Document, at: KeyPath, spec: Mapping[str, Any]) -> Target:
    for position, need in enumerate(texts(spec["requires"])):
        if "/" in need and not need.startswith("/"):
            raise doc.error((*at, "requires", position), "a file must be an absolute path")
    spec_file = _existing(doc, (*at, "spec"), spec["spec"]) if spec["spec"] else None
    target = Target(
        triple=_triple(doc, at, spec, spec_file),
        description=spec["description"],
        linker=spec["linker"],
        rustflags=texts(spec["rustflags"]),
        packages=texts(spec["packages"]),
        pip=texts(spec["pip"]),
        requires=texts(spec["requires"]),
        runner=texts(spec["runner"]),
        artifact=spec["artifact"],
        spec=spec_file,
        build_std=None if spec["build_std"] is None else texts(spec["build_std"]),
        env={str(name): str(value) for name, value in spec["env"].items()},
        link=spec["link"],
        platform=tuple(
            _existing(doc, (*at, "platform", i), source)
            for i, source in enumerate(texts(spec["platform"]))
        ),
    )
    if target.link and target.artifact != "cdylib":
        raise doc.error((*at, "link"), "link: shared makes a cdylib; set artifact: cdylib")
    if PLATFORM in target.runner and not target.platform:
        raise doc.error((*at, "runner"), f"{PLATFORM} names no library: set platform")
    return target


def _existing(doc: Document, at: KeyPath, name: str) -> Path:
    """A file the targets file names, relative to the targets file."""
    path = (doc.path.parent / name).resolve()
    if not path.is_file():
        raise doc.error(at, f"no file {path}")
    return path


def _triple(doc: Document, at: KeyPath, spec: Mapping[str, Any], file: Path | None) -> str:
    """The target's name: its triple, or its spec file's stem (what rustc calls it)."""
    if file is None:
        if not spec["triple"]:
            raise doc.error(at, "a target needs a triple, or a spec file (spec: PATH.json)")
        return str(spec["triple"])
    if spec["triple"] and spec["triple"] != file.stem:
        raise doc.error((*at, "triple"), f"rustc names this target '{file.stem}' (its file's stem)")
    if file.suffix != ".json" or not NAME.fullmatch(file.stem):
        raise doc.error((*at, "spec"), "a target spec is a NAME.json file, NAME a valid triple")
    return file.stem


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
