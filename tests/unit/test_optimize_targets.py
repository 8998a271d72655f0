"""A search for a foreign target, in units: which settings it searches, the references it
compares with, the export's config lines and post-link step."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from minbuild.engine import postlink
from minbuild.engine.cross import with_std_rebuilt
from minbuild.optimize import export
from minbuild.optimize.builder import TrialReporter
from minbuild.optimize.points import RELEASE, WIZARD, references, start_point
from minbuild.optimize.profile import config_toml
from minbuild.optimize.report import apply_lines
from minbuild.optimize.space import apply, load_space
from minbuild.project.config import bundled, load_project
from minbuild.project.stages import load_staircase
from minbuild.project.targets import Target, load_targets, select
from minbuild.runs.progress import Silent
from minbuild.util.errors import ConfigError
from tests.unit.helpers import crate, toolchain
from tests.unit.test_optimize import DEMO, SETTINGS, project_with

WASI = "wasm32-wasip1"


def wasi() -> Target:
    (target,) = select(load_targets(bundled("targets.yaml")), [WASI])
    return target


def test_a_foreign_target_searches_wasm_opt_and_not_build_std() -> None:
    project = load_project(DEMO)
    host, wasm = load_space(project), load_space(project, target=WASI)
    assert "build-std" in {s.name for s in host.settings}
    assert "wasm-opt" not in {s.name for s in host.settings}
    assert host.left_out["wasm-opt"] == "not for a build for this machine"
    assert "wasm-opt" in {s.name for s in wasm.settings}
    assert wasm.left_out["build-std"] == f"not for {WASI}"
    arm = load_space(project, target="aarch64-unknown-linux-gnu")
    assert {"wasm-opt", "build-std"} <= set(arm.left_out)
    # a cdylib target takes the settings for a cdylib: no relocation-model (bin only)
    library = load_space(project, target="wasm32-unknown-unknown", kind="cdylib")
    assert library.left_out["relocation-model"] == "not for a cdylib artifact"


def test_the_references_keep_the_start_points_std_on_a_foreign_target() -> None:
    project = load_project(DEMO)
    space = load_space(project, target=WASI)
    last = with_std_rebuilt(load_staircase(project)[0])
    release = apply(space, space.release, last, project.rustflags, "r", "")
    point = start_point(space, last, crate(), release)
    assert point["build-std"] == "rebuilt"
    compared = references(space, point, WASI)
    assert compared[RELEASE]["build-std"] == compared[WIZARD]["build-std"] == "rebuilt"
    assert compared[RELEASE]["wasm-opt"] == "none"
    assert references(space)[RELEASE]["build-std"] == "prebuilt"  # the host's release


def test_wasm_opt_is_a_post_link_step_of_the_stage_and_of_the_export() -> None:
    project = load_project(DEMO)
    space = load_space(project, target=WASI)
    staircase = load_staircase(project)
    point = {**space.release, "build-std": "rebuilt", "wasm-opt": "Oz", "opt-level": "z"}
    stage = with_std_rebuilt(apply(space, point, staircase[0], project.rustflags, "w", ""))
    (step,) = stage.post_link
    assert step.command("in.wasm", "out.wasm") == ("wasm-opt", "-Oz", "in.wasm", "-o", "out.wasm")
    assert step.package == "binaryen"
    target = wasi()
    found = export.export(stage, crate(), project.artifact, toolchain(), "tiny", target, "t.wasm")
    assert found.target == WASI and f"--target {WASI}" in found.command
    assert found.post_link == (
        f"wasm-opt -Oz target/{WASI}/tiny/t.wasm -o target/{WASI}/tiny/t.post-link-1.wasm",
    )
    config = tomllib.loads(config_toml(found))
    assert config["build"] == {"target": WASI}
    assert config["target"][WASI]["rustflags"][-2:] == ["-L", "native=/usr/lib/wasm32-wasi"]
    assert config["unstable"]["build-std"] == ["std", "panic_abort"]
    assert "then, over the artifact it linked" in "\n".join(apply_lines(found))


def test_a_post_link_program_that_is_missing_skips_with_the_package_to_install(
    tmp_path: Path,
) -> None:
    own = (
        SETTINGS + "  - name: shrink\n    description: d\n    release: none\n    values:\n"
        "      none: {}\n      run:\n        post_link:\n"
        "          argv: [no-such-shrinker, '{input}', '{output}']\n"
        "          package: shrinker-tools\n"
    )
    config = project_with(tmp_path, "{space: space.yaml, settings: [shrink]}", own)
    project = load_project(config)
    space = load_space(project)
    stage = apply(
        space, {**space.release, "shrink": "run"}, load_staircase(project)[0], (), "s", ""
    )
    assert postlink.missing(stage) == (
        "needs no-such-shrinker; install with: apt-get install -y shrinker-tools"
    )


def test_a_post_link_step_must_name_its_input_and_output(tmp_path: Path) -> None:
    own = (
        SETTINGS + "  - name: shrink\n    description: d\n    release: none\n    values:\n"
        "      none: {}\n      run: {post_link: {argv: [wasm-opt, -Oz, '{input}'], "
        "package: binaryen}}\n"
    )
    config = project_with(tmp_path, "{space: space.yaml}", own)
    with pytest.raises(ConfigError) as caught:
        load_space(load_project(config))
    assert "settings.0.values.run.post_link.argv: must name the linked artifact" in str(
        caught.value
    )


def test_a_foreign_targets_trial_is_named_by_its_change_in_the_progress_lines() -> None:
    shown: list[str] = []

    class Lines(Silent):
        def progress(self, position: int, total: int, stage: str, action: str) -> None:
            shown.append(f"{stage}: {action}")

    reporter = TrialReporter(Lines(), {"trial-ab12": "round 1 · opt-level=z"}, lambda r: r)
    reporter.progress(1, 2, f"trial-ab12 @ {WASI}", "building")
    reporter.progress(1, 2, "trial-ab12", "testing")
    reporter.progress(2, 2, "fixture-maker", "building")
    assert shown == [
        f"round 1 · opt-level=z @ {WASI}: building",
        "round 1 · opt-level=z: testing",
        "fixture-maker: building",
    ]
