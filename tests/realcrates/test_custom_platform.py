"""A user's own custom platform: tests/crates/platform is a no_std library for a board Rust
does not know, its target spec and host side in its own folder, a dependency (memchr) from
Debian's registry. cross-build takes it there as a user runs it, from the crate's directory:
core and alloc rebuilt from one offline source with memchr, the staticlib linked into a .so
that exports only the C ABI, its tests run through the board's host library."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from tests.conftest import REPO, require, run_minbuild
from tests.realcrates.conftest import REGISTRY, RealCrate


def test_a_board_library_with_a_registry_dependency_builds_and_runs_on_its_host(
    real_crates: Callable[[str, str], RealCrate], tmp_path: Path
) -> None:
    require((REGISTRY / "memchr-2.5.0").is_dir(), "memchr: minbuild setup --crates memchr")
    crate = tmp_path / "platform"
    shutil.copytree(REPO / "tests" / "crates" / "platform", crate)
    state = tmp_path / "state"
    done = run_minbuild(
        "cross-build", "--target", "x86_64-board-none", "--state-dir", str(state), cwd=crate
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (stage,) = json.loads(next((state / "runs").glob("*.json")).read_text())["stages"]
    assert (stage["name"], stage["target"], stage["status"]) == (
        "panic-immediate-abort",
        "x86_64-board-none",
        "ok",
    )
    assert {t["name"]: t["status"] for t in stage["tests"]} == {
        "count-a": "passed",  # memchr counted the bytes the host copied into the board's heap
        "panic-aborts": "skipped",
        "panic-traps": "passed",
    }
    crates = {c["name"]: c["origin"] for c in stage["composition"]["crates"]}
    assert crates["memchr"] == "dependency" and "[unmangled]" in crates  # the C ABI's own code
    archive = stage["staticlib"]
    assert 0 < archive["effective_size_bytes"] < stage["size_bytes"] < archive["size_bytes"]
    with Path(stage["artifact"]).open("rb") as handle:
        table = ELFFile(handle).get_section_by_name(".dynsym")
        assert isinstance(table, SymbolTableSection)
        defined = {s.name for s in table.iter_symbols() if s["st_shndx"] != "SHN_UNDEF"}
        needed = {s.name for s in table.iter_symbols() if s["st_shndx"] == "SHN_UNDEF"}
    assert defined - {""} == {"board_buffer", "board_count", "board_panic"}  # the C ABI only
    assert {"board_alloc", "board_free"} <= needed  # from the host (no abort: a panic is ud2)
