"""How many units a build will have, asked of cargo before it builds (`--unit-graph`): the
total a first build's progress counts against, where no run before says it. On a crate of
hundreds of dependencies a stage compiles for ten minutes and more, and `117 units done` alone
does not say whether it is near its end."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from minbuild.rust.unitprogress import Expected
from minbuild.util import command
from minbuild.util.errors import CommandFailed, ToolMissingError

QUERY_TIMEOUT = 120.0
"""Seconds the query may take: cargo resolves and plans, it compiles nothing (a second on
wasmtime's 464 units)."""


def query(argv: Sequence[str]) -> list[str] | None:
    """The build's command asking for its unit graph instead (None: not a `cargo build`).
    `--unit-graph` is unstable: cargo allows it under RUSTC_BOOTSTRAP=1, which `environment`
    sets for this query only."""
    if "build" not in argv:
        return None
    at = list(argv).index("build") + 1
    kept = [arg for arg in argv[at:] if not arg.startswith("--message-format")]
    return [*argv[:at], "--unit-graph", "-Z", "unstable-options", *kept]


def environment(env: Mapping[str, str]) -> dict[str, str]:
    # CARGO_CACHE_RUSTC_INFO=0: cargo caches `rustc --print=cfg` in the target dir, keyed
    # without RUSTC_BOOTSTRAP; the nightly cfgs this query's rustc prints must not be what a
    # stable build of the same target dir reads back.
    return {**env, "RUSTC_BOOTSTRAP": "1", "CARGO_CACHE_RUSTC_INFO": "0"}


def compiled_units(graph_json: str) -> int | None:
    """The units cargo will report a `compiler-artifact` for: every unit but the runs of
    build scripts (which report `build-script-executed`). None: not a unit graph."""
    try:
        units = json.loads(graph_json)["units"]
        return sum(1 for unit in units if unit.get("mode") != "run-custom-build")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def expected(
    runner: command.Runner, argv: Sequence[str], env: Mapping[str, str], cwd: Path
) -> Expected | None:
    """The units the build `argv` will report (its time unknown), or None when cargo cannot
    say (an older cargo, a build that fails to resolve: the build itself will say why)."""
    asked = query(argv)
    if asked is None:
        return None
    try:
        done = runner(asked, env=environment(env), cwd=cwd, check=False, timeout=QUERY_TIMEOUT)
    except (CommandFailed, ToolMissingError):
        return None  # a progress total never costs a build
    units = compiled_units(done.stdout) if done.returncode == 0 else None
    return None if units is None else Expected(units, None)
