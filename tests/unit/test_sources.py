"""The offline directory source for build-std: std's vendored packages and the crate's, merged.

Real directories stand in for std's vendor dir and the crate's registry; `cargo metadata` is
replaced by a function returning what it would say about the crate's packages.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from minbuild.rust import sources
from minbuild.rust.sources import (
    CHECKSUMS,
    CRATES_IO,
    Farm,
    Package,
    offline_source,
    same_package,
    vendored_packages,
)
from minbuild.util.errors import CommandFailed


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


CFG_IF = checksum("cfg-if 1.0.4")
LIBC = checksum("libc 0.2.170")
ITOA = checksum("itoa 1.0.15")
MEMCHR = checksum("memchr 2.7.4")


def package_dir(
    parent: Path, name: str, version: str, recorded: str | None, dirname: str | None = None
) -> Path:
    """A package's sources as a directory source holds them (`recorded`: its .crate checksum
    in .cargo-checksum.json), or as a registry cache does (None: no checksum file)."""
    directory = parent / (dirname or f"{name}-{version}")
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "{version}"\n', encoding="utf-8"
    )
    (directory / "src" / "lib.rs").write_text("", encoding="utf-8")
    if recorded is not None:
        (directory / CHECKSUMS).write_text(
            json.dumps({"files": {}, "package": recorded}), encoding="utf-8"
        )
    return directory


def std_vendor(tmp_path: Path) -> Path:
    """std's vendored dependencies, as rust-src ships them."""
    vendor = tmp_path / "std-vendor"
    package_dir(vendor, "cfg-if", "1.0.4", CFG_IF)
    package_dir(vendor, "libc", "0.2.170", LIBC)
    return vendor


def registry(name: str, version: str, directory: Path, source: str = CRATES_IO[0]) -> Any:
    """A crates.io package as `cargo metadata` lists it."""
    return {
        "name": name,
        "version": version,
        "source": source,
        "manifest_path": str(directory / "Cargo.toml"),
    }


def local(name: str, directory: Path) -> Any:
    """A path package (the crate itself) as `cargo metadata` lists it."""
    return {
        "name": name,
        "version": "0.1.0",
        "source": None,
        "manifest_path": str(directory / "Cargo.toml"),
    }


def fake_metadata(
    monkeypatch: pytest.MonkeyPatch,
    root: Path,
    packages: list[Any],
    *,
    features_missing: bool = False,
) -> list[tuple[bool, bool]]:
    """Replace `cargo metadata`; returns the (dependencies, all_features) of every call.
    `features_missing`: some feature's dependencies cannot be had, so --all-features fails."""
    asked: list[tuple[bool, bool]] = []

    def metadata_of(
        manifest: Path,
        cargo: Iterable[str],
        env: Mapping[str, str],
        *,
        dependencies: bool,
        all_features: bool = False,
    ) -> Any:
        assert manifest == root / "Cargo.toml"
        asked.append((dependencies, all_features))
        if all_features and features_missing:
            raise CommandFailed(["cargo", "metadata"], 101, "error: no matching package")
        return {"workspace_root": str(root), "packages": [local("hello", root), *packages]}

    monkeypatch.setattr(sources, "metadata_of", metadata_of)
    return asked


def write_lock(root: Path, *packages: tuple[str, str, str | None]) -> None:
    lines = ["version = 4", ""]
    for name, version, recorded in packages:
        lines += ["[[package]]", f'name = "{name}"', f'version = "{version}"']
        if recorded:
            lines.append('source = "registry+https://github.com/rust-lang/crates.io-index"')
            lines.append(f'checksum = "{recorded}"')
        lines.append("")
    (root / "Cargo.lock").write_text("\n".join(lines), encoding="utf-8")


def farm_for(tmp_path: Path, vendor: Path) -> Farm:
    root = tmp_path / "hello"
    return offline_source(root / "Cargo.toml", ("cargo",), {}, vendor, tmp_path / "state")


def entries(farm: Farm) -> dict[str, Path]:
    """Each entry of the farm and the directory it stands for."""
    assert farm.path is not None
    return {entry.name: entry.resolve() for entry in sorted(farm.path.iterdir())}


def test_a_crate_without_crates_io_dependencies_gets_std_vendor_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    root = tmp_path / "hello"
    git = {**local("gitdep", tmp_path / "git"), "source": "git+https://example.org/gitdep"}
    asked = fake_metadata(monkeypatch, root, [local("helper", root / "helper"), git])
    assert farm_for(tmp_path, vendor) == Farm(vendor)
    assert asked == [(True, True)]  # every package of every feature, not --no-deps
    assert not (tmp_path / "state").exists()


