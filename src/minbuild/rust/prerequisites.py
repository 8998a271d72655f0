"""What must hold before a plan's builds: a toolchain that builds the crate (its `cargo
check`), and the route build-std takes for std's own dependencies."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from minbuild.project.config import Project
from minbuild.project.stages import Stage
from minbuild.runs import statedir
from minbuild.rust import cargo, choice, network, sources, toolchains
from minbuild.rust.cache import Cache
from minbuild.rust.cargo import feature_args
from minbuild.rust.unitprogress import UnitProgress

Checking = Callable[[str], None]
"""Hears a toolchain check's progress: `debian: checking 57 units done · regex_syntax`."""


def crate_check(
    project: Project,
    stage: Stage,
    state_dir: Path,
    cache: Cache | None = None,
    checking: Checking | None = None,
) -> toolchains.BuildCheck:
    """`cargo check` of the project's package with `stage`'s features, for choosing the
    toolchain (cargo's own freshness makes it cheap after the first run; in a fresh state dir,
    as on a CI runner, the cache does: hexyl's check takes 3 s, not 8)."""

    def check(toolchain: toolchains.Toolchain) -> str | None:
        candidate = toolchain.candidate
        server = cache.server() if cache else None
        said = None if checking is None else functools.partial(_named, checking, candidate.name)
        # The units of this toolchain's last check here: the total its progress counts to.
        memory = statedir.Layout(state_dir).progress(f"toolchain-check-{candidate.name}.json")
        units = None if said is None else UnitProgress(said, None, verb="checking", memory=memory)
        started = time.monotonic()
        try:
            return cargo.check_builds(
                project,
                candidate.cargo,
                {**candidate.env, **(server.env() if server else {})},
                statedir.Layout(state_dir).target(),
                feature_args(stage),
                stage.rustflags,
                statedir.Layout(state_dir).logs("toolchain-check", f"{candidate.name}.log"),
                on_line=units,
            )
        finally:
            if units is not None:
                units.keep(time.monotonic() - started)
            if server:
                server.stop()

    return check


def _named(checking: Checking, name: str, action: str) -> None:
    checking(f"{name}: {action}")


def with_std_route(
    project: Project,
    stages: Sequence[Stage],
    resolution: toolchains.Resolution,
    farms: Path,
    run_network: network.Network,
) -> toolchains.Resolution:
    """Where build-std takes std's own dependencies. Online (cargo fetches them from
    crates.io, as for any crate) unless the run is offline or the crate replaces crates.io
    with a local source; then one offline source that holds std's vendored dependencies and
    the crate's crates.io dependencies (a farm, sources.py), or the std stages are skipped
    with the reason (two different copies of one package)."""
    toolchain = resolution.toolchain
    std_stages = [
        s.name for s in stages if "build-std" in s.needs and s.name not in resolution.skipped
    ]
    if not std_stages:
        return resolution
    candidate = toolchain.candidate
    route = network.std_route(run_network, project.manifest.parent, candidate.cargo, candidate.env)
    said = choice.Resolved(route.line())
    if not route.offline:
        return dataclasses.replace(
            resolution,
            toolchain=dataclasses.replace(toolchain, vendor=None),
            choice=(*resolution.choice, said),
        )
    if toolchain.vendor is None:  # std's dependencies must already be downloaded
        return dataclasses.replace(resolution, choice=(*resolution.choice, said))
    farm = sources.offline_source(
        project.manifest, candidate.cargo, candidate.env, toolchain.vendor, farms
    )
    if farm.path is None:
        problem = f"{farm.problem}; build-std cannot run offline"
        return dataclasses.replace(
            resolution, skipped={**resolution.skipped, **dict.fromkeys(std_stages, problem)}
        )
    note = (choice.OfflineSource(farm.packages, farm.path),) if farm.packages else ()
    return dataclasses.replace(
        resolution,
        toolchain=dataclasses.replace(toolchain, vendor=farm.path),
        choice=(*resolution.choice, said, *note),
    )
