"""What `minbuild optimize` prints to paste is a block a person can select as printed: one
line says where it goes, blank lines fence it off, and nothing but what the file takes is in
it (no build runs here)."""

from __future__ import annotations

import dataclasses
import tomllib

from minbuild.optimize import report
from minbuild.optimize.trials import Export
from tests.unit.test_optimize import searched_record

FOUND = Export(
    profile_name="minsize",
    profile={"opt-level": "s", "panic": "immediate-abort", "strip": "symbols"},
    rustflags=("-Zlocation-detail=none", "-Crelocation-model=static"),
    unstable={"build-std": ["std", "panic_abort"], "panic-immediate-abort": True},
    command="RUSTC_BOOTSTRAP=1 cargo build --package tinyvm --profile minsize -Z build-std",
    nightly=True,
    post_link=("wasm-opt -Oz in.wasm -o out.wasm",),
)


def printed() -> str:
    return report.terminal(dataclasses.replace(searched_record(), export=FOUND))


def paragraphs(text: str) -> list[list[str]]:
    """The text's runs of lines between blank lines, as a person selects them."""
    return [block.splitlines() for block in text.split("\n\n") if block.strip()]


def block_for(text: str, label: str) -> str:
    """The block whose first line is `label`, as printed."""
    (found,) = [p for p in paragraphs(text) if p[0] == label]
    return "\n".join(found) + "\n"


def test_the_profile_block_as_printed_is_the_toml_cargo_reads() -> None:
    profile = tomllib.loads(block_for(printed(), "# Cargo.toml"))
    assert profile == {
        "profile": {
            "minsize": {
                "inherits": "release",
                "opt-level": "s",
                "panic": "immediate-abort",
                "strip": "symbols",
            }
        }
    }


def test_the_config_block_as_printed_is_its_own_toml() -> None:
    config = tomllib.loads(block_for(printed(), "# .cargo/config.toml"))
    assert config == {
        "build": {"rustflags": ["-Zlocation-detail=none", "-Crelocation-model=static"]},
        "unstable": {"build-std": ["std", "panic_abort"], "panic-immediate-abort": True},
    }


def test_each_block_follows_one_line_saying_where_it_goes_and_holds_no_prose() -> None:
    text = printed()
    applying = paragraphs(text[text.index("the winner as a Cargo profile") :])
    wheres, blocks = applying[0::2], applying[1::2]
    assert len(wheres) == len(blocks) == 4
    for where in wheres:
        assert len(where) == 1 and where[0].endswith(":"), where
    assert "Cargo.toml" in wheres[0][0] and ".cargo/config.toml" in wheres[1][0]
    assert "nightly cargo" in wheres[2][0]
    assert blocks[2] == [FOUND.command] and blocks[3] == list(FOUND.post_link)