def test_the_farm_holds_one_link_per_package_of_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    crates = tmp_path / "registry"
    itoa = package_dir(crates, "itoa", "1.0.15", ITOA)
    memchr = package_dir(crates, "memchr", "2.7.4", MEMCHR)
    fake_metadata(
        monkeypatch,
        tmp_path / "hello",
        [registry("itoa", "1.0.15", itoa), registry("memchr", "2.7.4", memchr, CRATES_IO[1])],
    )
    farm = farm_for(tmp_path, vendor)
    assert farm.problem is None and farm.packages == 2
    assert farm.path is not None and farm.path.parent == tmp_path / "state" / "sources"
    assert entries(farm) == {
        "cfg-if-1.0.4": vendor / "cfg-if-1.0.4",
        "itoa-1.0.15": itoa,
        "libc-0.2.170": vendor / "libc-0.2.170",
        "memchr-2.7.4": memchr,
    }
    assert all(entry.is_symlink() for entry in farm.path.iterdir())


def test_a_registry_cache_copy_gets_linked_contents_and_the_lock_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    root = tmp_path / "hello"
    root.mkdir()
    write_lock(root, ("hello", "0.1.0", None), ("itoa", "1.0.15", ITOA))
    itoa = package_dir(tmp_path / "cache", "itoa", "1.0.15", None)
    fake_metadata(monkeypatch, root, [registry("itoa", "1.0.15", itoa)])
    farm = farm_for(tmp_path, vendor)
    assert farm.path is not None
    entry = farm.path / "itoa-1.0.15"
    assert entry.is_dir() and not entry.is_symlink()
    links = {child.name: child for child in entry.iterdir() if child.name != CHECKSUMS}
    assert set(links) == {"Cargo.toml", "src"}
    assert all(link.is_symlink() and link.resolve() == itoa / name for name, link in links.items())
    recorded = json.loads((entry / CHECKSUMS).read_text(encoding="utf-8"))
    assert recorded == {"files": {}, "package": ITOA}
    assert not (itoa / CHECKSUMS).exists()  # the cache itself is left alone


@pytest.mark.parametrize("lock", [True, False], ids=["lock-without-checksum", "no-lock"])
def test_a_registry_cache_copy_the_lock_has_no_checksum_for_records_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lock: bool
) -> None:
    vendor = std_vendor(tmp_path)
    root = tmp_path / "hello"
    root.mkdir()
    if lock:
        write_lock(root, ("hello", "0.1.0", None), ("itoa", "1.0.15", None))
    itoa = package_dir(tmp_path / "cache", "itoa", "1.0.15", None)
    fake_metadata(monkeypatch, root, [registry("itoa", "1.0.15", itoa)])
    farm = farm_for(tmp_path, vendor)
    assert farm.path is not None
    recorded = json.loads((farm.path / "itoa-1.0.15" / CHECKSUMS).read_text(encoding="utf-8"))
    assert recorded == {"files": {}, "package": None}


def test_one_package_version_in_both_with_the_same_checksum_is_one_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    theirs = package_dir(tmp_path / "registry", "cfg-if", "1.0.4", CFG_IF)
    fake_metadata(monkeypatch, tmp_path / "hello", [registry("cfg-if", "1.0.4", theirs)])
    farm = farm_for(tmp_path, vendor)
    assert farm.problem is None and farm.packages == 1
    assert entries(farm) == {
        "cfg-if-1.0.4": vendor / "cfg-if-1.0.4",  # std's copy, the first seen
        "libc-0.2.170": vendor / "libc-0.2.170",
    }


def test_two_different_copies_of_one_package_version_leave_no_farm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    root = tmp_path / "hello"
    patched = checksum("a patched cfg-if 1.0.4")
    theirs = package_dir(tmp_path / "registry", "cfg-if", "1.0.4", patched)
    fake_metadata(monkeypatch, root, [registry("cfg-if", "1.0.4", theirs)])
    farm = farm_for(tmp_path, vendor)
    assert farm.path is None
    assert farm.problem == (
        f"cfg-if 1.0.4 comes from two different copies: {vendor / 'cfg-if-1.0.4'} (std's "
        f"dependencies) and {theirs} ({root}'s); one offline source cannot hold both"
    )
    assert not (tmp_path / "state").exists()


def test_a_registry_cache_copy_of_a_package_std_vendors_is_the_same_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    root = tmp_path / "hello"
    root.mkdir()
    write_lock(root, ("hello", "0.1.0", None), ("cfg-if", "1.0.4", CFG_IF))
    theirs = package_dir(tmp_path / "cache", "cfg-if", "1.0.4", None)
    fake_metadata(monkeypatch, root, [registry("cfg-if", "1.0.4", theirs)])
    farm = farm_for(tmp_path, vendor)
    assert farm.problem is None and farm.path is not None


