"""Custom targets (a target spec file): reading them, their cargo command, the link of their
staticlib into a .so, and the probe that says in one line why a toolchain cannot build std."""

from __future__ import annotations

import dataclasses
import itertools
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from minbuild.engine import cross
from minbuild.engine.invocations import Build
from minbuild.measure import libsize
from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.project.targets import Target, load_targets
from minbuild.rust import cargo, targetspec
from minbuild.rust.cargo import CargoTarget
from minbuild.rust.toolchains import Resolution
from minbuild.util.command import Completed
from minbuild.util.errors import ConfigError, UnreadableArtifact
from tests.conftest import REPO
from tests.unit.helpers import crate, toolchain

DEMO_TARGETS = REPO / "config" / "demo-targets.yaml"
SPEC = REPO / "demo" / "crates" / "tvm-wasm" / "platform" / "x86_64-tinyvm-none.json"
TINYVM = "x86_64-tinyvm-none"


def custom() -> Target:
    return load_targets(DEMO_TARGETS)[-1]


def test_the_demo_file_extends_the_bundled_six_with_its_platform() -> None:
    found = load_targets(DEMO_TARGETS)
    assert len(found) == 7 and found[0].triple == "aarch64-unknown-linux-gnu"
    target = custom()
    assert (target.triple, target.spec, target.cargo_target) == (TINYVM, SPEC, str(SPEC))
    assert target.build_std == ("core", "alloc") and target.link == "shared"
    assert target.env_key == "X86_64_TINYVM_NONE"
    assert target.runner_argv(Path("/state/libp.so"))[-2:] == ["--preload", "/state/libp.so"]
    assert target.link_program == "cc"


def write(tmp_path: Path, text: str, name: str = "targets.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("- spec: gone.json", "targets.0.spec: no file"),
        ("- {spec: my-os.json, triple: other}", "rustc names this target 'my-os'"),
        ("- {spec: my-os.json, link: shared}", "link: shared makes a cdylib"),
        ("- {spec: my-os.json, runner: ['{platform}']}", "{platform} names no library"),
        ("- {description: nothing}", "a target needs a triple, or a spec file"),
        ("- {spec: my-os.json, env: {lower: x}}", "targets.0.env"),
    ],
)
def test_a_bad_custom_target_is_one_line_naming_its_key(
    tmp_path: Path, entry: str, message: str
) -> None:
    (tmp_path / "my-os.json").write_text("{}", encoding="utf-8")
    path = write(tmp_path, f"schema: 1\ntargets:\n  {entry}\n")
    with pytest.raises(ConfigError) as raised:
        load_targets(path)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert f"{path}:" in str(raised.value)


def test_extends_puts_the_other_files_targets_first_and_refuses_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "my-os.json").write_text("{}", encoding="utf-8")
    write(tmp_path, "schema: 1\nextends: b.yaml\ntargets: [{spec: my-os.json}]\n", "a.yaml")
    write(tmp_path, "schema: 1\ntargets: [{triple: wasm32-wasip1}]\n", "b.yaml")
    assert [t.triple for t in load_targets(tmp_path / "a.yaml")] == ["wasm32-wasip1", "my-os"]
    write(tmp_path, "schema: 1\nextends: a.yaml\ntargets: []\n", "b.yaml")
    with pytest.raises(ConfigError, match="a cycle"):
        load_targets(tmp_path / "a.yaml")


PROJECT = load_project(REPO / "config" / "demo.yaml")
STAGES = {stage.name: stage for stage in load_staircase(PROJECT)}
LIBRARY = dataclasses.replace(
    crate(),
    name="tvm-wasm",
    targets=(CargoTarget("tvm_wasm", ("cdylib", "staticlib"), ("cdylib", "staticlib")),),
    manifest=REPO / "demo" / "crates" / "tvm-wasm" / "Cargo.toml",
)


