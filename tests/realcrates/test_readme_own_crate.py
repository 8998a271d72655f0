"""The README's "Your own crate" lines on a real crate, in the venv where only the quick
start's install line ran: `minbuild init` in a copy of hexyl from Debian's registry (prepared
as the README prepares it), then `cargo minbuild min-build` there, cut to the release stage
(test_hexyl.py takes hexyl down every stage). The copy shares that test's state dir, so cargo
rebuilds only hexyl itself: its dependencies are built already."""

from __future__ import annotations

from collections.abc import Callable

import yaml

from tests.readme import Fresh, block_after
from tests.realcrates.conftest import RealCrate


def test_init_then_cargo_minbuild_on_a_copy_of_a_real_crate(
    fresh_venv: Fresh, real_crates: Callable[[str, str], RealCrate], hexyl: RealCrate
) -> None:
    lines = block_after("## Your own crate")
    assert lines[0].startswith("cd ") and lines[1] == "minbuild init"
    assert lines[2].startswith("minbuild min-build")
    crate = real_crates("hexyl", "0.8.0")
    shared = f"--state-dir {hexyl.state}"
    said = fresh_venv.run(f"{lines[1]} {shared}", cwd=crate.directory)
    assert f"wrote {crate.directory / 'minbuild.yaml'}" in said, said
    written = yaml.safe_load((crate.directory / "minbuild.yaml").read_text(encoding="utf-8"))
    assert written["crate"]["artifact"] == {"kind": "bin", "name": "hexyl"}
    built = fresh_venv.run(f"cargo minbuild min-build --stage release {shared}", crate.directory)
    assert "hexyl 0.8.0" in built
    assert any(
        row.split()[1:2] == ["release"] and row.endswith(" ok") for row in built.splitlines()
    )
