"""Run WebAssembly artifacts under Wasmtime (the PyPI package), the way qemu runs foreign ELF.

    python -m minbuild.wasmhost wasi MODULE.wasm [--dir HOST[::GUEST]]... [ARG...]
        A WASI command: argv, preopened directories (default: "/" as "/", so the absolute
        paths tests pass work unchanged), stdout/stderr inherited, its exit code ours.

    python -m minbuild.wasmhost call MODULE.wasm [--alloc EXPORT] [--print PTR,LEN] EXPORT [ARG]...
        A library (cdylib): each ARG is an integer, or @file:PATH whose bytes are copied into
        guest memory through the --alloc export and passed as (pointer, length). --print names
        two exports that give a buffer to write to stdout afterwards. Exit code: the export's
        integer result (0 if it returns none).

A trap (a panic under panic=abort, an out-of-bounds access) exits with 134, like SIGABRT.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TRAP_EXIT = 134


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        import wasmtime
    except ImportError:
        print(
            "wasmhost: the `wasmtime` package is not installed (pip install wasmtime)",
            file=sys.stderr,
        )
        return 127
    try:
        return int(args.handler(wasmtime, args))
    except wasmtime.ExitTrap as exit_trap:
        return int(exit_trap.code)
    except wasmtime.Trap as trap:
        lines = [line.strip() for line in trap.message.splitlines() if line.strip()]
        cause = next((line for line in reversed(lines) if "trap" in line), lines[0])
        print(f"wasmhost: {cause}", file=sys.stderr)
        return TRAP_EXIT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m minbuild.wasmhost",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    modes = parser.add_subparsers(required=True)
    wasi = modes.add_parser("wasi", help="run a WASI command module")
    wasi.add_argument("module", type=Path)
    wasi.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]")
    wasi.add_argument("args", nargs=argparse.REMAINDER)
    wasi.set_defaults(handler=_run_wasi)
    call = modes.add_parser("call", help="call an export of a library module")
    call.add_argument("module", type=Path)
    call.add_argument("--alloc", help="export that allocates guest memory: (len) -> ptr")
    call.add_argument("--print", dest="print_buffer", metavar="PTR_EXPORT,LEN_EXPORT")
    call.add_argument("export")
    call.add_argument("args", nargs="*")
    call.set_defaults(handler=_call)
    return parser


def _run_wasi(wasmtime: Any, args: argparse.Namespace) -> int:
    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    config = wasmtime.WasiConfig()
    config.argv = [args.module.stem, *args.args]
    config.inherit_stdout()
    config.inherit_stderr()
    for host, guest in _preopens(args.dir):
        config.preopen_dir(host, guest)
    store = wasmtime.Store(engine)
    store.set_wasi(config)
    instance = linker.instantiate(store, wasmtime.Module.from_file(engine, str(args.module)))
    sys.stdout.flush()
    instance.exports(store)["_start"](store)
    return 0


def _preopens(dirs: Sequence[str]) -> list[tuple[str, str]]:
    if not dirs:
        return [("/", "/")]
    return [(spec.split("::", 1)[0], spec.split("::", 1)[-1]) for spec in dirs]


def _call(wasmtime: Any, args: argparse.Namespace) -> int:
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module.from_file(engine, str(args.module)), [])
    exports = instance.exports(store)
    memory = exports["memory"]
    values: list[int] = []
    for arg in args.args:
        if arg.startswith("@file:"):
            data = Path(arg.removeprefix("@file:")).read_bytes()
            if not args.alloc:
                raise SystemExit("wasmhost: @file: arguments need --alloc EXPORT")
            pointer = exports[args.alloc](store, len(data))
            memory.write(store, data, pointer)
            values += [pointer, len(data)]
        else:
            values.append(int(arg))
    result = exports[args.export](store, *values)
    if args.print_buffer:
        pointer_export, length_export = args.print_buffer.split(",")
        pointer, length = exports[pointer_export](store), exports[length_export](store)
        sys.stdout.buffer.write(memory.read(store, pointer, pointer + length))
        sys.stdout.flush()
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
