"""The command line: one-line errors with exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO, run_minbuild


def minbuild(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run_minbuild(*args, cwd=cwd, timeout=120)


def test_unknown_key_is_one_line_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "p.yaml"
    config.write_text("schema: 1\ncrate: {manifest: x/Cargo.toml}\ntset_timeout: 3\n")
    result = minbuild("min-build", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr == (
        f"minbuild: error: {config}:3: tset_timeout: unknown key; did you mean 'test_timeout'?\n"
    )


def test_unknown_stage_suggests(tmp_path: Path) -> None:
    result = minbuild("min-build", "--state-dir", str(tmp_path), "--stage", "lto-fat", "--dry-run")
    assert result.returncode == 2
    assert "unknown stage 'lto-fat'; did you mean 'lto'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_size_report_without_runs_says_what_to_do(tmp_path: Path) -> None:
    result = minbuild("size-report", "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert "run `nox -s min-build` first" in result.stderr


def test_bad_option_is_a_usage_error() -> None:
    result = minbuild("min-build", "--frobnicate")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_the_project_file_defaults_to_minbuild_yaml_here_else_the_demo(tmp_path: Path) -> None:
    from minbuild.cli import parser as cli_parser
    from minbuild.project.options import DEMO_CONFIG

    def settled(*argv: str) -> object:
        args = cli_parser.parser().parse_args(argv)
        cli_parser.settle_defaults(args)
        return args.config

    assert settled("min-build") == DEMO_CONFIG
    assert settled("size-report") is None  # the run's own
    assert settled("feature-matrix", "--manifest-path", "x/Cargo.toml") is None
    (tmp_path / "minbuild.yaml").write_text("schema: 1\n")
    result = minbuild("min-build", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "minbuild: error: minbuild.yaml: crate.manifest: is required\n"
