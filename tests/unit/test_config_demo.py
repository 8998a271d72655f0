"""`--config demo` is the bundled demo in every command and every directory, minbuild's own
checkout included, where a `demo/` directory sits beside config/ (no process is started)."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.cli import parser
from minbuild.cli.main import main
from minbuild.cli.parser import build
from minbuild.commands.option import declared
from minbuild.commands.registry import BY_NAME, COMMANDS
from minbuild.runs import records
from minbuild.util.errors import ConfigError
from tests.conftest import REPO
from tests.unit.samples import sample_run

DEMO = REPO / "config" / "demo.yaml"
TAKES_CONFIG = [c.name for c in COMMANDS if any(n == "config" for n, _, _ in declared(c.options))]


def settled(*argv: str) -> Path | None:
    args = parser.parser().parse_args(argv)
    parser.settle_defaults(args)
    config: Path | None = args.config
    return config


def resolved(*argv: str) -> object:
    """What the command runs on, its project file read as the command line reads it."""
    args = parser.parser().parse_args(argv)
    parser.settle_defaults(args)
    command = BY_NAME[args.command]
    return command.resolve(build(command.options, vars(args)), {})


@pytest.mark.parametrize("where", ["checkout", "elsewhere"])
@pytest.mark.parametrize("command", TAKES_CONFIG)
def test_config_demo_is_the_demo_in_every_command_and_directory(
    command: str, where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO if where == "checkout" else tmp_path)
    assert (REPO / "demo").is_dir()  # what shadowed the name in the checkout
    assert settled(command, "--config", "demo") == DEMO


def test_size_report_reads_the_demo_s_project_file_from_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records.save(sample_run(), tmp_path / "runs")
    monkeypatch.chdir(REPO)
    assert main(["size-report", "--config", "demo", "--state-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    assert printed.err == "" and "tinyvm 0.3.0" in printed.out


def test_a_file_named_demo_is_dot_slash_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    with pytest.raises(ConfigError, match=r"^demo: cannot read: Is a directory"):
        resolved("min-build", "--config", "./demo")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").write_text("schema: 1\n")
    with pytest.raises(ConfigError, match=r"^demo: crate\.manifest: is required"):
        resolved("min-build", "--config", "./demo")


def test_without_the_checkout_config_demo_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "site-packages" / "minbuild" / "resources" / "demo.yaml"
    monkeypatch.setattr("minbuild.commands.vocabulary.bundled", lambda name: installed)
    with pytest.raises(ConfigError, match="argument --config: demo: the demo crate comes with"):
        settled("min-build", "--config", "demo")