def test_the_same_packages_reuse_one_farm_and_leave_nothing_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    itoa = package_dir(tmp_path / "registry", "itoa", "1.0.15", ITOA)
    fake_metadata(monkeypatch, tmp_path / "hello", [registry("itoa", "1.0.15", itoa)])
    first = farm_for(tmp_path, vendor)
    added: list[Path] = []
    add = sources._add

    def counting_add(
        entry: Path, package: Package, checksums: Mapping[tuple[str, str], str]
    ) -> None:
        added.append(entry)
        add(entry, package, checksums)

    monkeypatch.setattr(sources, "_add", counting_add)
    second = farm_for(tmp_path, vendor)
    assert second == first and added == []
    assert first.path is not None
    assert [p.name for p in (tmp_path / "state" / "sources").iterdir()] == [first.path.name]


def test_a_different_set_of_packages_gets_its_own_farm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = std_vendor(tmp_path)
    itoa = package_dir(tmp_path / "registry", "itoa", "1.0.15", ITOA)
    memchr = package_dir(tmp_path / "registry", "memchr", "2.7.4", MEMCHR)
    fake_metadata(monkeypatch, tmp_path / "hello", [registry("itoa", "1.0.15", itoa)])
    first = farm_for(tmp_path, vendor)
    fake_metadata(
        monkeypatch,
        tmp_path / "hello",
        [registry("itoa", "1.0.15", itoa), registry("memchr", "2.7.4", memchr)],
    )
    second = farm_for(tmp_path, vendor)
    assert first.path is not None and second.path is not None
    assert first.path != second.path
    assert "memchr-2.7.4" not in entries(first) and "memchr-2.7.4" in entries(second)
    names = sorted(p.name for p in (tmp_path / "state" / "sources").iterdir())
    assert names == sorted([first.path.name, second.path.name])


def test_vendored_packages_skips_directories_without_a_package(tmp_path: Path) -> None:
    vendor = std_vendor(tmp_path)
    (vendor / "virtual").mkdir()
    (vendor / "virtual" / "Cargo.toml").write_text('[workspace]\nmembers = ["a"]\n')
    (vendor / "inherited").mkdir()
    (vendor / "inherited" / "Cargo.toml").write_text(
        '[package]\nname = "inherited"\nversion.workspace = true\n'
    )
    (vendor / "nameless").mkdir()
    (vendor / "nameless" / "Cargo.toml").write_text('[package]\nversion = "1.0.0"\n')
    (vendor / "empty").mkdir()
    (vendor / "README.md").write_text("not a package\n")
    (vendor / "Cargo.toml").write_text('[package]\nname = "top"\nversion = "0.0.0"\n')
    assert vendored_packages(vendor) == [
        Package("cfg-if", "1.0.4", vendor / "cfg-if-1.0.4"),
        Package("libc", "0.2.170", vendor / "libc-0.2.170"),
    ]


def test_same_package_by_directory_or_by_recorded_checksum(tmp_path: Path) -> None:
    vendor = std_vendor(tmp_path)
    std_copy = Package("cfg-if", "1.0.4", vendor / "cfg-if-1.0.4")
    (tmp_path / "link").symlink_to(vendor / "cfg-if-1.0.4")
    cache = package_dir(tmp_path / "cache", "cfg-if", "1.0.4", None)
    other_cache = package_dir(tmp_path / "cache2", "cfg-if", "1.0.4", None)
    short = package_dir(tmp_path / "short", "cfg-if", "1.0.4", "abc")
    short_too = package_dir(tmp_path / "short2", "cfg-if", "1.0.4", "abc")
    assert same_package(std_copy, Package("cfg-if", "1.0.4", tmp_path / "link"))
    assert same_package(Package("cfg-if", "1.0.4", cache), Package("cfg-if", "1.0.4", cache))
    assert not same_package(std_copy, Package("cfg-if", "1.0.4", cache))
    # Two copies without checksums cannot be told apart, so they are not the same.
    assert not same_package(
        Package("cfg-if", "1.0.4", cache), Package("cfg-if", "1.0.4", other_cache)
    )
    # A checksum that is not a sha256 is no evidence either.
    assert not same_package(
        Package("cfg-if", "1.0.4", short), Package("cfg-if", "1.0.4", short_too)
    )


def test_without_every_features_dependencies_the_default_graph_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A distribution may leave out what only some feature needs: --all-features then fails,
    and the farm holds the default build's dependencies, as before."""
    vendor = std_vendor(tmp_path)
    root, itoa = tmp_path / "hello", tmp_path / "registry" / "itoa-1.0.15"
    itoa.mkdir(parents=True)
    (itoa / "Cargo.toml").write_text('[package]\nname = "itoa"\nversion = "1.0.15"\n')
    asked = fake_metadata(
        monkeypatch, root, [registry("itoa", "1.0.15", itoa)], features_missing=True
    )
    farm = farm_for(tmp_path, vendor)
    assert asked == [(True, True), (True, False)]
    assert "itoa-1.0.15" in entries(farm) and farm.packages == 1
