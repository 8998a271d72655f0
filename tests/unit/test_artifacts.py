"""Choosing the package and the cargo target a project builds, and finding what cargo made.

Workspaces, packages and targets are built by hand as `cargo metadata` would describe them;
projects come from small project files written into tmp_path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from minbuild.artifacts import (
    check_required_features,
    choose_package,
    find_artifact,
    no_artifact_reason,
    resolve_artifact,
)
from minbuild.cargo import CargoTarget, Crate, Workspace
from minbuild.config import Artifact, Project, load_project
from minbuild.errors import ConfigError
from minbuild.stages import load_staircase

# Lines of the keys in the file project() writes, for errors that must point at them.
PACKAGE_LINE = 4
ARTIFACT_LINE = 5
CDYLIB_LINE = 6
MINIMAL_LINE = 8


def project(
    tmp_path: Path,
    *,
    manifest: str = "ws/Cargo.toml",
    package: str | None = None,
    kind: str = "bin",
    name: str | None = None,
    cdylib: str | None = None,
    minimal: Sequence[str] = (),
    file: str = "minbuild.yaml",
) -> Project:
    """A project file for a crate under tmp_path/ws (the manifest need not exist)."""
    text = "\n".join(
        [
            "schema: 1",
            "crate:",
            f"  manifest: {manifest}",
            f"  package: {json.dumps(package)}",
            f"  artifact: {{kind: {kind}, name: {json.dumps(name)}}}",
            f"  cdylib: {{package: {json.dumps(cdylib)}}}",
            "feature_sets:",
            f"  minimal: {json.dumps(list(minimal))}",
            "  disable_logging: []",
            "",
        ]
    )
    path = tmp_path / file
    path.write_text(text, encoding="utf-8")
    return load_project(path)


def bin_target(name: str, *required_features: str) -> CargoTarget:
    return CargoTarget(name, ("bin",), ("bin",), required_features)


def lib_target(name: str, *crate_types: str) -> CargoTarget:
    """A lib target; cargo lists the crate types as its kinds too (["cdylib", "rlib"])."""
    types = crate_types or ("lib",)
    return CargoTarget(name, types, types)


def package(
    name: str,
    root: Path,
    *targets: CargoTarget,
    manifest: Path | None = None,
    default_run: str | None = None,
    features: Mapping[str, tuple[str, ...]] | None = None,
) -> Crate:
    """A workspace member in root/NAME (or at `manifest`)."""
    return Crate(
        name=name,
        version="0.1.0",
        manifest=manifest or root / name / "Cargo.toml",
        workspace_root=root,
        features=features or {},
        targets=targets,
        dependencies=(),
        profiles={},
        default_run=default_run,
    )


def workspace(root: Path, *members: Crate, default: Sequence[str] = ()) -> Workspace:
    return Workspace(root, members, tuple(default))


def artifact_message(
    manifest: Path,
    name: str,
    kinds: Sequence[str],
    filenames: Sequence[str],
    *,
    crate_types: Sequence[str] | None = None,
    executable: str | None = None,
) -> dict[str, Any]:
    """A cargo `compiler-artifact` message as --message-format=json prints it."""
    return {
        "reason": "compiler-artifact",
        "manifest_path": str(manifest),
        "target": {"name": name, "kind": list(kinds), "crate_types": list(crate_types or kinds)},
        "filenames": list(filenames),
        "executable": executable,
        "fresh": False,
    }


def raised(call: Callable[..., object], *args: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return str(caught.value)


# choose_package


def test_the_named_package_is_chosen(tmp_path: Path) -> None:
    chosen = project(tmp_path, package="cli")
    root = chosen.crate_dir
    cli = package("cli", root, bin_target("tool"))
    ws = workspace(root, package("core", root, lib_target("core")), cli)
    assert choose_package(chosen, ws, None) is cli


def test_an_unknown_package_name_suggests_one_and_lists_the_members(tmp_path: Path) -> None:
    chosen = project(tmp_path, package="clj")
    root = chosen.crate_dir
    ws = workspace(
        root,
        package("cli", root, bin_target("tool")),
        package("core", root, lib_target("core")),
    )
    message = raised(choose_package, chosen, ws)
    assert message.startswith(f"{chosen.path}:{PACKAGE_LINE}: crate.package: ")
    assert "no package 'clj' in the workspace; did you mean 'cli'?" in message
    assert message.endswith("(cli: bin tool; core: lib core (lib))")


def test_the_manifests_own_package_wins_when_none_is_named(tmp_path: Path) -> None:
    chosen = project(tmp_path)
    root = chosen.crate_dir
    # The root package builds no bin, but it is the manifest's own: it is not second-guessed.
    own = package("root", root, lib_target("root"), manifest=chosen.manifest)
    ws = workspace(root, package("cli", root, bin_target("tool")), own, default=["cli"])
    assert choose_package(chosen, ws) is own


def test_a_virtual_workspace_gives_the_member_that_builds_the_named_bin(tmp_path: Path) -> None:
    chosen = project(tmp_path, name="tool")
    root = chosen.crate_dir
    cli = package("cli", root, lib_target("cli"), bin_target("tool"))
    ws = workspace(
        root,
        package("core", root, lib_target("core")),
        package("bench", root, bin_target("bench")),
        cli,
    )
    assert all(member.manifest != chosen.manifest for member in ws.members)
    assert choose_package(chosen, ws) is cli


def test_among_several_bin_members_the_default_member_is_chosen(tmp_path: Path) -> None:
    chosen = project(tmp_path)
    root = chosen.crate_dir
    b = package("b", root, bin_target("b"))
    ws = workspace(root, package("a", root, bin_target("a")), b, default=["b"])
    assert choose_package(chosen, ws) is b


def test_two_bin_members_and_neither_default_is_an_error_listing_them(tmp_path: Path) -> None:
    chosen = project(tmp_path)
    root = chosen.crate_dir
    ws = workspace(
        root,
        package("a", root, bin_target("a")),
        package("b", root, bin_target("b", "x")),
        package("core", root, lib_target("core")),
        default=["core"],
    )
    message = raised(choose_package, chosen, ws)
    assert message.startswith(f"{chosen.path}:{PACKAGE_LINE}: crate.package: ")
    assert (
        f"{chosen.manifest} is a virtual workspace and members build a bin: name the package "
        "(a: bin a; b: bin b (needs features x))"
    ) in message
    assert "core" not in message  # only the members that fit are listed


def test_a_virtual_workspace_where_no_member_builds_the_bin_lists_every_member(
    tmp_path: Path,
) -> None:
    chosen = project(tmp_path, name="tool")
    root = chosen.crate_dir
    ws = workspace(
        root, package("a", root, bin_target("a")), package("core", root, lib_target("core"))
    )
    message = raised(choose_package, chosen, ws)
    assert (
        "is a virtual workspace and no member builds bin 'tool': name the package "
        "(a: bin a; core: lib core (lib))"
    ) in message


def test_a_library_kind_takes_the_package_its_own_key_names(tmp_path: Path) -> None:
    chosen = project(tmp_path, package="cli", cdylib="wasm")
    root = chosen.crate_dir
    wasm = package("wasm", root, lib_target("wasm", "cdylib", "rlib"))
    ws = workspace(root, package("cli", root, bin_target("tool")), wasm)
    assert choose_package(chosen, ws, "cdylib") is wasm


def test_an_unknown_library_package_is_located_at_its_own_key(tmp_path: Path) -> None:
    chosen = project(tmp_path, cdylib="wasn")
    root = chosen.crate_dir
    ws = workspace(root, package("wasm", root, lib_target("wasm", "cdylib")))
    message = raised(choose_package, chosen, ws, "cdylib")
    assert message.startswith(f"{chosen.path}:{CDYLIB_LINE}: crate.cdylib.package: ")
    assert "no package 'wasn' in the workspace; did you mean 'wasm'?" in message


def cdylib_workspace(root: Path) -> tuple[Workspace, Crate]:
    wasm = package("wasm", root, lib_target("wasm", "cdylib", "rlib"))
    ws = workspace(
        root,
        package("cli", root, bin_target("tool")),
        package("core", root, lib_target("core")),
        wasm,
        package("ffi", root, lib_target("ffi", "staticlib")),
    )
    return ws, wasm


def test_a_cdylib_artifact_without_a_package_takes_the_member_whose_lib_builds_one(
    tmp_path: Path,
) -> None:
    chosen = project(tmp_path, kind="cdylib")
    ws, wasm = cdylib_workspace(chosen.crate_dir)
    assert choose_package(chosen, ws) is wasm


def test_a_staticlib_artifact_no_member_builds_is_an_error(tmp_path: Path) -> None:
    chosen = project(tmp_path, kind="staticlib")
    root = chosen.crate_dir
    ws = workspace(root, package("cli", root, bin_target("tool")))
    message = raised(choose_package, chosen, ws)
    assert "is a virtual workspace and no member builds a staticlib: name the package" in message


def test_a_library_kind_without_a_package_takes_the_member_whose_lib_has_it(
    tmp_path: Path,
) -> None:
    chosen = project(tmp_path)
    ws, wasm = cdylib_workspace(chosen.crate_dir)
    assert choose_package(chosen, ws, "cdylib") is wasm


# resolve_artifact


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


# check_required_features

FANCY = {"default": ("fancy",), "fancy": (), "plain": ()}


def fancy_tool(root: Path) -> Crate:
    return package("tool", root, bin_target("tool", "fancy"), features=FANCY)


def test_a_stage_that_drops_a_required_feature_is_named(tmp_path: Path) -> None:
    chosen = project(tmp_path, name="tool", minimal=["plain"])
    message = raised(
        check_required_features, chosen, fancy_tool(chosen.crate_dir), load_staircase(chosen)
    )
    assert message == (
        f"{chosen.path}:{MINIMAL_LINE}: feature_sets.minimal: bin 'tool' has required-features "
        "fancy; stage no-default-features does not enable fancy (its features: plain), so "
        "cargo would not build the bin: add fancy to feature_sets.minimal"
    )


def test_required_features_in_the_minimal_set_pass(tmp_path: Path) -> None:
    chosen = project(tmp_path, name="tool", minimal=["fancy"])
    check_required_features(chosen, fancy_tool(chosen.crate_dir), load_staircase(chosen))


def test_required_features_are_checked_only_for_a_named_bin(tmp_path: Path) -> None:
    unnamed = project(tmp_path, minimal=["plain"])
    tool = fancy_tool(unnamed.crate_dir)
    check_required_features(unnamed, tool, load_staircase(unnamed))  # not resolved yet
    resolved = resolve_artifact(unnamed, tool)
    with pytest.raises(ConfigError, match="stage no-default-features does not enable fancy"):
        check_required_features(resolved, tool, load_staircase(resolved))


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
