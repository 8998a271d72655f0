"""commands/resolve.py: the one place where the command line, the environment and the project
file meet; for each value, the flag wins, then the environment, then the file, then the
default."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.cli import parser as cli_parser
from minbuild.commands import registry
from minbuild.commands.build_options import BuildOptions
from minbuild.commands.resolve import allowance, build_request, compile_cache, network
from minbuild.project import config
from minbuild.project.config import load_project
from minbuild.rust import cache
from minbuild.util import yamlfile
from minbuild.util.yamlfile import Document
from tests.conftest import REPO
from tests.unit.test_config import MINIMAL, write

DEMO = REPO / "config" / "demo.yaml"


@pytest.fixture
def fake_sccache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    binary = tmp_path / "bin" / "sccache"
    monkeypatch.setattr(cache, "find_sccache", lambda: binary)
    return binary


def test_the_flag_lets_growth_through_before_the_variable_does() -> None:
    labelled = {"MINBUILD_ALLOW_GROWTH": "label size-growth-ok"}
    assert allowance(labelled, flag=True) == "--allow-growth"
    assert allowance(labelled, flag=False) == "MINBUILD_ALLOW_GROWTH=label size-growth-ok"
    for off in ("", "0", "false", "No "):
        assert allowance({"MINBUILD_ALLOW_GROWTH": off}, flag=False) is None
    assert allowance({}, flag=False) is None


def test_the_cache_comes_from_the_flag_then_the_file_then_the_default(
    fake_sccache: Path, tmp_path: Path
) -> None:
    plain = load_project(write(tmp_path, MINIMAL))
    asked = load_project(write(tmp_path, MINIMAL + "cache: {tool: sccache, dir: .cache/cc}\n"))
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert compile_cache(plain, xdg) is None
    by_flag = compile_cache(plain, xdg, tool="sccache")
    assert by_flag is not None and by_flag.directory == tmp_path / "xdg" / "minbuild" / "sccache"
    by_file = compile_cache(asked, xdg)
    assert by_file is not None and by_file.directory == tmp_path / ".cache" / "cc"
    own = compile_cache(asked, xdg, directory=tmp_path / "mine")
    assert own is not None and own.directory == tmp_path / "mine"
    assert compile_cache(asked, xdg, tool="none") is None


def test_cargo_net_offline_makes_the_run_offline_without_a_flag_of_ours() -> None:
    by_environment = network({"CARGO_NET_OFFLINE": "true"})
    assert by_environment.offline_by_environment and not by_environment.offline
    assert by_environment.resolving() == ()
    frozen = network({}, frozen=True)
    assert frozen.locked and frozen.offline and not frozen.offline_by_environment


def test_the_request_holds_the_project_read_and_every_value_settled(
    fake_sccache: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, MINIMAL + "cache: {tool: sccache}\n")
    (tmp_path / "crate").mkdir()
    (tmp_path / "crate" / "Cargo.toml").write_text("[package]\n")
    options = BuildOptions(
        config=path, stages=("all",), state_dir=Path("state"), allow_growth=False, offline=True
    )
    environ = {"MINBUILD_ALLOW_GROWTH": "label", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    request = build_request(options, environ)
    assert request.project.source.path == path
    assert request.state_dir.is_absolute() and request.state_dir.name == "state"
    assert request.every_stage and request.stage_names == () and not request.picks_stages
    assert request.allowance == "MINBUILD_ALLOW_GROWTH=label"
    assert request.cache is not None and request.cache.directory.parent.name == "minbuild"
    assert request.network.offline and not request.network.locked


FINDS_PROJECT = [c.name for c in registry.COMMANDS if c.finds_project]


@pytest.mark.parametrize("name", FINDS_PROJECT)
def test_every_command_reads_its_project_file_once_before_it_runs(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the project is found, nothing is read; the command's resolution reads it once
    and hands what it read to `run`."""
    read: list[Path] = []
    real = yamlfile.load

    def counted(path: Path) -> Document:
        read.append(path)
        return real(path)

    monkeypatch.setattr(config, "load", counted)
    args = cli_parser.parser().parse_args([name, "--config", str(DEMO)])
    cli_parser.settle_defaults(args)
    assert read == []
    command = registry.BY_NAME[name]
    command.resolve(cli_parser.build(command.options, vars(args)), {})
    assert read == [DEMO]
