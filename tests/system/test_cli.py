"""The command line: one-line errors with exit code 2, never a traceback."""

from __future__ import annotations

import os
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
    assert "run `minbuild min-build` first" in result.stderr


def test_bad_option_is_a_usage_error() -> None:
    result = minbuild("min-build", "--frobnicate")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_the_project_file_defaults_to_minbuild_yaml_here_else_the_demo(tmp_path: Path) -> None:
    from minbuild.cli import parser as cli_parser
    from minbuild.commands.vocabulary import DEMO_CONFIG

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


def test_without_a_project_file_here_it_says_what_it_looked_for_and_creates_nothing(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = minbuild("min-build", cwd=empty)
    assert result.returncode == 2
    assert result.stderr == (
        f"minbuild: error: no project file in {empty} (looked for minbuild.yaml and Cargo.toml):"
        " run `minbuild init` in your crate, or pass --config FILE (--config demo: the bundled"
        " demo crate)\n"
    )
    crate = tmp_path / "crate"
    crate.mkdir()
    (crate / "Cargo.toml").write_text('[package]\nname = "x"\nversion = "0.1.0"\n')
    result = minbuild("optimize", cwd=crate)
    assert result.returncode == 2
    assert "Cargo.toml has no project file beside it (minbuild.yaml): run `minbuild init`" in (
        result.stderr
    )
    broken = minbuild("min-build", "--config", str(crate / "nowhere.yaml"), cwd=crate)
    assert broken.returncode == 2 and "nowhere.yaml" in broken.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["Cargo.toml", "crate", "empty"]


def test_the_demo_is_reachable_by_name_from_anywhere(tmp_path: Path) -> None:
    from minbuild.cli import parser as cli_parser

    args = cli_parser.parser().parse_args(["min-build", "--config", "demo"])
    cli_parser.settle_defaults(args)
    assert args.config == REPO / "config" / "demo.yaml"
    result = minbuild(
        "min-build", "--config", "demo", "--dry-run", "--stage", "release", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert f"--manifest-path {REPO / 'demo' / 'Cargo.toml'}" in result.stdout


def test_cargo_minbuild_is_minbuild(cargo: None, tmp_path: Path) -> None:
    done = subprocess.run(
        ["cargo", "minbuild", "--version"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("minbuild ")
    empty = subprocess.run(
        ["cargo", "minbuild", "min-build"], cwd=tmp_path, capture_output=True, text=True
    )
    assert empty.returncode == 2 and "run `minbuild init` in your crate" in empty.stderr


def test_bash_completes_commands_and_their_options(tmp_path: Path) -> None:
    script = tmp_path / "minbuild.bash"
    done = minbuild("--print-completion", "bash")
    assert done.returncode == 0, done.stderr
    script.write_text(done.stdout)
    probe = (
        f"source {script}; COMP_WORDS=(minbuild min); COMP_CWORD=1; "
        '_shtab_minbuild minbuild min minbuild; echo "${COMPREPLY[@]}"; '
        "COMP_WORDS=(minbuild optimize --tri); COMP_CWORD=2; "
        '_shtab_minbuild minbuild --tri optimize; echo "${COMPREPLY[@]}"'
    )
    completed = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=60)
    assert completed.stdout.split("\n")[:2] == ["min-build", "--trials"], completed.stderr


def test_a_terminal_that_is_not_utf8_gets_the_whole_report(tmp_path: Path) -> None:
    """`Δ` and `·` become `?` under PYTHONIOENCODING=ascii: the table is there, no traceback."""
    from minbuild.runs import records
    from tests.unit.samples import sample_run

    records.save(sample_run(), tmp_path / "runs")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = run_minbuild("size-report", "--state-dir", str(tmp_path), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    utf8 = minbuild("size-report", "--state-dir", str(tmp_path)).stdout
    assert "Δ" in utf8 and result.stdout == utf8.encode("ascii", "replace").decode("ascii")


def test_a_dry_run_that_finds_bad_input_writes_nothing(tmp_path: Path) -> None:
    crate = REPO / "tests" / "crates" / "hello"
    config = tmp_path / "minbuild.yaml"
    text = (crate / "minbuild.yaml").read_text(encoding="utf-8")
    config.write_text(
        text.replace("manifest: Cargo.toml", f"manifest: {crate / 'Cargo.toml'}")
        + "staircase: stairs.yaml\n",
        encoding="utf-8",
    )
    (tmp_path / "stairs.yaml").write_text("schema: 1\nstages: [{name: x}]\n", encoding="utf-8")
    state = tmp_path / "state"
    result = minbuild("min-build", "--config", str(config), "--state-dir", str(state), "--dry-run")
    assert result.returncode == 2, result.stderr
    assert "stairs.yaml" in result.stderr
    assert not state.exists()
