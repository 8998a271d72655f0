"""Reading what a toolchain accepts, and choosing one toolchain for every stage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.rust import choice, toolchains
from minbuild.rust.candidates import DEBIAN, Candidate, rustup
from minbuild.rust.toolchains import Toolchain
from minbuild.util.errors import ToolMissingError
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


def failing_for(
    *names: str, error: str = "error[E0658]: use of unstable library feature"
) -> tuple[toolchains.BuildCheck, list[str]]:
    """A `cargo check` stand-in that fails for these toolchains; and the names it checked."""
    checked: list[str] = []

    def builds(chosen: Toolchain) -> str | None:
        checked.append(chosen.candidate.name)
        return error if chosen.candidate.name in names else None

    return builds, checked


def test_a_toolchain_that_cannot_build_the_crate_falls_back_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    debian = toolchain()
    asked = fake_probes(
        monkeypatch, {"nightly": toolchain(rustup("nightly"), source=False), "debian": debian}
    )
    builds, checked = failing_for("nightly")
    resolution = toolchains.resolve(STAGES[:10], None, builds)
    assert resolution.toolchain is debian and not resolution.skipped
    assert asked == checked == ["nightly", "debian"]
    assert choice.lines(resolution.choice) == (
        "nightly (rustc 1.96.0) cannot build the crate: "
        "error[E0658]: use of unstable library feature",
        "debian (rustc 1.96.0): chosen; runs every stage; `cargo check` of the crate passed",
    )


def test_a_requested_toolchain_that_cannot_build_is_kept_and_another_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nightly = toolchain(rustup("nightly"))
    asked = fake_probes(monkeypatch, {"nightly": nightly, "debian": toolchain()})
    builds, checked = failing_for("nightly")
    resolution = toolchains.resolve(STAGES, "nightly", builds)
    assert resolution.toolchain is nightly and not resolution.skipped
    assert asked == ["nightly", "debian", "stable"]  # the others only to name one that builds
    assert checked == ["nightly", "debian"]
    assert choice.lines(resolution.choice) == (
        "nightly (rustc 1.96.0) cannot build the crate: "
        "error[E0658]: use of unstable library feature",
        "--toolchain debian builds it (debian (rustc 1.96.0))",
    )


def test_a_requested_toolchain_says_when_no_other_builds_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_probes(monkeypatch, {"nightly": toolchain(rustup("nightly")), "debian": toolchain()})
    builds, _ = failing_for("nightly", "debian")
    resolution = toolchains.resolve(STAGES, "nightly", builds)
    assert resolution.toolchain.candidate.name == "nightly"
    assert choice.lines(resolution.choice)[-1] == "no other installed toolchain builds it either"


def test_when_no_toolchain_builds_the_first_ranked_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nightly = toolchain(rustup("nightly"))
    fake_probes(monkeypatch, {"nightly": nightly, "debian": toolchain()})
    builds, checked = failing_for("nightly", "debian", error="error: edition 2015 is too old")
    resolution = toolchains.resolve(STAGES, None, builds)
    assert resolution.toolchain is nightly and not resolution.skipped
    assert checked == ["nightly", "debian"]  # each checked once
    assert choice.lines(resolution.choice) == (
        "nightly (rustc 1.96.0) cannot build the crate: error: edition 2015 is too old",
        "debian (rustc 1.96.0) cannot build the crate: error: edition 2015 is too old",
        "toolchain stable: not installed",
        "no installed toolchain builds the crate; using nightly (rustc 1.96.0)",
    )


def test_a_toolchain_that_builds_with_skips_beats_one_that_cannot_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stable = toolchain(rustup("stable", {"RUSTC_BOOTSTRAP": "1"}), source=False)
    fake_probes(monkeypatch, {"nightly": toolchain(rustup("nightly")), "stable": stable})
    builds, checked = failing_for("nightly")
    resolution = toolchains.resolve(STAGES, None, builds)
    assert resolution.toolchain is stable
    assert set(resolution.skipped) == {"build-std", "build-std-features", "panic-immediate-abort"}
    assert checked == ["nightly", "stable"]
    assert choice.lines(resolution.choice)[-1] == (
        "stable (rustc 1.96.0): chosen; runs debug…location-detail; "
        "not build-std…panic-immediate-abort; `cargo check` of the crate passed"
    )


def test_the_choice_explains_what_a_preferred_toolchain_could_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    debian = toolchain()
    fake_probes(
        monkeypatch, {"nightly": toolchain(rustup("nightly"), source=False), "debian": debian}
    )
    builds, checked = failing_for()
    resolution = toolchains.resolve(STAGES, None, builds)
    assert resolution.toolchain is debian
    assert checked == ["debian"]  # nightly was passed over for its stages, not checked
    assert choice.lines(resolution.choice) == (
        "nightly (rustc 1.96.0): cannot run 3 stage(s), first build-std: toolchain nightly "
        "(rustc 1.96.0) has no std library source for -Z build-std",
        "debian (rustc 1.96.0): chosen; runs every stage; `cargo check` of the crate passed",
    )
    unchecked = toolchains.resolve(STAGES, None)
    assert choice.lines(unchecked.choice)[-1] == "debian (rustc 1.96.0): chosen; runs every stage"


def test_a_toolchain_that_runs_every_stage_and_builds_stops_the_probing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nightly = toolchain(rustup("nightly"))
    asked = fake_probes(monkeypatch, {"nightly": nightly, "debian": toolchain()})
    builds, checked = failing_for("debian")
    resolution = toolchains.resolve(STAGES, None, builds)
    assert resolution.toolchain is nightly
    assert asked == checked == ["nightly"]
    assert choice.lines(resolution.choice) == (
        "nightly (rustc 1.96.0): chosen; runs every stage; `cargo check` of the crate passed",
    )


def test_a_skip_names_the_installed_toolchain_that_could_run_it_but_cannot_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sniffglue on Debian's 1.96: the toolchain with std's source is installed, so telling the
    user to install it would be wrong; the skip says it cannot build the crate, and why."""
    stable = toolchain(rustup("stable", {"RUSTC_BOOTSTRAP": "1"}), source=False)
    fake_probes(monkeypatch, {"debian": toolchain(), "stable": stable})
    builds, _ = failing_for("debian")
    resolution = toolchains.resolve(STAGES, None, builds)
    assert resolution.toolchain is stable
    reason = resolution.skipped["build-std"]
    assert reason.startswith("debian (rustc 1.96.0) could run it but cannot build the crate (")
    assert "has no std library source" in reason  # the chosen one's own reason stays
    assert list(resolution.unbuildable) == ["debian (rustc 1.96.0)"]


