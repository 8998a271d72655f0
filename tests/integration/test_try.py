"""`minbuild try` on a real published crate from crates.io: fetched through cargo, its project
file written by init, its stages built and tested; run again, it fetches, writes and builds
nothing; a crate or a version that does not exist is one line, exit 2, and nothing is left."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from minbuild.util.errors import ExitCode
from tests.conftest import require, run_minbuild

# One bin that prints a greeting, no dependencies, its Cargo.lock shipped: a debug and a
# release build take a second each. Pinned: the test reads its version and its files.
TINY = "ika_hello_cargo"
VERSION = "0.1.0"


def tried(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`minbuild try ARGS` in `cwd`; a machine that cannot reach crates.io skips (fails in CI)."""
    result = run_minbuild("try", *args, cwd=cwd, timeout=900)
    require(
        "cannot reach the registry" not in result.stderr,
        f"crates.io is out of reach: {result.stderr.strip()}",
    )
    return result


def row(table: str, stage: str) -> str:
    found = re.search(rf"^\s*\d+\s+{stage}\s.*$", table, re.MULTILINE)
    assert found, table
    return found.group(0)


@pytest.mark.usefixtures("cargo")
def test_a_published_crate_is_fetched_initialized_and_built_then_reused(tmp_path: Path) -> None:
    result = tried(f"{TINY}@{VERSION}", "--stages", "debug,release", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    crate = tmp_path / f"{TINY}-{VERSION}"
    assert sorted(p.name for p in crate.iterdir() if p.name != ".minbuild") == [
        ".cargo_vcs_info.json",
        ".gitignore",
        "Cargo.lock",
        "Cargo.toml",
        "Cargo.toml.orig",
        "minbuild.yaml",
        "src",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [crate.name]  # no scratch left
    project = yaml.safe_load((crate / "minbuild.yaml").read_text())
    assert project["crate"]["artifact"] == {"kind": "bin", "name": TINY}
    assert [t["argv"][0] for t in project["tests"]] == ["{binary}"]
    rerun = f"re-run: cd {crate} && minbuild min-build --stages debug,release"
    assert result.stdout.splitlines()[:4] == [
        f"{TINY} {VERSION}: fetched through cargo into {crate}",
        f"init wrote {crate / 'minbuild.yaml'}",
        rerun,
        "",
    ]
    for stage in ("debug", "release"):
        assert row(result.stdout, stage).split()[-1] == "ok"
        assert " 1/1 " in row(result.stdout, stage)
    assert f"run document: {crate / '.minbuild' / 'runs'}" in result.stdout

    again = tried(f"{TINY}@{VERSION}", "--stages", "debug,release", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[:3] == [
        f"{TINY} {VERSION}: in {crate} already (not fetched again)",
        f"{crate / 'minbuild.yaml'}: there already (init not run again)",
        rerun,
    ]
    assert "resolving" not in again.stderr and "building release once" not in again.stderr
    for stage in ("debug", "release"):
        assert " fresh " in row(again.stdout, stage), again.stdout

    # the line it says to run builds nothing either: the same state dir, the same builds
    by_hand = run_minbuild("min-build", "--stages", "debug,release", cwd=crate)
    assert by_hand.returncode == 0, by_hand.stderr
    for stage in ("debug", "release"):
        assert " fresh " in row(by_hand.stdout, stage), by_hand.stdout


@pytest.mark.usefixtures("cargo")
@pytest.mark.parametrize(
    ("crate", "said"),
    [
        (
            "minbuild-no-such-crate-zq7",
            "minbuild: error: try: no crate named `minbuild-no-such-crate-zq7` on crates.io",
        ),
        (
            f"{TINY}@99.0.0",
            f"minbuild: error: try: {TINY}@99.0.0 does not resolve: versions on crates.io go up "
            "to ",
        ),
    ],
)
def test_what_does_not_exist_is_one_line_and_builds_nothing(
    tmp_path: Path, crate: str, said: str
) -> None:
    result = tried("--quiet", crate, cwd=tmp_path)
    assert result.returncode == ExitCode.BAD_INPUT
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(said), result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []
