"""The README's "Your own crate" lines on a real crate, in the venv where only the quick
start's install line ran: hexyl as its users get it from crates.io (its Cargo.lock, its
assert_cmd tests), `minbuild init` there, then `cargo minbuild min-build`, cut to the release
stage (init built it; the stage finds it built)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import published_copy
from tests.readme import Fresh, block_after


def test_init_then_cargo_minbuild_on_a_crate_from_crates_io(
    fresh_venv: Fresh, published_crates: Path, tmp_path: Path
) -> None:
    lines = block_after("## Your own crate")
    assert lines[0].startswith("cd ") and lines[1] == "minbuild init"
    assert lines[2].startswith("minbuild min-build")
    crate = published_copy(published_crates, "hexyl", "0.17.0")
    published_lock = (crate / "Cargo.lock").read_bytes()
    state = f"--state-dir {tmp_path / 'state'}"
    said = fresh_venv.run(f"{lines[1]} {state}", cwd=crate)
    assert f"wrote {crate / 'minbuild.yaml'}" in said, said
    written = yaml.safe_load((crate / "minbuild.yaml").read_text(encoding="utf-8"))
    assert written["crate"]["artifact"] == {"kind": "bin", "name": "hexyl"}
    assert "integration_tests" in written, "hexyl's assert_cmd tests start the binary"
    built = fresh_venv.run(f"cargo minbuild min-build --stage release {state}", crate)
    assert "hexyl 0.17.0" in built
    row = next(r for r in built.splitlines() if r.split()[1:2] == ["release"])
    assert row.endswith(" ok") and " fresh " in f" {row} ", row
    assert (crate / "Cargo.lock").read_bytes() == published_lock
