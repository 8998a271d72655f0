"""The demo crate's own test suite passes (it is a real program, not a size prop)."""

from __future__ import annotations

from pathlib import Path

from minbuild.util import command
from tests.conftest import REPO


def test_demo_cargo_test_passes(cargo: None, shared_state: Path) -> None:
    done = command.run(
        ["cargo", "test", "--workspace", "--manifest-path", str(REPO / "demo" / "Cargo.toml")],
        env={"CARGO_TARGET_DIR": str(shared_state / "demo-cargo-test")},
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.tail()
    assert "test result: ok" in done.stdout
    assert "FAILED" not in done.stdout
