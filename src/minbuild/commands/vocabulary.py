"""The command line's vocabulary: the options several commands share, each declared once with
its help and its default; a command's options dataclass takes one by calling it as its field's
default (`state_dir: Path = STATE_DIR()`), with changes that fit it to that command."""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.option import Option, whole_number
from minbuild.engine.shards import MAX_SHARDS, Shard
from minbuild.project.config import (
    bundled,
    validate_redis,
)
from minbuild.rust.cache import CACHE_TOOLS
from minbuild.util.schemas import name_problem


def _name(text: str) -> str:
    """A name that may become a file name in the state dir (a toolchain, a stage)."""
    problem = name_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


DEMO_CONFIG = Path("config/demo.yaml")
"""The bundled demo crate's project file, in this repository's checkout."""
DEMO_NAME = "demo"
"""--config's name for the bundled demo crate's project file, from any directory."""


def _config_path(text: str) -> Path:
    """--config's value: `demo` is the bundled demo wherever minbuild runs, even beside a
    `demo` directory (minbuild's own checkout has one); a file of that name is `./demo`. The
    text is compared before it becomes a Path, which would drop the `./`."""
    if text != DEMO_NAME:
        return Path(text)
    found = bundled("demo.yaml").resolve()
    if not (found.parent.parent / "demo" / "Cargo.toml").is_file():
        raise argparse.ArgumentTypeError(
            "demo: the demo crate comes with minbuild's source checkout, which this "
            "installation was not made from; install it with pip install -e CHECKOUT (a file "
            "named demo: --config ./demo)"
        )
    return found


CONFIG = Option(
    "--config",
    f"project file, or '{DEMO_NAME}' for the bundled demo crate ('./{DEMO_NAME}' for a file of "
    "that name; default: ./minbuild.yaml; in minbuild's checkout, the demo's)",
    parse=_config_path,
    default=DEMO_CONFIG,
)
RUN_CONFIG = dataclasses.replace(
    CONFIG, help="project file for budgets and baseline (default: the run's own)", default=None
)
"""--config where the project defaults to the one the run was made with."""
STATE_DIR = Option(
    "--state-dir",
    "target dir, artifacts, logs and run documents (default: .minbuild)",
    parse=Path,
    default=Path(".minbuild"),
)


def _toolchain(text: str) -> str:
    """A toolchain as rustup users name it: `+nightly` is `nightly`."""
    return _name(text.removeprefix("+"))


TOOLCHAIN = Option(
    "--toolchain",
    "a rustup toolchain as you name it (nightly, +nightly, stable, nightly-2026-11-01, "
    "1.95.0) or debian (Debian's rustc-web) (default: the crate's rust-toolchain.toml pin, "
    "then the first of nightly with rust-src, debian, stable that runs every stage)",
    parse=_toolchain,
)
LOCKED = Option(
    "--locked",
    "as cargo's: Cargo.lock must already match Cargo.toml (a stale one is an error, nothing "
    "built); without it the run's one resolution may write it as `cargo build` would, and "
    "every stage then builds --locked",
    switch=True,
)
OFFLINE = Option(
    "--offline",
    "as cargo's: no network; dependencies come from what is downloaded, vendored or in a "
    "directory source, and build-std takes std's from the toolchain's vendored copy",
    switch=True,
)
FROZEN = Option("--frozen", "as cargo's: --locked and --offline", switch=True)
DRY_RUN = Option(
    "--dry-run", "print each build's command line and environment; build nothing", switch=True
)
STAGES = Option(
    "--stage",
    "only this stage (repeatable, or comma-separated; 'all': every stage)",
    metavar="NAME",
    many=True,
    plural="--stages",
)
TARGETS = Option(
    "--target",
    "only this target (repeatable, or comma-separated; default: every target)",
    metavar="TRIPLE",
    many=True,
    plural="--targets",
)
FIRST = Option("--from", "first stage to build", metavar="NAME")
# One lane per core. Cross lanes split cargo's -j between them: on 2 cores
# two targets at once (-j1 each) beat one at a time (-j2) by 1.48x in bench/cross_parallel.py,
# because build-std's serial phases (compiler_builtins, the one-codegen-unit LTO link) leave a
# core idle. Host lanes carry unequal work (the build-std stages are most of it), so each keeps
# every core: the lane that finishes first leaves them all to the other
# (bench/staircase_speed.py).
MAX_LANES = 256
"""Lanes, shards: more than any machine or CI matrix runs at once (planning grows with the
square of the count)."""
DEFAULT_PARALLEL = min(os.cpu_count() or 1, MAX_LANES)
PARALLEL = Option(
    "--parallel",
    "lanes built at once, none sharing a target dir: groups of stages (min-build) or "
    "targets (cross-build, cargo's -j split between them) (default: one per core)",
    metavar="N",
    parse=whole_number(1, MAX_LANES),
    default=DEFAULT_PARALLEL,
)
OUTPUT = Option("--output", "write the report to this file", metavar="FILE", parse=Path)
RUN = Option("--run", "run id or path of a run document (default: the latest run)")
EXCLUDE = Option("--exclude", "leave out this feature (repeatable)", metavar="FEATURE", many=True)
CHECK = Option(
    "--check", "after building, enforce the project's size budgets (exit 1)", switch=True
)
ALLOW_GROWTH = Option(
    "--allow-growth",
    "with --check: broken budgets are warnings, recorded, not a failure (also: the environment "
    "variable MINBUILD_ALLOW_GROWTH, which a CI step may set from a pull-request label)",
    switch=True,
)
FORMAT = Option("--format", "terminal (default), markdown, json or csv")
MANIFEST_PATH = Option(
    "--manifest-path",
    "the crate's Cargo.toml, when it has no project file",
    metavar="PATH",
    parse=Path,
)
PACKAGE = Option("--package", "with --manifest-path: the package", metavar="NAME")