def plan(stage: str, problem: str | None = None, **library: Any) -> Build:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Target, "missing", lambda self: [])
        patch.setattr(cargo, "read_crate", lambda *args: dataclasses.replace(LIBRARY, **library))
        patch.setattr(targetspec, "problem", lambda *args, **kwargs: problem)
        resolution = Resolution(toolchain(cargo_z=("build-std", "json-target-spec")), {})
        state = REPO / ".minbuild-test-state"
        (build,) = cross.builds(PROJECT, crate(), [STAGES[stage]], resolution, [TINYVM], state)
    return build


def test_a_custom_target_builds_its_own_std_set_from_its_spec_file() -> None:
    build = plan("build-std")
    pairs = list(itertools.pairwise(build.invocation.argv))
    assert ("--target", str(SPEC)) in pairs
    assert ("-Z", "build-std=core,alloc") in pairs  # the target's set, not the stage's std
    assert ("-Z", "json-target-spec") in pairs
    assert build.invocation.env["RUSTFLAGS"].endswith(" --cfg tinyvm_platform")
    assert build.artifact.kind == "cdylib" and build.skip is None
    assert build.platform_library is not None
    assert build.platform_library.name == f"lib{TINYVM}-platform.so"
    assert build.runner[-1] == str(build.platform_library)


def test_a_custom_target_is_skipped_with_the_probes_reason() -> None:
    assert plan("release", problem="target x: std does not build").skip == (
        "target x: std does not build"
    )


def test_a_library_without_a_staticlib_cannot_be_linked_for_it() -> None:
    with pytest.raises(ConfigError, match=r"not staticlib \(target x86_64-tinyvm-none links"):
        plan("release", targets=(CargoTarget("tvm_wasm", ("cdylib",), ("cdylib",)),))


def test_the_version_script_exports_only_the_present_exports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(libsize, "defined_globals", lambda path: frozenset({"a", "c", "x"}))
    assert libsize.present(Path("lib.a"), ["a", "b", "c"]) == ("a", "c")
    assert libsize.version_script(["a", "c"]) == "{\n  global:\n    a;\n    c;\n  local: *;\n};\n"
    with pytest.raises(UnreadableArtifact, match=r"defines none of crate\.staticlib\.exports"):
        libsize.present(Path("lib.a"), ["b"])
    argv = libsize.shared_link_argv("cc", Path("l.a"), Path("e.map"), Path("l.so"), ["-s"])
    assert argv[argv.index("-Wl,--whole-archive") + 1] == "l.a"  # a .so takes the whole archive
    assert {"-shared", "-Wl,--gc-sections", "-Wl,--version-script=e.map", "-s"} <= set(argv)


class Recorded:
    """A runner that answers rustc and cargo from canned results, and counts the calls."""

    def __init__(self, rustc: int, cargo_stderr: str | None) -> None:
        self.rustc, self.cargo_stderr = rustc, cargo_stderr
        self.calls: list[list[str]] = []

    def __call__(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, **_: Any
    ) -> Completed:
        self.calls.append(list(argv))
        if "--print" in argv:
            stderr = "" if self.rustc == 0 else "error: error loading target specification: x\n"
            return Completed(tuple(argv), self.rustc, "", stderr, 0.1)
        failed = self.cargo_stderr is not None
        return Completed(tuple(argv), int(failed) * 101, "", self.cargo_stderr or "", 1.0)


STD_ERRORS = """\
   Compiling std v0.0.0 (/usr/lib/rustlib/src/rust/library/std)
error: none of the predicates in this `cfg_select` evaluated to true
  --> /usr/lib/rustlib/src/rust/library/std/src/sys/alloc/mod.rs:77:1
error: could not compile `std` (lib) due to 17 previous errors
"""


