"""Judging a test's outcome, placeholders, and which tests apply to a stage."""

from __future__ import annotations

from pathlib import Path

from minbuild.engine.testing import TestContext, judge, missing_fixture, not_applicable
from tests.unit.helpers import project_test as spec

CONTEXT = TestContext(
    Path("/a/bin"), Path("/w"), Path("/crate"), Path("/cfg"), {"prog": Path("/f/prog")}
)


def test_placeholders_are_substituted_inside_arguments() -> None:
    assert CONTEXT.substitute(("{binary}", "--in={fixture:prog}", "{workdir}/out")) == [
        "/a/bin",
        "--in=/f/prog",
        "/w/out",
    ]


def test_only_a_command_that_starts_the_artifact_runs_behind_the_runner() -> None:
    native = ("python", "-m", "minbuild.wasmhost", "native")
    fixtures = {"host": Path("/f/host")}
    loaded = TestContext(Path("/a/lib.so"), Path("/w"), Path("/c"), Path("/cfg"), fixtures, native)
    assert loaded.command(("{binary}", "f")) == [*native, "/a/lib.so", "f"]
    # a C host of the project's own loads the library itself
    assert loaded.command(("{fixture:host}", "{binary}", "run")) == ["/f/host", "/a/lib.so", "run"]
    assert loaded.command(("cc", "-o", "{output}"), Path("/o")) == ["cc", "-o", "/o"]


def test_exit_code_is_checked_first() -> None:
    assert judge(spec(exit_code=1), 0, "") == "exit code 0, expected 1"
    assert judge(spec(exit_code=-6), -6, "anything") is None


def test_exact_stdout_reports_first_difference() -> None:
    test = spec(stdout="1\n2\n3\n")
    assert judge(test, 0, "1\n2\n3\n") is None
    assert judge(test, 0, "1\n5\n3\n") == "stdout differs: line 2: expected '2', got '5'"
    assert judge(test, 0, "1\n2\n") == "stdout differs: expected 3 lines, got 2"


def test_stdout_file_and_regex(tmp_path: Path) -> None:
    expected = tmp_path / "out.expected"
    expected.write_text("hello\n")
    assert judge(spec(stdout_file=expected), 0, "hello\n") is None
    assert judge(spec(stdout_file=expected), 0, "hello") == (
        "stdout differs: trailing newline differs"
    )
    assert judge(spec(stdout_regex=r"^v\d+$"), 0, "name\nv12\n") is None
    assert judge(spec(stdout_regex=r"^v\d+$"), 0, "v1.2") == r"stdout does not match /^v\d+$/"


def test_applicability_by_stage_and_feature() -> None:
    assert not_applicable(spec(), "lto", {"run"}) is None
    assert not_applicable(spec(stages=("debug",)), "lto", set()) == "applies only to stages debug"
    assert not_applicable(spec(needs_features=("compile", "run")), "lto", {"run"}) == (
        "needs feature compile, which this stage does not enable"
    )


def test_missing_fixture_says_how_to_make_it() -> None:
    assert missing_fixture(spec(), CONTEXT) is None
    reason = missing_fixture(spec(argv=("{fixture:other}",)), CONTEXT)
    assert reason is not None and "--from release" in reason


def test_applicability_by_artifact_kind_and_target() -> None:
    assert not_applicable(spec(), "lto", set(), "cdylib") == (
        "applies only to bin artifacts, not cdylib"
    )
    assert not_applicable(spec(kinds=("cdylib",)), "lto", set(), "cdylib") is None
    wasi_only = spec(targets=("wasm32-wasip1",))
    assert not_applicable(wasi_only, "lto", set(), "bin", "wasm32-wasip1") is None
    assert not_applicable(wasi_only, "lto", set(), "bin", None) == (
        "applies only to targets wasm32-wasip1"
    )


def test_unless_features_excludes_builds_that_have_them() -> None:
    without = spec(unless_features=("compile",))
    assert not_applicable(without, "lto", {"run"}) is None
    assert not_applicable(without, "lto", {"run", "compile"}) == (
        "applies only without feature compile, which this stage enables"
    )
