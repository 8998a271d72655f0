"""Real crates from Debian's registry, prepared exactly as a user would prepare them.

A user who wants to try minbuild on a packaged crate copies its sources out of
/usr/share/cargo/registry, deletes the registry's Cargo.lock and .cargo-checksum.json, points
crates.io at Debian's registry in the crate's own .cargo/config.toml, and keeps the
dev-dependencies Debian packages (relaxed to the packaged version where the crate asks for an
older one), so that its own tests build; the others are dropped. Then `minbuild init` and
`minbuild min-build`.
One state dir per crate, shared by all of its tests (a crate's builds are its tier's cost).

A test gets a crate through the `real_crates` fixture (marker `realcrates`), which needs
Debian's registry and, for `init` and the build-std stages, Debian's rustc-web (`buildstd`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from minbuild.optimize import trials
from minbuild.optimize.trials import OptimizeRecord
from tests.conftest import require, run_minbuild

REGISTRY = Path("/usr/share/cargo/registry")
SOURCE_REPLACEMENT = """\
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
"""


class RealCrate:
    """A prepared copy of a registry crate, its state dir, and minbuild run on it."""

    def __init__(self, directory: Path, state: Path) -> None:
        self.directory, self.state = directory, state
        self.project = directory / "minbuild.yaml"

    def minbuild(
        self, *args: str, timeout: float = 3600, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`minbuild ARGS --state-dir STATE`, run from the crate's directory as a user would
        (with `env` added to the environment)."""
        return run_minbuild(
            *args,
            "--state-dir",
            str(self.state),
            cwd=self.directory,
            timeout=timeout,
            env={**os.environ, **env} if env else None,
        )

    def initialized(self, env: Mapping[str, str] | None = None) -> RealCrate:
        """The crate after `minbuild init` (which needs Debian's toolchain, as build-std does:
        the `real_crates` fixture that made this crate has checked for it)."""
        result = self.minbuild("init", env=env)
        assert result.returncode == 0, result.stderr
        return self

    def optimized(self, *args: str) -> OptimizeRecord:
        """`minbuild optimize ARGS` (it must succeed), and the search's document."""
        result = self.minbuild("optimize", *args)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "what each setting is worth at the winner" in result.stdout
        return trials.load(sorted((self.state / "optimize").glob("*.json"))[-1])

    def latest_run(self) -> dict[str, Any]:
        runs = sorted((self.state / "runs").glob("*.json"))
        data: dict[str, Any] = json.loads(runs[-1].read_text())
        return data


def prepare(name: str, version: str, destination: Path) -> Path:
    """Copy NAME-VERSION out of Debian's registry and make it build offline on its own."""
    source = REGISTRY / f"{name}-{version}"
    require(
        source.is_dir(),
        f"{source} is missing (install it: minbuild setup --crates {name})",
    )
    crate = destination / name
    shutil.copytree(source, crate)
    for generated in ("Cargo.lock", ".cargo-checksum.json"):
        (crate / generated).unlink(missing_ok=True)
    (crate / ".cargo").mkdir(exist_ok=True)
    (crate / ".cargo" / "config.toml").write_text(SOURCE_REPLACEMENT)
    manifest = crate / "Cargo.toml"
    manifest.write_text(_with_packaged_dev_dependencies(manifest.read_text()))
    return crate


def _with_packaged_dev_dependencies(text: str) -> str:
    """Keep each [dev-dependencies.NAME] table (cargo normalizes published manifests to one
    per dependency, target-specific ones too) whose crate Debian packages, its version
    requirement relaxed to the newest packaged version when none matches (as a user who
    keeps the crate's tests would do); drop the others."""
    kept: list[str] = []
    dropping, relax_to = False, None
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            header = line.strip().strip("[]")
            dependency = re.sub(r"^(target\..+\.)?dev-dependencies\.", "", header)
            is_dev = dependency != header
            versions = _packaged_versions(dependency) if is_dev else []
            dropping = is_dev and not versions
            relax_to = versions[-1] if is_dev else None
        elif relax_to and line.startswith("version = "):
            wanted = line.split("=", 1)[1].strip().strip('"')
            if not any(_caret_matches(wanted, have) for have in _packaged_versions(dependency)):
                line = f'version = "{relax_to}"\n'
        if not dropping:
            kept.append(line)
    return "".join(kept)


