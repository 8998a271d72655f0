"""Where the command line, the environment and the project file meet: every value that more
than one of them can give is settled here, and nowhere else. The rule is the same for each:
the command line, then the environment, then the project file, then the default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from minbuild.commands.build_options import BuildOptions
from minbuild.engine.request import BuildRequest
from minbuild.project.config import Project, crate_only_project, load_project, require_manifest
from minbuild.rust.cache import Cache, choose, default_dir
from minbuild.rust.network import Network
from minbuild.util.errors import ConfigError

Given = TypeVar("Given")

ALLOW_GROWTH_VARIABLE = "MINBUILD_ALLOW_GROWTH"
"""What a CI step sets (from a pull-request label) to let broken budgets through; its value
says why."""


class NamesProject(Protocol):
    """Options with a project file (--config)."""

    @property
    def config(self) -> Path: ...


class FindsCrate(Protocol):
    """Options with a project file or a bare manifest (`vocabulary.CrateSource`)."""

    @property
    def config(self) -> Path | None: ...
    @property
    def manifest_path(self) -> Path | None: ...
    @property
    def package(self) -> str | None: ...


class BuildsCrate(FindsCrate, Protocol):
    """Options of a command that builds the crate it finds."""

    @property
    def toolchain(self) -> str | None: ...
    @property
    def state_dir(self) -> Path: ...


Named = TypeVar("Named", bound=NamesProject)
Sourced = TypeVar("Sourced", bound=FindsCrate)
Building = TypeVar("Building", bound=BuildsCrate)


@dataclass(frozen=True)
class Located(Generic[Given]):
    """A command's options with the project they name, read once: what a command that reads
    a project, but plans no staircase, runs on."""

    options: Given
    project: Project


@dataclass(frozen=True)
class WithBuild(Generic[Given]):
    """A command's options, and the request for the builds it makes, resolved as min-build's
    (its project, toolchain, state dir, cache and network)."""

    options: Given
    build: BuildRequest


def as_given(options: Given, environ: Mapping[str, str]) -> Given:
    """For a command that settles its own options as it runs (each is to come here)."""
    return options


def with_project(options: Named, environ: Mapping[str, str]) -> Located[Named]:
    """The options with their project file, read."""
    return Located(options, load_project(options.config))


def with_crate(options: Sourced, environ: Mapping[str, str]) -> Located[Sourced]:
    """The options with their crate's project: the project file, or for a crate without one,
    its manifest with every default."""
    if options.config is not None:
        if options.package:
            raise ConfigError("--package goes with --manifest-path; the project file names it")
        project = load_project(options.config)
        require_manifest(project)
        return Located(options, project)
    if options.manifest_path is None:
        raise ConfigError("give --config FILE or --manifest-path PATH")
    return Located(options, crate_only_project(options.manifest_path, options.package))


def with_crate_build(options: Building, environ: Mapping[str, str]) -> WithBuild[Building]:
    """The options with their crate's project (`with_crate`) and min-build's resolution of
    what their builds share: the toolchain and the state dir."""
    project = with_crate(options, environ).project
    shared = BuildOptions.sharing(options, ("toolchain", "state_dir"))
    return WithBuild(options, build_request(shared, environ, project))


def build_request(
    options: BuildOptions, environ: Mapping[str, str], project: Project | None = None
) -> BuildRequest:
    """min-build's or cross-build's options settled into the request the planner takes; the
    project file is read here (`project`: one read already)."""
    project = project or load_project(options.config)
    require_manifest(project)
    every_stage = "all" in options.stages
    return BuildRequest(
        project=project,
        state_dir=options.state_dir.resolve(),
        stage_names=() if every_stage else options.stages,
        every_stage=every_stage,
        first=options.first,
        last=options.last,
        targets=options.targets,
        cross=options.cross,
        toolchain=options.toolchain,
        fail_fast=options.fail_fast,
        parallel=options.parallel,
        dry_run=options.dry_run,
        check=options.check,
        allowance=allowance(environ, flag=options.allow_growth),
        cache=compile_cache(
            project,
            environ,
            tool=options.cache,
            directory=options.cache_dir,
            redis=options.cache_redis,
            read_only=options.cache_read_only,
        ),
        shard=options.shard,
        network=network(
            environ, locked=options.locked, offline=options.offline, frozen=options.frozen
        ),
    )


def allowance(environ: Mapping[str, str], *, flag: bool) -> str | None:
    """Why broken budgets would not fail the check: the flag, or the environment variable a
    CI step sets from a pull-request label (its value says why; empty, 0 or false: unset)."""
    if flag:
        return "--allow-growth"
    value = environ.get(ALLOW_GROWTH_VARIABLE, "").strip()
    if value.lower() in ("", "0", "false", "no"):
        return None
    return f"{ALLOW_GROWTH_VARIABLE}={value}"


def compile_cache(
    project: Project,
    environ: Mapping[str, str],
    *,
    tool: str | None = None,
    directory: Path | None = None,
    redis: str | None = None,
    read_only: bool = False,
) -> Cache | None:
    """The compile cache: each of its settings from the flag, else the project file's
    `cache:`, else the default (no cache; the user's cache dir, under $XDG_CACHE_HOME when it
    is set)."""
    return choose(
        tool if tool is not None else project.cache_tool,
        directory or project.cache_dir or default_dir(environ),
        redis or project.cache_redis,
        read_only=read_only,
    )


def network(
    environ: Mapping[str, str], *, locked: bool = False, offline: bool = False, frozen: bool = False
) -> Network:
    """cargo's --locked/--offline/--frozen, and CARGO_NET_OFFLINE, which cargo reads too."""
    by_environment = environ.get("CARGO_NET_OFFLINE", "").lower() == "true"
    return Network.of(
        locked=locked, offline=offline, frozen=frozen, offline_by_environment=by_environment
    )
