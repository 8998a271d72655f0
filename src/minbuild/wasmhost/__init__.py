"""Run a built wasm or native library for the tests: `python -m minbuild.wasmhost MODE ...`.

Users' targets files name this module path, so it stays here; it imports nothing else of
minbuild, which keeps it usable as a runner in any environment that has wasmtime."""