def test_the_std_probe_says_in_one_line_why_and_runs_once(tmp_path: Path) -> None:
    target = dataclasses.replace(custom(), build_std=("std", "panic_abort"))
    runner = Recorded(0, STD_ERRORS)
    found = targetspec.problem(target, toolchain(), tmp_path, runner)
    assert found is not None and "\n" not in found
    assert found.startswith(f"target {TINYVM}: std,panic_abort does not build for it with debian")
    assert "cfg_select" in found and "library/std/src/sys/alloc/mod.rs" in found
    assert "build_std: [core, alloc]" in found  # what to do next
    assert targetspec.problem(target, toolchain(), tmp_path, runner) == found
    assert sum("build" in call for call in runner.calls) == 1  # the answer was kept


def test_a_spec_rustc_cannot_read_is_one_line_and_a_no_std_target_needs_no_std_probe(
    tmp_path: Path,
) -> None:
    unread = targetspec.problem(custom(), toolchain(), tmp_path, Recorded(1, None))
    assert unread == (
        f"target {TINYVM}: rustc 1.96.0 cannot read {SPEC}: error loading target specification: x"
    )
    runner = Recorded(0, STD_ERRORS)
    assert targetspec.problem(custom(), toolchain(), tmp_path, runner) is None  # core, alloc
    assert len(runner.calls) == 1


def test_doctor_says_what_a_custom_target_rebuilds_links_and_runs() -> None:
    from minbuild.rust.provision import readiness

    assert readiness(custom()) == (
        "ready: custom target x86_64-tinyvm-none.json, core,alloc rebuilt; builds a cdylib, "
        "its staticlib linked by cc, runs under python -m minbuild.wasmhost native --preload "
        "{platform}"
    )
    with_std = dataclasses.replace(custom(), build_std=None)
    assert "(whether std builds is probed once, at its first build)" in readiness(with_std)


def test_the_winners_recipe_names_the_spec_its_std_set_and_the_link() -> None:
    from minbuild.optimize import export
    from minbuild.optimize.profile import config_toml

    build = plan("panic-immediate-abort")
    chain = toolchain(cargo_z=("build-std", "json-target-spec"))
    found = export.export(
        build.stage, build.crate, build.artifact, chain, "minsize", custom(), "lib.so", ("a",)
    )
    assert found.unstable["build-std"] == ["core", "alloc"] and found.unstable["json-target-spec"]
    assert found.target == str(SPEC)
    config = config_toml(found)
    assert f'target = "{SPEC}"' in config and "[target.x86_64-tinyvm-none]" in config
    script, link = found.post_link
    directory = f"target/{TINYVM}/minsize"
    assert script == f"printf '%s\\n' '{{ global: a; local: *; }};' > {directory}/lib.a.exports.map"
    assert link.startswith("cc -shared -Wl,--gc-sections")
    assert link.endswith(f"{directory}/lib.a -Wl,--no-whole-archive -o {directory}/lib.so")


def test_the_exports_an_archive_defines_come_from_its_symbol_index(tmp_path: Path) -> None:
    from minbuild.measure.binaries import defined_globals

    def member(name: bytes, data: bytes) -> bytes:
        header = name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) * 2 + b"644".ljust(8)
        return header + str(len(data)).encode().ljust(10) + b"`\n" + data + b"\n" * (len(data) % 2)

    index = (2).to_bytes(4, "big") + (0).to_bytes(4, "big") * 2 + b"tvm_run\0tvm_alloc\0"
    archive = tmp_path / "lib.a"
    archive.write_bytes(b"!<arch>\n" + member(b"/", index) + member(b"x.o/", b"not elf"))
    assert defined_globals(archive) == {"tvm_run", "tvm_alloc"}
    wide = (1).to_bytes(8, "big") + (0).to_bytes(8, "big") + b"tvm_version\0"
    archive.write_bytes(b"!<arch>\n" + member(b"/SYM64/", wide))
    assert defined_globals(archive) == {"tvm_version"}
    archive.write_bytes(b"!<arch>\n" + member(b"x.o/", b"not elf"))  # no index: the objects
    assert defined_globals(archive) == frozenset()
    archive.write_bytes(b"not an archive")
    with pytest.raises(UnreadableArtifact, match="not a static library"):
        defined_globals(archive)
