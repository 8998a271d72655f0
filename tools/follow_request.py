"""Follow what a command's `run` takes (its resolved request) down to the first `cargo build`.

Issue 37 asks that the resolved request enter each module at most once on its way down. This
runs `minbuild min-build` on the demo (one stage, in a scratch state dir; the cargo build
itself is refused, so nothing compiles) under a profiler that sees every call into minbuild's
modules, and counts:

  steps     calls into minbuild's code after the command's `run` is entered
  stops     those calls that take the request as an argument, or an argument that
            holds it as an attribute (a plan, a context)
  values    the calls that take none of these but one of its values (a Path, a tuple of
            stage names: objects identity can follow)
  modules   the distinct modules of the stops
  returns   stops in a module the object had been in before, after it had left it
  climbs    stops in a higher layer (pyproject.toml's import-linter layers) than the stop before

and, on the whole way down, how often a YAML file is read (`yamlfile.load`), a document
validated against a schema (`schemas.validated`) and `cargo metadata` run.

Usage: python tools/follow_request.py [--steps N] [--command min-build] [--list]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from minbuild.cli.main import main as minbuild_main
from minbuild.util.errors import MinbuildError

REPO = Path(__file__).resolve().parent.parent


WATCHED = {
    ("minbuild.util.yamlfile", "load"): "YAML file read",
    ("minbuild.util.schemas", "validated"): "document validated",
}


class BuildRefused(MinbuildError):
    """The first `cargo build`: where the way down ends."""


def layers() -> list[tuple[str, ...]]:
    """The import-linter layers, highest first, each a tuple of package names."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    ordered = next(contract["layers"] for contract in contracts if contract["type"] == "layers")
    return [tuple(name.strip() for name in layer.split("|")) for layer in ordered]


def layer_of(module: str, ordered: Sequence[tuple[str, ...]]) -> int:
    """The layer's index (0 is the highest); a module of no layer ranks below them all."""
    for index, packages in enumerate(ordered):
        if any(module == name or module.startswith(name + ".") for name in packages):
            return index
    return len(ordered)


@dataclass
class Follower:
    """The profiler: finds what the command's `run` takes (its options, or the request they
    were resolved to) at its entry, then counts."""

    entry: str
    max_steps: int
    target: object = None
    steps: int = 0
    stops: list[tuple[str, str]] = field(default_factory=list)
    values: list[object] = field(default_factory=list)
    value_stops: list[tuple[str, str]] = field(default_factory=list)
    repeated: dict[str, int] = field(default_factory=dict)
    done: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or self.done:
            return
        module = frame.f_globals.get("__name__", "")
        if not module.startswith("minbuild."):
            return
        name = frame.f_code.co_name
        if (module, name) in WATCHED:
            first = frame.f_locals.get(frame.f_code.co_varnames[0])
            label = Path(first).name if isinstance(first, (str, Path)) else type(first).__name__
            self._count(f"{WATCHED[module, name]} ({label})")
        if module == "minbuild.util.command" and name == "run":
            words = [str(word) for word in frame.f_locals.get("argv", ())]
            if "metadata" in words[1:3]:
                self._count("cargo metadata")
            if words and Path(words[0]).name == "cargo" and "build" in words[1:3]:
                self.done = True
                # raised in the profiler, it surfaces in the call: the build is not run
                raise BuildRefused("the way down reached `cargo build`")
        with self.lock:
            if self.target is None:
                if module == self.entry and frame.f_code.co_name == "run":
                    self.target = frame.f_locals.get(frame.f_code.co_varnames[0])
                    self.values = _own_values(self.target)
                return
            self.steps += 1
            if self.steps > self.max_steps:
                self.done = True
                return
            arguments = _arguments(frame)
            if any(self._carries(value) for value in arguments):
                self.stops.append((module, frame.f_code.co_qualname))
            elif any(value is own for value in arguments for own in self.values):
                self.value_stops.append((module, frame.f_code.co_qualname))

    def _count(self, what: str) -> None:
        with self.lock:
            self.repeated[what] = self.repeated.get(what, 0) + 1

    def _carries(self, value: object) -> bool:
        if value is self.target:
            return True
        attributes = getattr(value, "__dict__", None) or {
            name: getattr(value, name, None) for name in getattr(type(value), "__slots__", ())
        }
        return any(held is self.target for held in attributes.values())


def _own_values(options: object) -> list[object]:
    """The request's field values that are objects of their own (a Path, a tuple of names),
    which identity can follow; None, booleans, numbers and strings are shared by everyone."""
    shared = (type(None), bool, int, float, str)
    values = getattr(options, "__dict__", {}).values()
    return [value for value in values if not isinstance(value, shared) and value != ()]


def _arguments(frame: FrameType) -> list[object]:
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    names = code.co_varnames[:count]
    return [frame.f_locals[name] for name in names if name in frame.f_locals]


def counts(stops: Sequence[tuple[str, str]], ordered: Sequence[tuple[str, ...]]) -> dict[str, int]:
    seen: set[str] = set()
    returns = climbs = 0
    previous: str | None = None
    for module, _name in stops:
        if previous is not None and module != previous:
            returns += module in seen
            climbs += layer_of(module, ordered) < layer_of(previous, ordered)
        seen.add(module)
        previous = module
    return {"stops": len(stops), "modules": len(seen), "returns": returns, "climbs": climbs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000, help="calls to follow at most")
    parser.add_argument("--list", action="store_true", help="print every stop")
    args = parser.parse_args()
    follower = Follower("minbuild.commands.min_build", args.steps)
    with tempfile.TemporaryDirectory(prefix="follow-request-") as scratch:
        argv = [
            "min-build",
            "--config",
            str(REPO / "config" / "demo.yaml"),
            "--stages",
            "release",
            "--state-dir",
            str(Path(scratch) / "state"),
            "--quiet",
        ]
        threading.setprofile(follower)
        sys.setprofile(follower)
        try:
            minbuild_main(argv)
        finally:
            sys.setprofile(None)
            threading.setprofile(None)
    if follower.target is None:
        sys.exit("follow_request: the command's run was never entered")
    ordered = layers()
    if args.list:
        for module, name in follower.stops:
            print(f"{layer_of(module, ordered)}  {module}.{name}")
    figures = counts(follower.stops, ordered)
    print(
        f"{follower.steps} steps: the request stops {figures['stops']} times in "
        f"{figures['modules']} modules, returns {figures['returns']} times to a module it had "
        f"left and climbs back up the layers {figures['climbs']} times"
    )
    values = counts(follower.value_stops, ordered)
    print(
        f"and one of its values, without it, {values['stops']} times in {values['modules']} modules"
    )
    if args.list:
        for module, name in follower.value_stops:
            print(f"{layer_of(module, ordered)}  {module}.{name}")
    print(", ".join(f"{what}: {count}" for what, count in sorted(follower.repeated.items())))


if __name__ == "__main__":
    main()