def _packaged_versions(name: str) -> list[str]:
    found = [p.name.removeprefix(f"{name}-") for p in REGISTRY.glob(f"{name}-[0-9]*")]
    return sorted(found, key=lambda v: [int(x) if x.isdigit() else 0 for x in v.split(".")])


def _caret_matches(wanted: str, have: str) -> bool:
    """cargo's default (caret) requirement: same leftmost non-zero part, and not older."""
    want = [int(x) for x in re.findall(r"\d+", wanted)[:3]]
    got = [int(x) for x in re.findall(r"\d+", have)[:3]]
    if not want or len(got) < 3:
        return False
    fixed = next((i for i, part in enumerate(want) if part), len(want) - 1) + 1
    return got[:fixed] == want[:fixed] and got >= want + [0] * (3 - len(want))


@pytest.fixture(scope="session")
def real_crates(
    buildstd: None, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], RealCrate]:
    """`real_crates(NAME, VERSION)`: that crate out of Debian's registry, prepared in a fresh
    directory with its own state dir (skipped locally, failed in CI, when it is not installed)."""
    require(REGISTRY.is_dir(), f"{REGISTRY} is missing (install crates: minbuild setup --crates)")

    def prepared(name: str, version: str) -> RealCrate:
        root = tmp_path_factory.mktemp(name)
        return RealCrate(prepare(name, version, root), root / "state")

    return prepared


@pytest.fixture(scope="session")
def hexyl(real_crates: Callable[[str, str], RealCrate]) -> RealCrate:
    """hexyl 0.8.0: a lib and a bin both named hexyl, ~30 dependencies."""
    return real_crates("hexyl", "0.8.0")


@pytest.fixture(scope="session")
def sniffglue(real_crates: Callable[[str, str], RealCrate]) -> RealCrate:
    """sniffglue 0.15.0: lib + bin of one name, `log` directly, libpcap through pcap-sys,
    ~70 dependencies, an old proc-macro2 that today's nightly rejects."""
    return real_crates("sniffglue", "0.15.0")


@pytest.fixture(scope="session")
def cbindgen(real_crates: Callable[[str, str], RealCrate]) -> RealCrate:
    """cbindgen 0.24.3: its build script bakes the binary's path into the tests it generates."""
    return real_crates("cbindgen", "0.24.3")


# A search a realcrates test can afford, from the staircase's lto stage (from its last stage
# every trial rebuilds std: tests/e2e/test_demo_optimize.py does that), over one setting whose
# win is certain: strip=symbols takes off the symbol tables (tens of KiB). fmt-debug=shallow,
# tried here before, won by 744 B on one machine and lost on another: a test must not hang on
# a margin that thin. Five trials: the start and its two references take three; the round's
# two neighbours (strip=debuginfo, what the start already does, and strip=symbols) the rest.
SEARCH_FROM = "lto"
QUICK_SEARCH = ("--from", SEARCH_FROM, "--settings", "strip", "--trials", "5")


def assert_no_larger_than_its_start(record: OptimizeRecord, run: dict[str, Any]) -> None:
    """The search started from the staircase's stage (the same settings; the size can differ
    by the bytes of build paths a build script bakes in, as the lanes' target dirs differ:
    sniffglue's by 152 B), and its winner passes every test and is no larger."""
    stage = next(s for s in run["stages"] if s["name"] == SEARCH_FROM)
    start, winner = record.reference("start"), record.winning
    assert start is not None and winner is not None
    assert start.stage.effective_profile == stage["effective_profile"]
    assert start.stage.env.get("RUSTFLAGS") == stage["env"].get("RUSTFLAGS")
    assert start.stage.features == tuple(stage["features"])
    assert winner.accepted and winner.size is not None and winner.size <= stage["size_bytes"]
    assert winner.stage.tests_run > 0 and winner.stage.tests_passed == winner.stage.tests_run
