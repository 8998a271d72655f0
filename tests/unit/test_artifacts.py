"""Making a project's artifact definite, checking required-features against the stages,
and finding what cargo made in its messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from minbuild.project.config import Artifact
from minbuild.project.stages import load_staircase
from minbuild.rust.artifacts import (
    compiled_libraries,
    find_artifact,
    no_artifact_reason,
    resolve_artifact,
    validate_required_features,
)
from minbuild.rust.cargo import Crate
from minbuild.rust.lockfile import with_compiled
from minbuild.util.errors import ConfigError
from tests.unit.workspaces import (
    ARTIFACT_LINE,
    MINIMAL_LINE,
    artifact_message,
    bin_target,
    lib_target,
    package,
    project,
    raised,
)


def test_a_lib_and_a_bin_of_the_same_name_resolve_to_the_bin(tmp_path: Path) -> None:
    unnamed = project(tmp_path, file="unnamed.yaml")
    named = project(tmp_path, name="hexyl")
    hexyl = package("hexyl", named.crate_dir, lib_target("hexyl"), bin_target("hexyl"))
    assert resolve_artifact(unnamed, hexyl).artifact == Artifact("bin", "hexyl")
    assert resolve_artifact(named, hexyl) is named


def test_the_only_bin_is_chosen_when_none_is_named(tmp_path: Path) -> None:
    chosen = project(tmp_path)
    crate = package("tool", chosen.crate_dir, lib_target("tool"), bin_target("tool-cli"))
    resolved = resolve_artifact(chosen, crate)
    assert resolved.artifact == Artifact("bin", "tool-cli")
    assert resolved.manifest == chosen.manifest and resolved.package == chosen.package


def test_several_bins_resolve_to_default_run(tmp_path: Path) -> None:
    chosen = project(tmp_path)
    crate = package("tool", chosen.crate_dir, bin_target("a"), bin_target("b"), default_run="b")
    assert resolve_artifact(chosen, crate).artifact == Artifact("bin", "b")


def test_several_bins_without_default_run_are_an_error_listing_them(tmp_path: Path) -> None:
    chosen = project(tmp_path)
    crate = package("tool", chosen.crate_dir, bin_target("a"), bin_target("b", "x"))
    message = raised(resolve_artifact, chosen, crate)
    assert message == (
        f"{chosen.path}:{ARTIFACT_LINE}: crate.artifact.name: tool has 2 bins and no "
        "default-run: name one (tool builds: bin a, bin b (needs features x))"
    )


def test_an_unknown_bin_name_suggests_the_closest(tmp_path: Path) -> None:
    chosen = project(tmp_path, name="tol")
    crate = package("tool", chosen.crate_dir, bin_target("tool"), bin_target("other"))
    message = raised(resolve_artifact, chosen, crate)
    assert "crate.artifact.name: tool has no bin 'tol'; did you mean 'tool'?" in message
    assert message.endswith("(tool builds: bin tool, bin other)")


def test_a_package_without_a_bin_suggests_a_library_kind(tmp_path: Path) -> None:
    chosen = project(tmp_path)
    crate = package("core", chosen.crate_dir, lib_target("core", "cdylib", "rlib"))
    message = raised(resolve_artifact, chosen, crate)
    assert "core has no bin: set crate.artifact.kind to cdylib or staticlib" in message
    assert message.endswith("(core builds: lib core (cdylib, rlib))")


def test_a_library_kind_the_lib_target_lacks_is_an_error(tmp_path: Path) -> None:
    chosen = project(tmp_path, kind="cdylib")
    crate = package("core", chosen.crate_dir, lib_target("core"), bin_target("core"))
    message = raised(resolve_artifact, chosen, crate)
    assert message.startswith(f"{chosen.path}:{ARTIFACT_LINE}: crate.artifact.kind: ")
    assert "core builds no cdylib (lib core (lib), bin core): set crate-type = " in message
    assert '["cdylib"] in its [lib]' in message


def test_a_library_kind_the_lib_target_has_leaves_the_project_alone(tmp_path: Path) -> None:
    chosen = project(tmp_path, kind="staticlib")
    crate = package("core", chosen.crate_dir, lib_target("core", "staticlib", "rlib"))
    assert resolve_artifact(chosen, crate) is chosen


# validate_required_features

FANCY = {"default": ("fancy",), "fancy": (), "plain": ()}


def fancy_tool(root: Path) -> Crate:
    return package("tool", root, bin_target("tool", "fancy"), features=FANCY)


def test_a_stage_that_drops_a_required_feature_is_named(tmp_path: Path) -> None:
    chosen = project(tmp_path, name="tool", minimal=["plain"])
    message = raised(
        validate_required_features, chosen, fancy_tool(chosen.crate_dir), load_staircase(chosen)
    )
    assert message == (
        f"{chosen.path}:{MINIMAL_LINE}: feature_sets.minimal: bin 'tool' has required-features "
        "fancy; stage no-default-features does not enable fancy (its features: plain), so "
        "cargo would not build the bin: add fancy to feature_sets.minimal"
    )


def test_required_features_in_the_minimal_set_pass(tmp_path: Path) -> None:
    chosen = project(tmp_path, name="tool", minimal=["fancy"])
    validate_required_features(chosen, fancy_tool(chosen.crate_dir), load_staircase(chosen))


def test_required_features_are_checked_only_for_a_named_bin(tmp_path: Path) -> None:
    unnamed = project(tmp_path, minimal=["plain"])
    tool = fancy_tool(unnamed.crate_dir)
    validate_required_features(unnamed, tool, load_staircase(unnamed))  # not resolved yet
    resolved = resolve_artifact(unnamed, tool)
    with pytest.raises(ConfigError, match="stage no-default-features does not enable fancy"):
        validate_required_features(resolved, tool, load_staircase(resolved))


# find_artifact


def test_the_bin_is_found_past_the_lib_of_the_same_name_in_either_order(tmp_path: Path) -> None:
    hexyl = package("hexyl", tmp_path, lib_target("hexyl"), bin_target("hexyl"))
    lib = artifact_message(hexyl.manifest, "hexyl", ["lib"], [str(tmp_path / "libhexyl.rlib")])
    exe = str(tmp_path / "target" / "hexyl")
    binary = artifact_message(hexyl.manifest, "hexyl", ["bin"], [exe], executable=exe)
    wanted = Artifact("bin", "hexyl")
    assert find_artifact([lib, binary], hexyl, wanted) == Path(exe)
    assert find_artifact([binary, lib], hexyl, wanted) == Path(exe)
    assert find_artifact([lib], hexyl, wanted) is None


def test_artifacts_of_other_packages_are_ignored(tmp_path: Path) -> None:
    tool = package("tool", tmp_path, bin_target("tool"))
    theirs = artifact_message(
        tmp_path / "vendor" / "tool" / "Cargo.toml", "tool", ["bin"], ["x"], executable="/x"
    )
    ours = artifact_message(tool.manifest, "tool", ["bin"], ["y"], executable="/y")
    assert find_artifact([theirs], tool, Artifact("bin", "tool")) is None
    assert find_artifact([theirs, ours], tool, Artifact("bin", "tool")) == Path("/y")


def test_a_cdylib_is_found_by_crate_type_and_file_suffix(tmp_path: Path) -> None:
    wasm = package("wasm", tmp_path, lib_target("wasm", "cdylib", "rlib"))
    found = artifact_message(
        wasm.manifest,
        "wasm",
        ["cdylib", "rlib"],
        ["/t/libwasm.rlib", "/t/libwasm.so"],
    )
    assert find_artifact([found], wasm, Artifact("cdylib", None)) == Path("/t/libwasm.so")


def test_a_staticlib_is_found_by_its_archive(tmp_path: Path) -> None:
    ffi = package("ffi", tmp_path, lib_target("ffi", "staticlib", "rlib"))
    messages = [
        artifact_message(ffi.manifest, "ffi", ["bin"], ["/t/ffi"], executable="/t/ffi"),
        artifact_message(
            ffi.manifest, "ffi", ["staticlib", "rlib"], ["/t/libffi.rlib", "/t/libffi.a"]
        ),
    ]
    assert find_artifact(messages, ffi, Artifact("staticlib", None)) == Path("/t/libffi.a")
    assert find_artifact(messages, ffi, Artifact("cdylib", None)) is None


def test_no_artifact_when_cargo_reported_none(tmp_path: Path) -> None:
    tool = package("tool", tmp_path, bin_target("tool"))
    assert find_artifact([], tool, Artifact("bin", "tool")) is None
    other_bin = artifact_message(
        tool.manifest, "other", ["bin"], ["/t/other"], executable="/t/other"
    )
    assert find_artifact([other_bin], tool, Artifact("bin", "tool")) is None
    assert no_artifact_reason(tool, Artifact("bin", "tool")) == (
        "cargo reported no bin 'tool' artifact for tool (bin tool)"
    )
    assert no_artifact_reason(tool, Artifact("cdylib", None)) == (
        "cargo reported no cdylib artifact for tool (bin tool)"
    )


def _compiled(package_id: str, name: str, kinds: list[str]) -> dict[str, object]:
    return {"package_id": package_id, "target": {"name": name, "kind": kinds}}


def test_the_build_names_the_libraries_whose_names_are_not_their_packages() -> None:
    registry = "registry+https://github.com/rust-lang/crates.io-index#wasmtime-c-api-impl@48.0.8"
    library = "path+file:///usr/lib/rustlib/src/rust/library"
    messages = [
        _compiled(registry, "wasmtime_c_api", ["lib"]),
        _compiled("registry+https://x#wasmtime@48.0.8", "wasmtime", ["lib"]),
        _compiled("path+file:///w/capi#wasmtime-capi@0.1.0", "wasmtime", ["cdylib", "staticlib"]),
        _compiled("tvm-core 0.3.0 (path+file:///demo/crates/tvm-core)", "tvm_core", ["lib"]),
        _compiled("path+file:///demo/crates/tvm-asm#0.3.0", "tvm_assembler", ["lib"]),
        _compiled("registry+https://x#serde_derive@1.0.0", "serde_derive", ["proc-macro"]),
        _compiled(
            "path+file:///w/capi#wasmtime-capi@0.1.0", "build-script-build", ["custom-build"]
        ),
        _compiled(f"{library}/std#0.0.0", "std", ["lib"]),  # -Z build-std compiles std too
        _compiled(f"{library}/alloc#0.0.0", "alloc", ["lib"]),
    ]
    libraries = compiled_libraries(messages)
    assert ("wasmtime_c_api_impl", "wasmtime_c_api") in libraries
    assert ("tvm_asm", "tvm_assembler") in libraries and ("std", "std") in libraries
    assert not {lib for _, lib in libraries} & {"serde_derive", "build_script_build"}
    locked = (
        frozenset({"wasmtime_capi", "tvm_core", "tvm_asm"}),
        frozenset({"wasmtime", "wasmtime_c_api_impl"}),
    )
    own, theirs = with_compiled(locked, libraries)
    assert own == {"wasmtime_capi", "tvm_core", "tvm_asm", "tvm_assembler"}
    # the wrapper's library keeps the name of the crate it wraps; std is no one's package
    assert theirs == {"wasmtime", "wasmtime_c_api_impl", "wasmtime_c_api"}
