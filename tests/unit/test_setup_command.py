"""`minbuild setup` where a user stands before `minbuild init`: no project file here (no
process is started: dpkg is simulated)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from minbuild.cli import parser
from minbuild.cli.main import main
from minbuild.util.command import Completed
from minbuild.util.errors import ConfigError

CARGO_TOML = '[package]\nname = "x"\nversion = "0.1.0"\n'


def nothing_installed(argv: Sequence[str], **_: object) -> Completed:
    assert argv[0] == "dpkg-query", f"a dry run ran {argv}"
    return Completed(tuple(argv), 1, "", "no packages found", 0.0)


@pytest.fixture
def without_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An empty directory and a crate without minbuild.yaml; no crate in the registry."""
    monkeypatch.setattr("minbuild.util.command.run", nothing_installed)
    monkeypatch.setattr("minbuild.rust.registry_crates.REGISTRY", tmp_path / "registry")
    empty, crate = tmp_path / "empty", tmp_path / "crate"
    empty.mkdir()
    crate.mkdir()
    (crate / "Cargo.toml").write_text(CARGO_TOML)
    return {"empty": empty, "crate": crate}


@pytest.mark.parametrize("where", ["empty", "crate"])
def test_setup_crates_needs_no_project_file_here(
    where: str,
    without_project: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(without_project[where])
    assert main(["setup", "--crates", "hexyl", "--dry-run"]) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert "missing: rustc-web cargo-web rust-web-src librust-hexyl-dev" in printed.out
    assert sorted(p.name for p in without_project[where].iterdir()) == (
        ["Cargo.toml"] if where == "crate" else []
    )


@pytest.mark.usefixtures("without_project")
def test_setup_targets_without_a_project_are_the_bundled_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path / "empty")
    assert main(["setup", "--targets", "aarch64-unknown-linux-gnu", "--dry-run"]) == 0
    assert "gcc-aarch64-linux-gnu" in capsys.readouterr().out


def settled(*argv: str) -> Path | None:
    args = parser.parser().parse_args(argv)
    parser.settle_defaults(args)
    config: Path | None = args.config
    return config


def test_commands_that_need_a_project_still_say_there_is_none(
    without_project: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for where in without_project.values():
        monkeypatch.chdir(where)
        for command in ("min-build", "doctor", "optimize"):
            with pytest.raises(ConfigError, match="run `minbuild init`"):
                settled(command)


def test_setup_still_reads_the_project_file_here(
    without_project: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    crate = without_project["crate"]
    monkeypatch.chdir(crate)
    (crate / "minbuild.yaml").write_text("schema: 1\n")
    assert main(["setup", "--crates", "hexyl", "--dry-run"]) == 2
    assert "crate.manifest: is required" in capsys.readouterr().err
