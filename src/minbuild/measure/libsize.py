"""A static library holds everything, so its raw size misleads; its effective size is what a
program that calls only its exported entry points keeps when linked with --gc-sections."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minbuild.util import command

# What a Rust staticlib needs from the system on linux-gnu (rustc --print native-static-libs).
NATIVE_LIBS = ("-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc")


def probe_source(exports: Sequence[str]) -> str:
    """A C program that takes the address of every export, so the linker must keep them."""
    declarations = "".join(f"extern void {name}(void);\n" for name in exports)
    kept = ", ".join(exports)
    return (
        f"{declarations}void (*volatile const keep[])(void) = {{{kept}}};\n"
        "int main(void) { return keep[0] == 0; }\n"
    )


def effective_size(
    archive: Path, exports: Sequence[str], workdir: Path, compiler: str = "cc"
) -> int:
    """Bytes a stripped, --gc-sections program gains by linking `archive` for `exports`."""
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = []
    for name, source, libraries in (
        ("empty", "int main(void) { return 0; }\n", ()),
        ("probe", probe_source(exports), (str(archive),)),
    ):
        (workdir / f"{name}.c").write_text(source, encoding="utf-8")
        output = workdir / name
        command.run(
            [
                compiler,
                "-Os",
                "-s",
                "-ffunction-sections",
                "-fdata-sections",
                "-Wl,--gc-sections",
                str(workdir / f"{name}.c"),
                *libraries,
                *NATIVE_LIBS,
                "-o",
                str(output),
            ],
            timeout=300,
        )
        sizes.append(output.stat().st_size)
    return sizes[1] - sizes[0]
