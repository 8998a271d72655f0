"""What setup would install for the chosen targets (no process is started)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

from minbuild.engine.testing import TestContext
from minbuild.project.config import bundled
from minbuild.project.targets import load_targets, select
from minbuild.rust import provision, registry_crates
from minbuild.rust.packages import Need
from minbuild.rust.provision import needs, packages
from minbuild.util.command import Completed
from minbuild.util.errors import ToolMissingError


def test_needs_are_the_build_std_packages_plus_each_targets_without_repeats() -> None:
    every = load_targets(bundled("targets.yaml"))
    chosen = select(every, ["aarch64-unknown-linux-gnu", "riscv64gc-unknown-linux-gnu"])
    apt, pip = packages(needs(chosen))
    assert apt[:3] == ["rustc-web", "cargo-web", "rust-web-src"]
    assert apt.count("qemu-user") == 1 and "gcc-riscv64-linux-gnu" in apt
    assert pip == []
    wasm = needs(select(every, ["wasm32-wasip1", "wasm32-unknown-unknown"]))
    assert packages(wasm)[1] == ["wasmtime"]
    assert packages(needs(()))[0] == ["rustc-web", "cargo-web", "rust-web-src"]
    assert packages(needs((), ["hexyl", "pcap_sys"]))[0][3:] == [
        "librust-hexyl-dev",
        "librust-pcap-sys-dev",
    ]


def test_wasm_targets_install_the_package_that_provides_rust_lld() -> None:
    """rust-lld is in rust-web-llvm, a Recommends of rustc-web that --no-install-recommends
    skips: the wasm targets must name it, or a fresh machine never gets the linker."""
    every = {t.triple: t for t in load_targets(bundled("targets.yaml"))}
    for triple in ("wasm32-wasip1", "wasm32-unknown-unknown"):
        assert "/usr/bin/rust-lld" in every[triple].requires
        assert "rust-web-llvm" in every[triple].packages


class Machine:
    """A simulated Debian machine: installed packages, present files, commands setup ran."""

    def __init__(self, installed: set[str], files: set[str], provides: dict[str, str]) -> None:
        self.installed, self.files, self.provides = installed, files, provides
        self.ran: list[list[str]] = []

    def run(self, argv: Sequence[str], **_: object) -> Completed:
        argv = list(argv)
        if argv[0] == "dpkg-query":
            status = "install ok installed" if argv[-1] in self.installed else "unknown"
            return Completed(tuple(argv), 0, status, "", 0.0)
        self.ran.append(argv)
        if argv[:2] == ["apt-get", "install"]:
            for package in (a for a in argv[2:] if not a.startswith("-")):
                self.installed.add(package)
                self.files |= {f for f, p in self.provides.items() if p == package}
        return Completed(tuple(argv), 0, "", "", 0.0)

    def need(self, what: str, packages: tuple[str, ...], files: tuple[str, ...]) -> Need:
        return Need(what, packages, (), lambda: [f for f in files if f not in self.files])


@pytest.fixture
def root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minbuild.rust.provision.os.geteuid", lambda: 0)


@pytest.mark.usefixtures("root")
def test_an_installed_package_without_its_file_is_installed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    machine = Machine({"lld-22", "rust-web-llvm"}, set(), {"/usr/bin/rust-lld": "rust-web-llvm"})
    monkeypatch.setattr("minbuild.util.command.run", machine.run)
    wasm = machine.need("target wasm32", ("lld-22", "rust-web-llvm"), ("/usr/bin/rust-lld",))
    report = provision.setup([wasm])
    assert (machine.ran[1][:5]) == [
        "apt-get",
        "install",
        "-y",
        "--no-install-recommends",
        "--reinstall",
    ]
    assert "target wasm32 lacks /usr/bin/rust-lld" in report
    assert report[-1] == "checked: the files and programs of all 1 needs are present"


@pytest.mark.usefixtures("root")
def test_setup_fails_when_the_packages_never_provide_a_required_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bug of a fresh machine: packages `installed`, file absent, and setup saying
    `nothing to install`. Now setup checks the files after installing and names them."""
    machine = Machine(set(), set(), {"/usr/bin/rust-lld": "rust-web-llvm"})
    monkeypatch.setattr("minbuild.util.command.run", machine.run)
    wasm = machine.need("target wasm32", ("lld-22",), ("/usr/bin/rust-lld",))
    with pytest.raises(ToolMissingError, match=r"target wasm32: /usr/bin/rust-lld"):
        provision.setup([wasm])
    assert machine.ran[1] == ["apt-get", "install", "-y", "--no-install-recommends", "lld-22"]


