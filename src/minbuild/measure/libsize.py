"""A static library holds everything, so its raw size misleads; its effective size is what a
program that calls only its exported entry points keeps when linked with --gc-sections (or a
custom platform's .so that exports only them), counted in the bytes of its sections that load
beyond an empty one's: file sizes move in pages, which swallow a small library whole."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from minbuild.measure.binaries import defined_globals
from minbuild.util import command
from minbuild.util.errors import UnreadableArtifact

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


def present(archive: Path, exports: Sequence[str]) -> tuple[str, ...]:
    """The exports the archive defines (a build without a feature lacks the ones behind it),
    as a version script keeps only those; an error if it defines none."""
    defined = defined_globals(archive)
    kept = tuple(name for name in exports if name in defined)
    if not kept:
        raise UnreadableArtifact(
            f"{archive.name} defines none of crate.staticlib.exports ({', '.join(exports)})"
        )
    return kept


def measured(
    archive: Path, exports: Sequence[str], workdir: Path, shared_linker: str | None = None
) -> tuple[int, tuple[str, ...]]:
    """The archive's effective size for the exports it defines, and those exports: in a
    program (the host's staticlib), or with `shared_linker` in a .so (a custom platform's)."""
    kept = present(archive, exports)
    if shared_linker:
        return shared_effective_size(archive, kept, workdir, shared_linker), kept
    return effective_size(archive, kept, workdir), kept


def version_script(exports: Sequence[str]) -> str:
    """A linker version script: these symbols are the library's ABI, every other is local."""
    return "{\n  global:\n" + "".join(f"    {name};\n" for name in exports) + "  local: *;\n};\n"


def shared_link_argv(
    linker: str, archive: Path, script: Path, output: Path, strip: Sequence[str] = ()
) -> list[str]:
    """Link a whole static library into a shared one, keeping what the script's exports reach
    (--gc-sections) and exporting nothing else: what a host that loads the library gets."""
    return [
        linker,
        "-shared",
        "-Wl,--gc-sections",
        f"-Wl,--version-script={script}",
        *strip,
        "-Wl,--whole-archive",
        str(archive),
        "-Wl,--no-whole-archive",
        "-o",
        str(output),
    ]


def shared_effective_size(
    archive: Path, exports: Sequence[str], workdir: Path, linker: str = "cc"
) -> int:
    """Bytes a stripped shared library loads beyond an empty one when linked from `archive`
    for `exports` (a custom platform's .so: no program links it, a host loads it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "exports.map"
    script.write_text(version_script(exports), encoding="utf-8")
    empty_source = workdir / "empty.c"
    empty_source.write_text("int minbuild_empty;\n", encoding="utf-8")
    empty, probe = workdir / "empty.so", workdir / "probe.so"
    command.run([linker, "-shared", "-s", str(empty_source), "-o", str(empty)], timeout=300)
    command.run(shared_link_argv(linker, archive, script, probe, ("-s",)), timeout=300)
    return loaded_bytes(probe) - loaded_bytes(empty)


def loaded_bytes(path: Path) -> int:
    """The bytes of an ELF file's sections that load from the file: its size without the
    padding that aligns segments to pages, which swallows a small library's code whole."""
    with path.open("rb") as handle:
        elf = ELFFile(handle)
        return sum(
            section["sh_size"]
            for section in elf.iter_sections()
            if section["sh_flags"] & SH_FLAGS.SHF_ALLOC and section["sh_type"] != "SHT_NOBITS"
        )


def effective_size(
    archive: Path, exports: Sequence[str], workdir: Path, compiler: str = "cc"
) -> int:
    """Bytes a stripped, --gc-sections program loads beyond an empty one when it links
    `archive` for `exports`."""
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
        sizes.append(loaded_bytes(output))
    return sizes[1] - sizes[0]
