"""`minbuild try`'s own decisions: a directory that holds another crate is refused in one line
and left as it was, and the line it prints to build again names the same stages."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.commands import try_crate
from minbuild.runs.progress import Silent
from minbuild.rust.fetch import CrateSpec
from minbuild.util.errors import ConfigError


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ({"Cargo.toml": '[package]\nname = "other"\nversion = "1.0.0"\n'}, "it holds other 1.0.0"),
        ({"Cargo.toml": '[package]\nname = "rg"\nversion = "14.0.0"\n'}, "it holds rg 14.0.0"),
        ({"notes.txt": "mine"}, "no Cargo.toml of a package"),
        ({"Cargo.toml": "[workspace\n"}, "no Cargo.toml of a package"),
    ],
)
def test_a_directory_that_holds_something_else_is_one_line_and_left_alone(
    tmp_path: Path, content: dict[str, str], said: str
) -> None:
    directory = tmp_path / "rg-14.1.1"
    directory.mkdir()
    for name, text in content.items():
        (directory / name).write_text(text)
    options = try_crate.Options(crate=CrateSpec("rg", "14.1.1"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        with pytest.raises(ConfigError) as raised:
            try_crate.run(options, Silent())
    assert str(raised.value) == (
        f"try: {directory} exists but does not hold rg 14.1.1 ({said}): remove it, or pass "
        "--dir for another place"
    )
    assert sorted(p.name for p in directory.iterdir()) == sorted(content)


def test_the_re_run_line_builds_the_same_stages_from_the_crates_directory(tmp_path: Path) -> None:
    options = try_crate.Options(
        crate=CrateSpec("rg", "14.1.1"), stages=("debug", "release"), toolchain="stable"
    )
    assert try_crate._rerun_line(tmp_path / "a b", options) == (
        f"cd '{tmp_path}/a b' && minbuild min-build --stages debug,release --toolchain stable"
    )
    plain = try_crate.Options(crate=CrateSpec("rg", None), offline=True)
    assert (
        try_crate._rerun_line(tmp_path, plain) == f"cd {tmp_path} && minbuild min-build --offline"
    )
