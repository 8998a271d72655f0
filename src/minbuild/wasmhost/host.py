"""Run WebAssembly artifacts under Wasmtime (the PyPI package), the way qemu runs foreign ELF.

    python -m minbuild.wasmhost wasi MODULE.wasm [--dir HOST[::GUEST]]... [ARG...]
        A WASI command: argv, preopened directories (default: "/" as "/", so the absolute
        paths tests pass work unchanged), stdout/stderr inherited, its exit code ours.

    python -m minbuild.wasmhost call MODULE.wasm [--alloc EXPORT] [--print PTR,LEN] EXPORT [ARG]...
        A library (cdylib): each ARG is an integer, or @file:PATH whose bytes are copied into
        guest memory through the --alloc export and passed as (pointer, length). --print names
        two exports that give a buffer to write to stdout afterwards. Exit code: the export's
        integer result (0 if it returns none).

    python -m minbuild.wasmhost native LIBRARY.so [--preload PLATFORM.so]... [--alloc EXPORT]
            [--print PTR,LEN] EXPORT [ARG]...
        The same call, on a native C-ABI library (a host cdylib) loaded with ctypes; a custom
        platform's host library (--preload) is loaded first, its symbols global.

A trap (a panic under panic=abort, an out-of-bounds access) exits with 134, like SIGABRT.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TRAP_EXIT = 134


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.mode == "native":  # ctypes only: a host without the wasmtime package runs it
        return int(args.handler(None, args))
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
    modes = parser.add_subparsers(required=True, dest="mode")
    wasi = modes.add_parser("wasi", help="run a WASI command module")
    wasi.add_argument("module", type=Path)
    wasi.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]")
    wasi.add_argument("args", nargs=argparse.REMAINDER)
    wasi.set_defaults(handler=_run_wasi)
    for mode, handler, help_text in (
        ("call", _call, "call an export of a WebAssembly library module"),
        ("native", _call_native, "call an export of a native C-ABI library (ctypes)"),
    ):
        call = modes.add_parser(mode, help=help_text)
        call.add_argument("module", type=Path)
        call.add_argument("--alloc", help="export that allocates memory for input: (len) -> ptr")
        call.add_argument("--print", dest="print_buffer", metavar="PTR_EXPORT,LEN_EXPORT")
        call.add_argument(
            "--print-to",
            type=Path,
            metavar="FILE",
            help="write the --print buffer to FILE instead of stdout",
        )
        if mode == "native":
            call.add_argument(
                "--preload",
                action="append",
                default=[],
                type=Path,
                metavar="LIBRARY",
                help="load this shared library first, its symbols global: the host side of "
                "a custom platform, which the library calls (repeatable)",
            )
            call.add_argument(
                "--output-callback",
                metavar="SETTER",
                help="register a function that writes what the library outputs "
                "to stdout, through this export (a custom platform)",
            )
        call.add_argument("export")
        call.add_argument("args", nargs="*")
        call.set_defaults(handler=handler)
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

    def place(data: bytes) -> int:
        pointer = int(exports[args.alloc](store, len(data)))
        memory.write(store, data, pointer)
        return pointer

    values = [value for value, _ in _arguments(args, place)]
    result = exports[args.export](store, *values)
    if args.print_buffer:
        pointer_export, length_export = args.print_buffer.split(",")
        pointer, length = exports[pointer_export](store), exports[length_export](store)
        _emit(memory.read(store, pointer, pointer + length), args.print_to)
    return int(result) if isinstance(result, int) else 0


def _arguments(args: argparse.Namespace, place: Callable[[bytes], int]) -> list[tuple[int, bool]]:
    """The call's arguments as (value, is_pointer): an integer stays one; @file:PATH becomes
    the address `place` copied the file's bytes to, then their length."""
    values: list[tuple[int, bool]] = []
    for arg in args.args:
        if not arg.startswith("@file:"):
            values.append((int(arg), False))
            continue
        if not args.alloc:
            raise SystemExit("wasmhost: @file: arguments need --alloc EXPORT")
        data = Path(arg.removeprefix("@file:")).read_bytes()
        values += [(place(data), True), (len(data), False)]
    return values


def _emit(data: bytes, path: Path | None) -> None:
    if path is not None:
        path.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _call_native(wasmtime: Any, args: argparse.Namespace) -> int:
    import ctypes

    for platform in args.preload:  # before the library, whose undefined symbols it provides
        ctypes.CDLL(str(platform.resolve()), mode=ctypes.RTLD_GLOBAL)
    library = ctypes.CDLL(str(args.module.resolve()))

    def export(name: str, result: Any) -> Any:
        function = getattr(library, name)
        function.restype = result
        return function

    def place(data: bytes) -> int:
        pointer = int(export(args.alloc, ctypes.c_void_p)(ctypes.c_uint32(len(data))))
        ctypes.memmove(pointer, data, len(data))
        return pointer

    # A native pointer is 64 bits wide; every other argument is a u32, as the exports declare.
    values = [
        ctypes.c_void_p(value) if pointer else ctypes.c_uint32(value)
        for value, pointer in _arguments(args, place)
    ]
    sink_type = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32)

    def deliver(pointer: int, length: int) -> None:
        _emit(ctypes.string_at(pointer, length) if length else b"", None)

    sink = sink_type(deliver)  # kept alive until the call returns
    if args.output_callback:
        export(args.output_callback, None)(sink)
    result = export(args.export, ctypes.c_int32)(*values)
    if args.print_buffer:
        pointer_name, length_name = args.print_buffer.split(",")
        pointer = export(pointer_name, ctypes.c_void_p)()
        length = export(length_name, ctypes.c_uint32)()
        _emit(ctypes.string_at(pointer, length) if length else b"", args.print_to)
    return int(result)