@pytest.mark.parametrize("requested", [None, "debian"])
def test_a_choice_made_before_its_check_says_what_the_checked_one_says(
    monkeypatch: pytest.MonkeyPatch, requested: str | None
) -> None:
    """min-build chooses without the check and runs it in its first lane: once it passes,
    the run must record the very choice that checking first would have made."""
    fake_probes(
        monkeypatch, {"nightly": toolchain(rustup("nightly"), source=False), "debian": toolchain()}
    )
    builds, _ = failing_for()
    for stages in (STAGES, STAGES[:10]):
        presumed = toolchains.resolve(stages, requested, None)
        assert "`cargo check` of the crate passed" not in " ".join(choice.lines(presumed.choice))
        checked = toolchains.proved(presumed, choice.CHECKED)
        assert checked == toolchains.resolve(stages, requested, builds)
    # a note added after the choice (build-std's offline source) stays last
    presumed = toolchains.resolve(STAGES, requested, None)
    source = choice.OfflineSource(3, Path("/std-and-crate"))
    noted = dataclasses.replace(presumed, choice=(*presumed.choice, source))
    assert choice.lines(toolchains.proved(noted, choice.CHECKED).choice)[-2:] == (
        "debian (rustc 1.96.0): chosen; runs every stage; `cargo check` of the crate passed",
        "build-std: std's and 3 crates.io dependencies of the crate from one offline source, "
        "/std-and-crate",
    )
    built = toolchains.proved(presumed, choice.Evidence(built_stage="debug"))
    assert choice.lines(built.choice)[-1] == (
        "debian (rustc 1.96.0): chosen; runs every stage; the crate built with it (debug)"
    )
