"""Reading what a toolchain accepts, and choosing one toolchain for every stage."""

from __future__ import annotations

import pytest

from minbuild import toolchains
from minbuild.config import load_project
from minbuild.errors import ToolMissingError
from minbuild.stages import load_staircase
from minbuild.toolchains import DEBIAN, Candidate, Toolchain, rustup
from tests.conftest import REPO
from tests.unit.helpers import toolchain

STAGES = load_staircase(load_project(REPO / "config" / "demo.yaml"))
BY_NAME = {stage.name: stage for stage in STAGES}

CARGO_Z_HELP = """\
Available unstable (nightly-only) flags:

    -Z build-std                   Enable Cargo to compile the standard library itself
    -Z build-std-features          Configure features enabled for the standard library
    -Z panic-immediate-abort       Enable setting `panic = "immediate-abort"` in profiles
"""
RUSTC_Z_HELP = """\
    -Z                               location-detail=val -- what location details should be
    -Z                                    fmt-debug=val -- how detailed `#[derive(Debug)]`
    -Z                               threads=val -- use a thread pool with N threads
"""


def test_help_texts_parse_into_flag_names() -> None:
    assert set(toolchains._CARGO_Z.findall(CARGO_Z_HELP)) == {
        "build-std",
        "build-std-features",
        "panic-immediate-abort",
    }
    assert set(toolchains._RUSTC_Z.findall(RUSTC_Z_HELP)) == {
        "location-detail",
        "fmt-debug",
        "threads",
    }


def test_toolchain_without_library_source_cannot_build_std() -> None:
    bare = toolchain(rustup("nightly"), source=False)
    assert bare.cannot_run(BY_NAME["lto"]) is None
    assert "no std library source" in (bare.cannot_run(BY_NAME["build-std"]) or "")


def test_a_flag_the_toolchain_no_longer_accepts_is_named_with_the_fix() -> None:
    old = toolchain(cargo_z=("build-std", "build-std-features"))
    reason = old.cannot_run(BY_NAME["panic-immediate-abort"]) or ""
    assert reason.startswith(
        "toolchain debian (rustc 1.96.0): cargo does not accept -Z panic-immediate-abort; "
        "enable it with a toolchain that accepts it: `rustup toolchain install nightly`"
    )
    reason = toolchain(rustc_z=()).cannot_run(BY_NAME["location-detail"]) or ""
    assert reason.startswith(
        "toolchain debian (rustc 1.96.0): rustc does not accept -Z location-detail; enable it"
    )


def fake_probes(monkeypatch: pytest.MonkeyPatch, available: dict[str, Toolchain]) -> list[str]:
    asked: list[str] = []

    def probe(candidate: Candidate) -> Toolchain:
        asked.append(candidate.name)
        if candidate.name not in available:
            raise ToolMissingError(f"toolchain {candidate.name}: not installed")
        return available[candidate.name]

    monkeypatch.setattr(toolchains, "probe", probe)
    return asked


def test_preference_nightly_with_source_first(monkeypatch: pytest.MonkeyPatch) -> None:
    nightly = toolchain(rustup("nightly"))
    asked = fake_probes(monkeypatch, {"nightly": nightly, "debian": toolchain()})
    resolution = toolchains.resolve(STAGES, None)
    assert resolution.toolchain is nightly and not resolution.skipped
    assert asked == ["nightly"]


def test_debian_wins_when_nightly_lacks_rust_src(monkeypatch: pytest.MonkeyPatch) -> None:
    debian = toolchain()
    fake_probes(
        monkeypatch, {"nightly": toolchain(rustup("nightly"), source=False), "debian": debian}
    )
    resolution = toolchains.resolve(STAGES, None)
    assert resolution.toolchain is debian and not resolution.skipped


def test_nightly_is_enough_without_build_std_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    nightly = toolchain(rustup("nightly"), source=False)
    fake_probes(monkeypatch, {"nightly": nightly, "debian": toolchain()})
    assert toolchains.resolve(STAGES[:10], None).toolchain is nightly


def test_stable_only_skips_build_std_with_the_command_that_enables_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stable = toolchain(rustup("stable", {"RUSTC_BOOTSTRAP": "1"}), source=False)
    fake_probes(monkeypatch, {"stable": stable})
    resolution = toolchains.resolve(STAGES, None)
    assert resolution.toolchain is stable
    assert set(resolution.skipped) == {"build-std", "build-std-features", "panic-immediate-abort"}
    assert DEBIAN.install in resolution.skipped["build-std"]


def test_requested_toolchain_is_the_only_one_probed(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_probes(monkeypatch, {"debian": toolchain()})
    assert toolchains.resolve(STAGES, "debian").toolchain.candidate is DEBIAN
    assert asked == ["debian"]


def test_no_toolchain_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_probes(monkeypatch, {})
    with pytest.raises(ToolMissingError, match="no usable Rust toolchain"):
        toolchains.resolve(STAGES, None)
