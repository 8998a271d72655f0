"""Link host.c against one stage's libwasmtime, then run it: what the C API's tests call.

    python3 host.py LIBRARY WORKDIR CRATE_DIR compile MODULE.wat OUT.cwasm
    python3 host.py LIBRARY WORKDIR CRATE_DIR call MODULE.cwasm EXPORT ARG

The headers are wasmtime-c-api-impl's own, where cargo unpacked it (`cargo metadata` of the
crate in CRATE_DIR). Their wasmtime/conf.h is made from conf.h.in with every feature on: the
host declares everything and learns at run time what the library has (weak symbols). The host
is linked once per library (WORKDIR is the stage's own) and run in this process's place, so
its exit code and signal are the test's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def headers(crate_dir: Path) -> Path:
    argv = ["cargo", "metadata", "--format-version", "1", "--locked", "--offline"]
    # an argument list of our own; only the crate's directory comes from the test
    done = subprocess.run(argv, cwd=crate_dir, check=True, capture_output=True, text=True)  # noqa: S603
    metadata = json.loads(done.stdout)
    for package in metadata["packages"]:
        if package["name"] == "wasmtime-c-api-impl":
            return Path(package["manifest_path"]).parent / "include"
    sys.exit(f"host.py: {crate_dir} does not depend on wasmtime-c-api-impl")


def linked(library: Path, workdir: Path, crate_dir: Path) -> Path:
    seen = library.stat()
    source = hashlib.sha256((HERE / "host.c").read_bytes()).hexdigest()  # a changed host relinks
    built_from = f"{library}:{seen.st_size}:{seen.st_mtime_ns}:{source}"
    key = hashlib.sha256(built_from.encode()).hexdigest()
    host = workdir / f"host-{key[:16]}"
    if host.exists():
        return host
    include = headers(crate_dir)
    generated = workdir / "include" / "wasmtime"
    generated.mkdir(parents=True, exist_ok=True)
    template = (include / "wasmtime" / "conf.h.in").read_text()
    conf = re.sub(r"#cmakedefine (\w+)", r"#define \1", template)
    (generated / "conf.h").write_text(conf)
    partial = host.with_name(f"{host.name}.partial")
    argv = ["cc", "-O1", "-I", str(generated.parent), "-I", str(include), str(HERE / "host.c")]
    argv += [str(library), f"-Wl,-rpath,{library.parent}", "-o", str(partial)]
    subprocess.run(argv, check=True)  # noqa: S603 (an argument list, the library's path in it)
    partial.replace(host)
    return host


def main() -> None:
    library, workdir, crate_dir = (Path(arg).resolve() for arg in sys.argv[1:4])
    host = linked(library, workdir, crate_dir)
    os.execv(host, [str(host), *sys.argv[4:]])


if __name__ == "__main__":
    main()
