"""Artifacts as cargo sees them, on tests/crates/layouts (a virtual workspace) and
tests/crates/hello: a lib and a bin of one name, several bins, required-features, a C
library in a member, and names that match nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.runs.progress import Silent
from minbuild.runs.records import RunRecord
from tests.conftest import REPO, min_build, run_minbuild

LAYOUTS = REPO / "tests" / "crates" / "layouts"


def project(tmp_path: Path, crate: str, tests: str = "tests: []", minimal: str = "[]") -> Path:
    """A project file for the layouts workspace; `crate` holds more `crate:` keys."""
    path = tmp_path / "minbuild.yaml"
    lines = [
        "schema: 1",
        "crate:",
        f"  manifest: {LAYOUTS / 'Cargo.toml'}",
        *(f"  {line}" for line in crate.splitlines()),
        f"feature_sets: {{minimal: {minimal}, disable_logging: []}}",
        tests,
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def release(config: Path, state: Path) -> RunRecord:
    options = BuildOptions(config=config, stages=("release",), state_dir=state)
    run, _ = min_build(options, Silent())
    return run


@pytest.mark.usefixtures("cargo")
def test_the_bin_of_a_lib_and_bin_of_one_name(tmp_path: Path, shared_state: Path) -> None:
    tests = textwrap.dedent(
        """\
        tests:
          - {name: greets, argv: ["{binary}", you], stdout: "hello from the lib, you\\n"}"""
    )
    config = project(tmp_path, "package: samename\nartifact: {kind: bin}", tests)
    (stage,) = release(config, shared_state).stages
    assert stage.status == "ok", stage.reason
    assert stage.artifact and Path(stage.artifact).name == "samename"
    assert [t.status for t in stage.tests] == ["passed"]


@pytest.mark.usefixtures("cargo")
def test_a_virtual_workspace_finds_the_member_that_builds_the_named_bin(
    tmp_path: Path, shared_state: Path
) -> None:
    tests = 'tests:\n  - {name: counts, argv: ["{binary}", a, b], stdout: "extra 2\\n"}'
    config = project(tmp_path, "artifact: {kind: bin, name: extra}", tests)
    (stage,) = release(config, shared_state).stages
    assert stage.status == "ok" and [t.status for t in stage.tests] == ["passed"]
    assert "--package multibin" in stage.shell and "--bin extra" in stage.shell


@pytest.mark.usefixtures("cargo")
def test_a_cdylib_and_a_staticlib_of_a_member(tmp_path: Path, shared_state: Path) -> None:
    for kind, suffix in (("cdylib", ".so"), ("staticlib", ".a")):
        config = project(tmp_path, f"package: ffi\nartifact: {{kind: {kind}}}")
        (stage,) = release(config, shared_state).stages
        assert stage.status == "ok", stage.reason
        assert stage.artifact and stage.artifact.endswith(suffix) and stage.size_bytes
        parts = stage.composition
        assert parts is not None, stage.composition_error
        assert parts.format == ("elf" if kind == "cdylib" else "archive")
        crates = {c.name: c for c in parts.crates}
        if kind == "cdylib":  # ffi_add is #[no_mangle]: its name says no crate
            assert "[unmangled]" in crates and "ffi" not in crates
        else:  # every member's code, std's included; a member names its crate
            assert crates["ffi"].origin == "crate" and crates["ffi"].size > 0
            assert {"core", "std", "compiler_builtins"} <= set(crates)
            assert parts.attributed > 0.9 * parts.code_size


@pytest.mark.usefixtures("cargo")
def test_a_dropped_required_feature_is_an_error_before_any_build(
    tmp_path: Path, shared_state: Path
) -> None:
    config = project(tmp_path, "package: multibin\nartifact: {kind: bin, name: fancy}")
    result = run_minbuild(
        "min-build", "--config", str(config), "--dry-run", "--state-dir", str(shared_state)
    )
    assert result.returncode == 2, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("minbuild: error:")]
    assert f"{config}:6: feature_sets.minimal: bin 'fancy' has required-features fancy" in line
    assert "stage no-default-features does not enable fancy" in line
    config = project(
        tmp_path, "package: multibin\nartifact: {kind: bin, name: fancy}", minimal="[fancy]"
    )
    result = run_minbuild(
        "min-build", "--config", str(config), "--dry-run", "--state-dir", str(shared_state)
    )
    assert result.returncode == 0, result.stderr
    assert "--bin fancy" in result.stdout


@pytest.mark.usefixtures("cargo")  # --dry-run still runs cargo metadata and cargo check
@pytest.mark.parametrize(
    ("crate", "message"),
    [
        (
            "package: multibin\nartifact: {kind: bin}",
            "multibin has 3 bins and no default-run: name one (multibin builds: bin extra, "
            "bin fancy (needs features fancy), bin multibin)",
        ),
        (
            "package: multibin\nartifact: {kind: bin, name: extr}",
            "multibin has no bin 'extr'; did you mean 'extra'?",
        ),
        (
            "package: samenam\nartifact: {kind: bin}",
            "no package 'samenam' in the workspace; did you mean 'samename'? (samename: ",
        ),
        (
            "package: samename\nartifact: {kind: cdylib}",
            "samename builds no cdylib (lib samename (lib), bin samename)",
        ),
        (
            "artifact: {kind: bin, name: nothere}",
            "is a virtual workspace and no member builds bin 'nothere': name the package",
        ),
    ],
)
def test_a_name_that_matches_nothing_lists_what_the_crate_builds(
    tmp_path: Path, shared_state: Path, crate: str, message: str
) -> None:
    config = project(tmp_path, crate)
    result = run_minbuild(
        "min-build", "--config", str(config), "--dry-run", "--state-dir", str(shared_state)
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    # the dry run's toolchain check may say its progress first; the error is one line, last
    errors = [line for line in result.stderr.splitlines() if line.startswith("minbuild: error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert result.stderr.splitlines()[-1] == errors[0]


@pytest.mark.usefixtures("cargo")
def test_the_default_member_is_chosen_in_a_virtual_workspace(
    tmp_path: Path, shared_state: Path
) -> None:
    config = project(tmp_path, "artifact: {kind: bin}")
    result = run_minbuild(
        "min-build", "--config", str(config), "--dry-run", "--state-dir", str(shared_state)
    )
    assert result.returncode == 0, result.stderr
    assert "--package samename --bin samename" in result.stdout
