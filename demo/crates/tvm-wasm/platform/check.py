#!/usr/bin/env python3
"""Check tvm-wasm on its custom platform, the way Wasmtime's min-platform host does it:
load libtvm-platform.so with RTLD_GLOBAL first, then the embedding (libtvm_wasm.so),
and drive the C ABI.

    check.py PLATFORM_SO TVM_WASM_SO BYTECODE_DIR [PROGRAMS_DIR]

BYTECODE_DIR holds NAME.tvmb files (e.g. from `tinyvm compile programs/NAME.tvm -o
BYTECODE_DIR/NAME.tvmb`); each NAME with PROGRAMS_DIR/NAME.expected (default: demo/programs)
must print exactly that. divzero.tvmb must trap, and panic.tvmb, if present, must abort the
process through tvm_platform_abort. Exit status 0 when every check passes. Stdlib only.
"""

import ctypes
import signal
import subprocess
import sys
from pathlib import Path

OK, ERR_RUN = 0, 1
DIVZERO = "error: trap: integer division by zero"


def load(platform_so, wasm_so):
    ctypes.CDLL(str(Path(platform_so).resolve()), mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(str(Path(wasm_so).resolve()))
    lib.tvm_alloc.argtypes = [ctypes.c_uint32]
    lib.tvm_alloc.restype = ctypes.c_void_p
    lib.tvm_run.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.tvm_run.restype = ctypes.c_int32
    lib.tvm_output_ptr.argtypes = []
    lib.tvm_output_ptr.restype = ctypes.c_void_p
    lib.tvm_output_len.argtypes = []
    lib.tvm_output_len.restype = ctypes.c_uint32
    lib.tvm_version.restype = ctypes.c_uint32
    return lib


def run(lib, bytecode):
    """tvm_alloc, copy the bytecode in, tvm_run: (status, output text)."""
    ptr = lib.tvm_alloc(len(bytecode))
    ctypes.memmove(ptr, bytecode, len(bytecode))
    status = lib.tvm_run(ptr, len(bytecode))
    out = ctypes.string_at(lib.tvm_output_ptr(), lib.tvm_output_len())
    return status, out.decode()


def main(argv):
    if len(argv) == 5 and argv[1] == "--abort":  # the child of the panic check
        run(load(argv[2], argv[3]), Path(argv[4]).read_bytes())
        return 0
    if len(argv) not in (4, 5):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    platform_so, wasm_so, bytecode_dir = argv[1:4]
    programs = Path(argv[4]) if len(argv) == 5 else Path(__file__).resolve().parents[3] / "programs"
    lib = load(platform_so, wasm_so)
    failures = []

    def check(name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}")
        if not ok:
            failures.append(name)

    version = lib.tvm_version()
    check(f"tvm_version = {version:#08x}", version == 0x000300)
    for path in sorted(Path(bytecode_dir).glob("*.tvmb")):
        name = path.stem
        expected = programs / f"{name}.expected"
        if name == "divzero":
            status, out = run(lib, path.read_bytes())
            check(
                f"{name}: status {status}, {DIVZERO!r}",
                status == ERR_RUN and DIVZERO in out.splitlines(),
                repr(out),
            )
        elif name == "panic":
            child = subprocess.run(  # noqa: S603 - this script, by its own path
                [sys.executable, __file__, "--abort", platform_so, wasm_so, str(path)]
            )
            check(
                f"{name}: aborts (status {child.returncode})", child.returncode == -signal.SIGABRT
            )
        elif expected.exists():
            status, out = run(lib, path.read_bytes())
            check(
                f"{name}: status {status}, {len(out)} bytes as {expected.name}",
                (status, out) == (OK, expected.read_text()),
                repr(out),
            )
    status, out = run(lib, b"nope")
    check(
        f"bad bytecode: status {status}",
        status == ERR_RUN and out.startswith("error: not a tinyvm bytecode file"),
        repr(out),
    )
    status = lib.tvm_run(None, 1)
    out = ctypes.string_at(lib.tvm_output_ptr(), lib.tvm_output_len()).decode()
    check(
        f"null input: status {status}",
        (status, out) == (ERR_RUN, "error: null input pointer\n"),
        repr(out),
    )
    if hasattr(lib, "tvm_set_output"):  # the `custom-platform` feature
        seen = []
        sink = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32)(
            lambda p, n: seen.append(ctypes.string_at(p, n))
        )
        lib.tvm_set_output(sink)
        status, out = run(lib, b"nope")
        lib.tvm_set_output(None)
        check("tvm_set_output: the sink gets the output", seen == [out.encode()], repr(seen))
    verdict = "FAILED" if failures else "passed"
    print(f"{verdict}: {Path(wasm_so).name} on {Path(platform_so).name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
