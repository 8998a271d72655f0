"""Cross-target configuration, runner argv and the missing-tool (skip) logic."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from minbuild.project import targets
from minbuild.project.config import bundled
from minbuild.project.targets import load_targets, select
from minbuild.util.errors import ConfigError

SIX = [
    "aarch64-unknown-linux-gnu",
    "armv7-unknown-linux-gnueabihf",
    "riscv64gc-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
    "wasm32-wasip1",
    "wasm32-unknown-unknown",
]


def by_triple() -> dict[str, targets.Target]:
    return {t.triple: t for t in load_targets(bundled("targets.yaml"))}


def test_the_bundled_file_declares_six_targets() -> None:
    found = by_triple()
    assert list(found) == SIX
    assert found["wasm32-unknown-unknown"].artifact == "cdylib"
    assert found["x86_64-unknown-linux-musl"].runner == ()
    assert found["aarch64-unknown-linux-gnu"].env_key == "AARCH64_UNKNOWN_LINUX_GNU"


def test_wasm_targets_link_with_debians_rust_lld_by_path() -> None:
    """Not the first `rust-lld` on PATH: cargo-binutils puts a proxy there that fails."""
    found = by_triple()
    for triple in ("wasm32-wasip1", "wasm32-unknown-unknown"):
        assert found[triple].linker == "/usr/bin/rust-lld"
        assert found[triple].linker in found[triple].requires


def test_runner_argv_uses_this_interpreter() -> None:
    assert by_triple()["wasm32-wasip1"].runner_argv() == [
        sys.executable,
        "-m",
        "minbuild.wasmhost",
        "wasi",
    ]
    assert by_triple()["armv7-unknown-linux-gnueabihf"].runner_argv() == [
        "qemu-arm",
        "-L",
        "/usr/arm-linux-gnueabihf",
    ]


def test_missing_tools_are_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minbuild.project.targets.shutil.which", lambda name: None)
    aarch64 = by_triple()["aarch64-unknown-linux-gnu"]
    assert aarch64.missing()[:2] == ["aarch64-linux-gnu-gcc", "qemu-aarch64"]
    assert aarch64.fix() == (
        "apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu "
        "libc6-dev-arm64-cross qemu-user"
    )


def test_a_dangling_link_and_a_missing_python_package_count_as_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rust-lld").symlink_to(tmp_path / "nowhere")
    wasm = by_triple()["wasm32-unknown-unknown"]
    wasm = targets.Target(
        **{
            **wasm.__dict__,
            "requires": (str(tmp_path / "rust-lld"),),
            "pip": ("surely_not_installed_pkg",),
        }
    )
    assert wasm.missing() == [str(tmp_path / "rust-lld"), "python package surely_not_installed_pkg"]
    assert wasm.fix().endswith("&& pip install surely_not_installed_pkg")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_bad_artifact_kind_suggests(tmp_path: Path) -> None:
    path = write(tmp_path, "schema: 1\ntargets:\n  - {triple: x, artifact: cdylb}\n")
    with pytest.raises(ConfigError, match=r"targets\.0\.artifact: .*did you mean 'cdylib'"):
        load_targets(path)


def test_duplicate_triples_and_relative_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate target 'x'"):
        load_targets(write(tmp_path, "schema: 1\ntargets:\n  - {triple: x}\n  - {triple: x}\n"))
    with pytest.raises(ConfigError, match="a file must be an absolute path"):
        load_targets(write(tmp_path, "schema: 1\ntargets:\n  - {triple: x, requires: [a/b]}\n"))


def test_select_targets_by_name() -> None:
    every = load_targets(bundled("targets.yaml"))
    assert [t.triple for t in select(every, [])] == SIX
    assert [t.triple for t in select(every, ["wasm32-wasip1", "aarch64-unknown-linux-gnu"])] == [
        "aarch64-unknown-linux-gnu",
        "wasm32-wasip1",
    ]
    with pytest.raises(ConfigError, match="unknown target 'wasm32-wasi'; did you mean"):
        select(every, ["wasm32-wasi"])
