"""Choosing the package a project builds: by name, by the manifest, or in a virtual
workspace by what its members build."""

from __future__ import annotations

from pathlib import Path

from minbuild.rust.artifacts import choose_package
from minbuild.rust.cargo import Crate, Workspace
from tests.unit.workspaces import (
    CDYLIB_LINE,
    PACKAGE_LINE,
    bin_target,
    lib_target,
    package,
    project,
    raised,
    workspace,
)


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