@dataclass(frozen=True)
class CrateSource:
    """Where a command that needs only the crate finds it: a project file, or a manifest
    (commands/resolve.with_crate reads it)."""

    config: Path | None = CONFIG(
        help="project file (default: ./minbuild.yaml, else ./Cargo.toml, else the demo's)",
        default=None,
    )
    manifest_path: Path | None = MANIFEST_PATH()
    package: str | None = PACKAGE()


def parse_shard(text: str) -> Shard:
    """I/N, 1 <= I <= N (an argparse type: a mistake is a usage error)."""
    index, slash, count = text.partition("/")
    if not (slash and index.isdigit() and count.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r}: expected I/N, e.g. 1/3")
    shard = Shard(int(index), int(count))
    if not 1 <= shard.index <= shard.count <= MAX_SHARDS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: I must be between 1 and N, and N at most {MAX_SHARDS}"
        )
    return shard


SHARD = Option(
    "--shard",
    "build share I of N (a CI matrix job: `minbuild ci-matrix` prints the shares); "
    "with --stage or --target, those are the share and I/N only names it",
    metavar="I/N",
    parse=parse_shard,
)
CACHE = Option(
    "--cache",
    "compile through this cache: sccache (as RUSTC_WRAPPER; hits and misses per stage), "
    "or none (default: the project file's cache.tool, else none)",
    metavar="TOOL",
    choices=(*CACHE_TOOLS, "none"),
)

CACHE_DIR = Option(
    "--cache-dir",
    "with --cache: where the cache keeps compiled units (default: the project file's "
    "cache.dir, else ~/.cache/minbuild/sccache, under $XDG_CACHE_HOME when it is set)",
    metavar="DIR",
    parse=Path,
)


def _redis_option(text: str) -> str:
    try:
        return validate_redis(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


CACHE_REDIS = Option(
    "--cache-redis",
    "with --cache sccache: keep compiled units in this Redis server, which every CI runner "
    "shares (redis://HOST:PORT; a password goes in SCCACHE_REDIS_PASSWORD; default: the "
    "project file's cache.redis, else the cache dir)",
    metavar="URL",
    parse=_redis_option,
)
CACHE_READ_ONLY = Option(
    "--cache-read-only",
    "with --cache sccache: take hits from the cache, never write to it (SCCACHE_*_RW_MODE="
    "READ_ONLY): what a pull request's CI job does, so that its code cannot put units into "
    "the cache that main's builds would link",
    switch=True,
)
