"""sniffglue 0.15.0 from Debian's registry: ~70 dependencies, `log` as a direct dependency,
libpcap through pcap-sys, and an old proc-macro2 that today's nightly rejects (a user who
asks for nightly is told which toolchain builds the crate)."""

from __future__ import annotations

from typing import Any

import pytest

from minbuild.project.config import load_project
from tests.realcrates.conftest import (
    RealCrate,
)


@pytest.fixture(scope="module")
def initialized(sniffglue: RealCrate) -> RealCrate:
    return sniffglue.initialized()


def test_init_compiles_log_out_through_its_direct_dependency(initialized: RealCrate) -> None:
    project = load_project(initialized.project)
    assert project.feature_sets["disable_logging"] == ("log/max_level_off",)
    # Debian's rustc 1.96 denies sniffglue's ambiguous glob imports (a future-incompat lint);
    # capped to a warning, the one toolchain here with std's source builds every stage.
    assert project.rustflags == ("--cap-lints", "warn")
    assert (project.artifact.kind, project.artifact.name) == ("bin", "sniffglue")
    (smoke,) = project.tests
    assert smoke.argv == ("{binary}", "--version")


def test_the_choice_for_the_whole_staircase_says_what_each_toolchain_lacks(
    initialized: RealCrate,
) -> None:
    """A run cut short still takes the toolchain the whole staircase would take (a run's
    stages compare only when one compiler built them all): rustup's nightly here has no std
    source for the build-std stages, so Debian's runs; the dry run builds nothing, so a run's
    first build confirms it (on a large crate a `cargo check` before a dry run took minutes)."""
    result = initialized.minbuild("min-build", "--to", "location-detail", "--dry-run")
    assert result.returncode == 0, result.stderr
    header = result.stdout.split("\n\n")[0]
    assert header.startswith("# toolchain: debian (rustc 1.96.0)")
    lacks = next(line for line in header.splitlines() if line.startswith("#   nightly"))
    assert "cannot run 3 stage(s), first build-std" in lacks and "no std library source" in lacks
    assert "not yet confirmed that debian (rustc 1.96.0) builds the crate" in header


def test_a_requested_toolchain_that_fails_names_one_that_works(initialized: RealCrate) -> None:
    result = initialized.minbuild(
        "min-build", "--toolchain", "nightly", "--stage", "release", "--dry-run"
    )
    assert result.returncode == 0, result.stderr
    assert "--toolchain debian builds it" in result.stdout


# hexyl takes a real crate down all 13 stages and optimizes from its last one (test_hexyl.py);
# sniffglue, three times its size, takes the stages that its own traits test: the logging it
# compiles out, and the last stage (std rebuilt from source with its ~70 dependencies and
# libpcap's C, panic=immediate-abort). Its optimize search, the same code path as hexyl's with
# ~70 dependencies rebuilt per trial, took five of CI's sixty minutes: it is run by hand (the
# closing notes of issues 23 and 24 give its figures), not in CI.
STAGES = ("release", "no-default-features", "disable-logging", "panic-immediate-abort")


def test_its_stages_build_and_run(initialized: RealCrate) -> None:
    result = initialized.minbuild("min-build", "--stages", ",".join(STAGES))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run: dict[str, Any] = initialized.latest_run()
    assert tuple(stage["name"] for stage in run["stages"]) == STAGES
    for stage in run["stages"]:
        assert stage["status"] == "ok", (stage["name"], stage["reason"], stage["first_error"])
        assert [t["status"] for t in stage["tests"]] == ["passed"], stage["name"]
    by_name = {stage["name"]: stage for stage in run["stages"]}
    assert "log/max_level_off" in " ".join(by_name["disable-logging"]["command"])
    assert by_name["disable-logging"]["size_bytes"] < by_name["no-default-features"]["size_bytes"]
    assert "toolchain choice:" in result.stdout and "debian (rustc" in result.stdout
