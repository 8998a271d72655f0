"""Commands that need only a crate take --manifest-path (or ./Cargo.toml), no project file;
`init` refuses to overwrite and names a missing manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from minbuild.util.schemas import published_url, schema
from tests.conftest import REPO, run_minbuild

HELLO = REPO / "tests" / "crates" / "hello"


@pytest.mark.usefixtures("cargo")
def test_cfg_audit_of_a_manifest(shared_state: Path) -> None:
    result = run_minbuild(
        "cfg-audit",
        "--manifest-path",
        str(HELLO / "Cargo.toml"),
        "--format",
        "json",
        "--state-dir",
        str(shared_state),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["files"][0]["file"] == "src/main.rs"
    assert report["totals"]["cfg_attributes"] == sum(
        (HELLO / "src" / "main.rs").read_text().count(marker) for marker in ("#[cfg(", "#![cfg(")
    )


@pytest.mark.usefixtures("cargo")
def test_feature_matrix_uses_the_cargo_toml_of_the_current_directory(
    tmp_path: Path, shared_state: Path
) -> None:
    crate = tmp_path / "hello"
    shutil.copytree(HELLO, crate, ignore=shutil.ignore_patterns("target", "minbuild.yaml"))
    result = run_minbuild(
        "feature-matrix", "--dry-run", "--state-dir", str(shared_state), cwd=crate
    )
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split()
    assert {"broken", "greeting", "shout", "(none)"} <= set(listed)


@pytest.mark.process  # a usage error before any cargo
def test_package_goes_with_a_manifest_not_a_project_file() -> None:
    result = run_minbuild(
        "feature-matrix", "--config", str(HELLO / "minbuild.yaml"), "--package", "hello"
    )
    assert result.returncode == 2
    assert "--package goes with --manifest-path" in result.stderr


@pytest.mark.process  # refused before any cargo
def test_a_missing_manifest_is_one_line(tmp_path: Path) -> None:
    for command in ("cfg-audit", "init"):
        result = run_minbuild(command, "--manifest-path", str(tmp_path / "Cargo.toml"))
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert "no such Cargo manifest" in result.stderr


@pytest.mark.process  # refused before any cargo
def test_init_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    existing = tmp_path / "mine.yaml"
    existing.write_text("# my own\n")
    result = run_minbuild(
        "init", "--manifest-path", str(HELLO / "Cargo.toml"), "--output", str(existing)
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith("exists; --force overwrites it")
    assert existing.read_text() == "# my own\n"


@pytest.mark.usefixtures("cargo")
def test_init_writes_the_smallest_feature_set_that_builds(tmp_path: Path) -> None:
    crate = tmp_path / "needsone"
    shutil.copytree(REPO / "tests" / "crates" / "needsone", crate)
    result = run_minbuild(
        "init", "--manifest-path", str(crate / "Cargo.toml"), "--state-dir", str(tmp_path / "s")
    )
    assert result.returncode == 0, result.stderr
    text = (crate / "minbuild.yaml").read_text(encoding="utf-8")
    written = yaml.safe_load(text)
    assert written["feature_sets"]["minimal"] == ["minimal-cli"]
    # the modeline is the same on every machine; the local copy is named for offline editors
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={published_url('project')}"
    offline = result.stdout.split("its schema, for an editor offline: ")[1].split()[0]
    assert json.loads(Path(offline).read_text(encoding="utf-8")) == schema("project")
    said = result.stderr
    assert "--features (none) does not build: error: needsone needs an engine" in said
    assert "minimal: ['minimal-cli'] builds; written" in said


@pytest.mark.usefixtures("cargo")
def test_init_writes_the_integration_tests_that_start_the_binary(tmp_path: Path) -> None:
    crate = tmp_path / "marked"
    shutil.copytree(REPO / "tests" / "crates" / "marked", crate)
    (crate / "minbuild.yaml").unlink()
    result = run_minbuild(
        "init", "--manifest-path", str(crate / "Cargo.toml"), "--state-dir", str(tmp_path / "s")
    )
    assert result.returncode == 0, result.stderr
    text = (crate / "minbuild.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["integration_tests"] == {"test_targets": ["cli"]}
    assert "# Against the release build 6 of 8 passed; failing there" in text
    assert "integration tests (cli): against the release build 6 of 8 passed" in result.stderr
    assert yaml.safe_load(text)["tests"][0]["argv"] == ["{binary}", "--version"], "the smoke test"
