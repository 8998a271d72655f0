"""The wasm host loads only what its mode uses: a native library runs without the wasmtime
package (after README command 1, which installs no `[cross]` extra)."""

from __future__ import annotations

import ctypes.util
import sys
from pathlib import Path

import pytest

from minbuild.wasmhost import host

LIBRARY_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib", "/lib")


def test_a_native_call_needs_no_wasmtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wasmtime", None)  # `import wasmtime` raises ImportError
    name = ctypes.util.find_library("c")  # libc.so.6: where the loader finds it
    assert name is not None
    libc = next(Path(d) / name for d in LIBRARY_DIRS if (Path(d) / name).is_file())
    assert host.main(["native", str(libc), "abs", "7"]) == 7


def test_a_wasm_mode_without_wasmtime_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "wasmtime", None)
    assert host.main(["wasi", "missing.wasm"]) == 127
    assert "pip install wasmtime" in capsys.readouterr().err