def test_nothing_to_install_only_when_every_file_is_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    machine = Machine({"lld-22"}, {"/usr/bin/rust-lld"}, {})
    monkeypatch.setattr("minbuild.util.command.run", machine.run)
    need = machine.need("target wasm32", ("lld-22",), ("/usr/bin/rust-lld",))
    report = provision.setup([need])
    assert "nothing to install" in report and machine.ran == []
    dry = provision.setup([dataclasses.replace(need, missing=lambda: ["/x"])], dry_run=True)
    assert dry[-1] == "would run: apt-get install -y --no-install-recommends --reinstall lld-22"


def test_commands_run_behind_the_targets_runner() -> None:
    from pathlib import Path

    context = TestContext(
        Path("/a/prog"),
        Path("/w"),
        Path("/c"),
        Path("/k"),
        {},
        ("qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"),
    )
    assert context.command(("{binary}", "run", "{workdir}/x")) == [
        "qemu-aarch64",
        "-L",
        "/usr/aarch64-linux-gnu",
        "/a/prog",
        "run",
        "/w/x",
    ]


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty simulated Debian registry in place of /usr/share/cargo/registry."""
    monkeypatch.setattr(registry_crates, "REGISTRY", tmp_path)
    return tmp_path


def test_a_dev_dependency_no_packaged_version_meets_is_named_with_both_versions(
    registry: Path,
) -> None:
    _packaged(
        registry,
        "tool-1.2.0",
        '[package]\nname = "tool"\nversion = "1.2.0"\n'
        '[dev-dependencies]\nquickcheck = "0.9"\ntempfile = "3"\nunpackaged = "1"\n'
        "[target.'cfg(unix)'.dev-dependencies]\nnix = { version = \">=0.20, <0.25\" }\n",
    )
    for packaged in ("quickcheck-1.0.3", "tempfile-3.3.0", "nix-0.26.2"):
        _packaged(registry, packaged)
    found = registry_crates.dev_dependency_mismatches("tool")
    assert len(found) == 2
    assert found[0].startswith('crate tool: dev-dependency quickcheck = "0.9" matches no packaged')
    assert "(1.0.3 in " in found[0]
    assert 'nix = ">=0.20, <0.25"' in found[1] and "(0.26.2 in " in found[1]
    assert registry_crates.dev_dependency_mismatches("absent") == []


def _packaged(registry: Path, folder: str, manifest: str = "[package]\n") -> None:
    """A crate in a simulated Debian registry."""
    (registry / folder).mkdir()
    (registry / folder / "Cargo.toml").write_text(manifest)


SHOWPKG = """Package: librust-cbindgen+default-dev
Versions:

Reverse Depends:
  librust-cbindgen-dev,librust-cbindgen+default-dev
Dependencies:
Provides:
Reverse Provides:
librust-cbindgen+clap-dev 0.24.3-2+b2 (= 0.24.3-2+b2)
"""


def test_the_packages_that_provide_a_virtual_one_are_read_from_showpkg() -> None:
    assert registry_crates.provided_by(SHOWPKG) == ["librust-cbindgen+clap-dev"]
    assert registry_crates.provided_by("Package: x\nReverse Provides: \n") == []
    assert registry_crates.provided_by("") == []


def test_a_default_feature_the_crates_package_only_recommends_is_a_need_of_its_own(
    registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _packaged(
        registry,
        "cbindgen-0.24.3",
        '[package]\nname = "cbindgen"\nversion = "0.24.3"\n'
        '[dependencies]\nclap = { version = "3.1", optional = true }\nlog = "0.4"\n'
        'syn = { version = "1", optional = true }\n'
        '[features]\ndefault = ["cli"]\ncli = ["dep:clap"]\nparsing = ["syn"]\n',
    )
    _packaged(registry, "clap-2.34.0")
    shown = {"librust-cbindgen+default-dev": SHOWPKG}

    def run(argv: Sequence[str], **_: object) -> Completed:
        return Completed(tuple(argv), 0, shown.get(argv[-1], ""), "", 0.0)

    monkeypatch.setattr("minbuild.util.command.run", run)
    need = registry_crates.default_features_need("cbindgen")
    assert need is not None and need.packages == ("librust-cbindgen+clap-dev",)
    # clap 2.34.0 does not meet "3.1": the check after installing names what is still missing
    assert need.missing() == [f'{registry}/clap-<version> ("3.1")']
    _packaged(registry, "clap-3.2.23")
    assert need.missing() == []
    # a crate whose own package provides its default features needs nothing more
    shown["librust-cbindgen+default-dev"] = SHOWPKG.replace("+clap-dev", "-dev")
    assert registry_crates.default_features_need("cbindgen") is None
    assert registry_crates.default_features_need("absent") is None
