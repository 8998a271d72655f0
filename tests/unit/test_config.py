"""Loading project and staircase files, and every error a person can make in them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase, select
from minbuild.util.errors import ConfigError
from tests.conftest import REPO

MINIMAL = """\
schema: 1
crate:
  manifest: crate/Cargo.toml
feature_sets:
  minimal: [run]
  disable_logging: [disable-logging]
tests:
  - name: hello
    argv: ["{binary}", hello]
    stdout: "hi\\n"
"""


def write(tmp_path: Path, text: str, name: str = "project.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path, staircase: bool = False) -> str:
    with pytest.raises(ConfigError) as caught:
        project = load_project(path)
        if staircase:
            load_staircase(project)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message, "errors are one line"
    return message


def test_demo_project_and_bundled_staircase_load() -> None:
    project = load_project(REPO / "config" / "demo.yaml")
    stages = load_staircase(project)
    assert project.manifest == REPO / "demo" / "Cargo.toml"
    assert [s.name for s in stages][:3] == ["debug", "release", "no-default-features"]
    assert len(stages) == 13
    assert {f.name for f in project.fixtures} >= {"fib", "panic"}


def test_minimal_project_gets_defaults(tmp_path: Path) -> None:
    project = load_project(write(tmp_path, MINIMAL))
    assert project.artifact.kind == "bin" and project.artifact.name is None
    assert project.tests[0].timeout == 30.0
    assert project.tests[0].exit_code == 0


def test_unknown_key_names_file_line_and_suggests(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("feature_sets:", "featuer_sets:"))
    assert error_of(path) == (f"{path}:4: featuer_sets: unknown key; did you mean 'feature_sets'?")


def test_unknown_nested_key_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("    stdout:", "    stdot:"))
    message = error_of(path)
    assert message.startswith(f"{path}:10: tests.0.stdot: unknown key")
    assert "did you mean 'stdout'" in message


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "tests: [unclosed\n")
    message = error_of(path)
    assert message.startswith(f"{path}:") and "invalid YAML" in message


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "test_timeout: true\n")
    assert error_of(path) == (f"{path}:11: test_timeout: expected a number, got a boolean True")


def test_required_key(tmp_path: Path) -> None:
    path = write(tmp_path, "schema: 1\ncrate: {package: x}\n")
    assert error_of(path) == f"{path}:2: crate.manifest: is required"


def test_unknown_placeholder_suggests(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("{binary}", "{binry}"))
    assert "unknown placeholder {binry}; did you mean 'binary'?" in error_of(path)


def test_fixture_placeholder_must_be_declared(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("hello]", "'{fixture:prog}']"))
    assert "unknown placeholder {fixture:prog}" in error_of(path)


def test_a_fixture_has_two_minutes_unless_it_says_how_long(tmp_path: Path) -> None:
    fixtures = """\
    fixtures:
      - {name: quick, argv: [cc, -o, "{output}", host.c]}
      - {name: slow, argv: [cargo, run, --, "{output}"], timeout: 900}
    """
    quick, slow = load_project(write(tmp_path, MINIMAL + textwrap.dedent(fixtures))).fixtures
    assert (quick.timeout, slow.timeout) == (120.0, 900.0)
    bad = MINIMAL + textwrap.dedent(fixtures).replace("900", "-1")
    assert "timeout" in error_of(write(tmp_path, bad, "bad.yaml"))


def test_duplicate_test_names(tmp_path: Path) -> None:
    text = MINIMAL + "  - {name: hello, argv: [x]}\n"
    assert "duplicate name 'hello'" in error_of(write(tmp_path, text))


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (
            "  - {name: wasi}\n",
            "project.yaml:12: parts.0: part 'wasi' names no crates and no symbols",
        ),
        (
            "  - {name: a, crates: [x]}\n  - {name: a, symbols: ['*']}\n",
            "project.yaml:13: parts.1.name: duplicate name 'a'",
        ),
        (
            "  - {name: a, crate: [x]}\n",
            "project.yaml:12: parts.0.crate: unknown key; did you mean 'crates'?",
        ),
        ("  - {name: ../a, crates: [x]}\n", "parts.0.name"),
        ("  - {name: a, crates: ['']}\n", "parts.0.crates.0"),
    ],
)
def test_a_part_must_name_what_it_counts(tmp_path: Path, parts: str, message: str) -> None:
    assert message in error_of(write(tmp_path, MINIMAL + "parts:\n" + parts))


def test_conflicting_expectations(tmp_path: Path) -> None:
    text = MINIMAL + "    stdout_regex: 'h.'\n"
    assert "stdout_regex: conflicts with stdout" in error_of(write(tmp_path, text))


def test_invalid_regex(tmp_path: Path) -> None:
    text = MINIMAL.replace('stdout: "hi\\n"', "stdout_regex: '(unclosed'")
    assert "invalid regex" in error_of(write(tmp_path, text))


def test_bad_artifact_kind(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  manifest: crate/Cargo.toml", "  manifest: crate/Cargo.toml\n  artifact: {kind: cdylb}"
    )
    assert "did you mean 'cdylib'" in error_of(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot read" in error_of(tmp_path / "nope.yaml")


STAIRCASE = """\
schema: 1
stages:
  - {name: release, description: optimized, base_profile: release}
  - name: small
    description: smaller
    feature_sets: [minimal]
    profile: {opt-level: s, lto: true}
