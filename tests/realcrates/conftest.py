"""Real crates from Debian's registry, prepared exactly as a user would prepare them.

A user who wants to try minbuild on a packaged crate copies its sources out of
/usr/share/cargo/registry, deletes the registry's Cargo.lock and .cargo-checksum.json, points
crates.io at Debian's registry in the crate's own .cargo/config.toml, and drops the
dev-dependencies Debian does not package. Then `minbuild init` and `minbuild min-build`.
One state dir per crate, shared by all of its tests (a crate's builds are its tier's cost).

A test gets a crate through the `real_crates` fixture (marker `realcrates`), which needs
Debian's registry and, for `init` and the build-std stages, Debian's rustc-web (`buildstd`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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

    def minbuild(self, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
        """`minbuild ARGS --state-dir STATE`, run from the crate's directory as a user would."""
        return run_minbuild(
            *args, "--state-dir", str(self.state), cwd=self.directory, timeout=timeout
        )

    def initialized(self) -> RealCrate:
        """The crate after `minbuild init` (which needs Debian's toolchain, as build-std does:
        the `real_crates` fixture that made this crate has checked for it)."""
        result = self.minbuild("init")
        assert result.returncode == 0, result.stderr
        return self

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
    manifest.write_text(_without_unpackaged_dev_dependencies(manifest.read_text()))
    return crate


def _without_unpackaged_dev_dependencies(text: str) -> str:
    """Drop each [dev-dependencies.NAME] table whose crate Debian does not package (cargo
    normalizes published manifests to one such table per dependency)."""
    kept: list[str] = []
    dropping = False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            header = line.strip().strip("[]")
            dependency = header.removeprefix("dev-dependencies.")
            dropping = header != dependency and not any(REGISTRY.glob(f"{dependency}-[0-9]*"))
        if not dropping:
            kept.append(line)
    return "".join(kept)


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