"""


def staircase_error(tmp_path: Path, staircase: str) -> str:
    write(tmp_path, staircase, "stairs.yaml")
    return error_of(write(tmp_path, MINIMAL + "staircase: stairs.yaml\n"), staircase=True)


def test_staircase_unknown_feature_set(tmp_path: Path) -> None:
    message = staircase_error(tmp_path, STAIRCASE.replace("[minimal]", "[minimum]"))
    # The fix goes in the project file, so the error names it; the staircase line is quoted.
    assert message.startswith(f"{tmp_path / 'project.yaml'}:")
    assert "feature_sets: no feature set 'minimum', which stage small uses (stairs.yaml:6)" in (
        message
    )
    assert "did you mean 'minimal'?" in message


def test_staircase_unknown_profile_setting(tmp_path: Path) -> None:
    message = staircase_error(tmp_path, STAIRCASE.replace("lto: true", "ltoo: true"))
    assert "stages.1.profile.ltoo: unknown key; did you mean 'lto'?" in message


def test_staircase_invalid_profile_value(tmp_path: Path) -> None:
    message = staircase_error(tmp_path, STAIRCASE.replace("opt-level: s", "opt-level: x"))
    expected = 'stages.1.profile.opt-level: must be one of 0, 1, 2, 3, "s", "z", got text \'x\''
    assert expected in message


def test_staircase_rejects_bool_as_codegen_units(tmp_path: Path) -> None:
    message = staircase_error(tmp_path, STAIRCASE.replace("lto: true", "codegen-units: true"))
    assert "codegen-units: expected a whole number, got a boolean True" in message


def test_staircase_first_stage_needs_base_profile(tmp_path: Path) -> None:
    message = staircase_error(tmp_path, STAIRCASE.replace(", base_profile: release", ""))
    assert "base_profile: must be one of dev, release (the first stage must set it)" in message


def test_staircase_unknown_need(tmp_path: Path) -> None:
    text = STAIRCASE.replace("    feature_sets:", "    needs: [nightly]\n    feature_sets:")
    message = staircase_error(tmp_path, text)
    assert "stages.1.needs.0: must be one of" in message
    assert "did you mean 'nightly-flags'?" in message


def test_stages_are_cumulative(tmp_path: Path) -> None:
    write(
        tmp_path,
        STAIRCASE + "  - {name: abort, description: x, profile: {panic: abort}}\n",
        "stairs.yaml",
    )
    project = load_project(write(tmp_path, MINIMAL + "staircase: stairs.yaml\n"))
    release, small, abort = load_staircase(project)
    assert release.features == () and release.default_features
    assert small.features == ("run",)
    assert dict(abort.profile) == {"opt-level": "s", "lto": True, "panic": "abort"}
    assert abort.base_profile == "release"


def test_select_by_name_and_range() -> None:
    stages = load_staircase(load_project(REPO / "config" / "demo.yaml"))
    assert [s.name for s in select(stages, [], "lto", "strip-debuginfo")] == [
        "lto",
        "codegen-units-1",
        "strip-debuginfo",
    ]
    assert [s.name for s in select(stages, ["release", "lto"], None, None)] == ["release", "lto"]
    with pytest.raises(ConfigError, match="unknown stage 'lt'; did you mean 'lto'"):
        select(stages, ["lt"], None, None)


def test_the_compile_cache_is_off_unless_the_project_asks(tmp_path: Path) -> None:
    plain = load_project(write(tmp_path, MINIMAL))
    assert (plain.cache_tool, plain.cache_dir) == ("none", None)
    asked = load_project(write(tmp_path, MINIMAL + "cache: {tool: sccache, dir: .cache/cc}\n"))
    assert (asked.cache_tool, asked.cache_dir) == ("sccache", tmp_path / ".cache" / "cc")


def test_an_unknown_cache_suggests_the_known_one(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "cache: {tool: scache}\n")
    message = error_of(path)
    assert message.startswith(f"{path}:11: cache.tool: ")
    assert message.endswith("did you mean 'sccache'?")


def test_a_test_sets_environment_variables(tmp_path: Path) -> None:
    text = MINIMAL + '    env: {RUST_BACKTRACE: "0"}\n'
    (test,) = load_project(write(tmp_path, text)).tests
    assert test.env == {"RUST_BACKTRACE": "0"}
    for bad in ('{"NOT A NAME": x}', "{RUST_BACKTRACE: 0}"):
        message = error_of(write(tmp_path, MINIMAL + f"    env: {bad}\n"))
        assert "project.yaml:" in message and "tests.0.env" in message, message


def test_a_shared_redis_cache_is_named_without_its_password(tmp_path: Path) -> None:
    text = MINIMAL + "cache: {tool: sccache, redis: 'redis://127.0.0.1:6379'}\n"
    assert load_project(write(tmp_path, text)).cache_redis == "redis://127.0.0.1:6379"
    secret = MINIMAL + "cache: {tool: sccache, redis: 'redis://:hunter2@ci:6379'}\n"
    assert "SCCACHE_REDIS_PASSWORD" in error_of(write(tmp_path, secret))
    wrong = MINIMAL + "cache: {tool: sccache, redis: 'http://ci:6379'}\n"
    message = error_of(write(tmp_path, wrong))
    assert "project.yaml:" in message and "cache.redis" in message, message
