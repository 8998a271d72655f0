"""The optimize space (bundled, narrowed, extended, and its mistakes), points, the exported
profile, the document's round trip and its reports: no build runs here."""

from __future__ import annotations

import json
import textwrap
import tomllib
from pathlib import Path

import pytest

from minbuild.commands.size_report import REPORT_FORMATS
from minbuild.commands.size_report import Options as ReportOptions
from minbuild.engine.invocations import PROFILE
from minbuild.optimize import export, report, trials
from minbuild.optimize.points import WIZARD, references, signature, start_point
from minbuild.optimize.profile import config_toml, profile_toml
from minbuild.optimize.search import search
from minbuild.optimize.space import apply, load_space
from minbuild.optimize.trials import OptimizeRecord
from minbuild.project.config import load_project
from minbuild.project.stages import load_staircase
from minbuild.util.errors import ConfigError
from tests.conftest import REPO
from tests.unit.helpers import crate, size_report, toolchain
from tests.unit.test_optimize_search import SPACE, START, FakeBuilder

DEMO = REPO / "config" / "demo.yaml"
SETTINGS = "schema: 1\nsettings:\n"


def project_with(tmp_path: Path, optimize: str, space: str | None = None) -> Path:
    text = DEMO.read_text().replace("../demo/", f"{REPO}/demo/")
    text = text.replace("size_baseline: size-baseline.json", "")
    if space is not None:
        (tmp_path / "space.yaml").write_text(textwrap.dedent(space))
    path = tmp_path / "minbuild.yaml"
    path.write_text(text + "\noptimize: " + optimize + "\n")
    return path


def test_the_bundled_space_covers_the_staircase_and_the_issues_list() -> None:
    space = load_space(load_project(DEMO))
    names = {setting.name for setting in space.settings}
    assert {
        "opt-level",
        "lto",
        "codegen-units",
        "panic",
        "strip",
        "debug",
        "location-detail",
        "fmt-debug",
        "trim-paths",
        "build-std",
        "std-features",
        "share-generics",
        "relocation-model",
        "frame-pointers",
        "icf",
    } <= names
    assert set(space.setting("opt-level").labels) == {"3", "2", "s", "z"}
    assert set(space.setting("std-features").labels) == {"default", "none", "optimize_for_size"}


def test_the_project_file_narrows_and_extends_the_space(tmp_path: Path) -> None:
    own = """\
        schema: 1
        settings:
          - name: lto
            description: only fat
            release: "false"
            values: {"false": {}, fat: {profile: {lto: fat}}}
          - name: target-cpu
            description: a crate's own setting
            release: generic
            values: {generic: {}, native: {rustflags: [-Ctarget-cpu=native]}}
    """
    config = project_with(tmp_path, "{space: space.yaml, settings: [lto, target-cpu, panic]}", own)
    space = load_space(load_project(config))
    assert [s.name for s in space.settings] == ["lto", "panic", "target-cpu"]
    assert space.setting("lto").labels == ("false", "fat")
    assert space.left_out["opt-level"] == "not among the settings asked for"
    narrowed = load_space(load_project(config), skip=["panic"])
    assert "panic" not in {s.name for s in narrowed.settings}


@pytest.mark.parametrize(
    ("optimize", "space", "message"),
    [
        (
            "{settings: [opt-levle]}",
            None,
            "no setting 'opt-levle' in the search space; did you mean 'opt-level'?",
        ),
        (
            "{space: space.yaml}",
            SETTINGS + "  - {name: x, description: d, release: a, values: {a: {}, b: {}}}\n"
            "  - {name: x, description: d, release: a, values: {a: {}, b: {}}}\n",
            "duplicate setting name 'x'",
        ),
        (
            "{space: space.yaml}",
            SETTINGS + "  - {name: x, description: d, release: c, values: {a: {}, b: {}}}\n",
            "'c' is not one of the setting's values (a, b)",
        ),
        (
            "{space: space.yaml}",
            "schema: 1\nsettings:\n  - name: x\n    description: d\n    release: a\n"
            "    values: {a: {profile: {lto: fat}}, b: {}}\n",
            "space.yaml:6: settings.0.values.a: the release value must apply nothing",
        ),
        (
            "{space: space.yaml}",
            SETTINGS
            + "  - {name: x, description: d, release: a, values: {b: {rustflag: [-Cx]}}}\n",
            "rustflag",
        ),
        ("{space: nowhere.yaml}", None, "no such file"),
    ],
)
def test_a_bad_space_is_one_line_naming_file_and_key(
    tmp_path: Path, optimize: str, space: str | None, message: str
) -> None:
    config = project_with(tmp_path, optimize, space)
    with pytest.raises(ConfigError) as caught:
        load_space(load_project(config))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and caught.value.exit_code == 2


def test_the_start_point_is_the_last_stage_in_the_spaces_terms() -> None:
    project = load_project(DEMO)
    space, staircase = load_space(project), load_staircase(project)
    last, demo = staircase[-1], crate()
    release_settings = apply(space, space.release, last, project.rustflags, "r", "")
    point = start_point(space, last, demo, release_settings)
    assert point["opt-level"] == "s" and point["lto"] == "fat" and point["codegen-units"] == "1"
    assert point["panic"] == "immediate-abort" and point["std-features"] == "none"
    assert point["location-detail"] == "none" and point["fmt-debug"] == "full"
    built = apply(space, point, last, project.rustflags, "x", "")
    assert signature(demo, built) == signature(demo, last)  # the same build as the stage
    release = start_point(space, staircase[1], demo, release_settings)
    assert release == space.release


def test_the_references_take_cargo_wizards_template_where_the_space_has_it() -> None:
    wizard = references(SPACE)[WIZARD]
    assert wizard == {"opt": "3", "lto": "fat", "cgu": "16", "panic": "abort"}


def test_the_bundled_wizard_reference_is_the_templates_every_setting() -> None:
    """cargo-wizard's min-size also sets debug = false, which a reference on ripgrep (its
    release has debug = 1) lacked (docs/compared.md)."""
    wizard = references(load_space(load_project(DEMO)))[WIZARD]
    template = {"opt-level": "z", "lto": "fat", "codegen-units": "1", "panic": "abort"}
    assert {k: wizard[k] for k in template} == template
    assert (wizard["strip"], wizard["debug"]) == ("symbols", "none")


def test_the_export_is_a_profile_config_lines_and_the_command(tmp_path: Path) -> None:
    project = load_project(DEMO)
    space, staircase = load_space(project), load_staircase(project)
    base = apply(space, space.release, staircase[-1], project.rustflags, "r", "")
    point = {**start_point(space, staircase[-1], crate(), base), "strip": "symbols"}
    stage = apply(space, point, staircase[-1], project.rustflags, "tiny", "")
    found = export.export(stage, crate(), project.artifact, toolchain(), "tiny")
    profile = tomllib.loads(profile_toml(found))["profile"]["tiny"]
    assert profile == {
        "inherits": "release",
        "opt-level": "s",
        "lto": "fat",
        "codegen-units": 1,
        "panic": "immediate-abort",
        "strip": "symbols",
    }
    config = tomllib.loads(config_toml(found))
    assert config["unstable"]["build-std"] == ["std", "panic_abort"]
    assert config["unstable"]["build-std-features"] == []
    assert config["unstable"]["panic-immediate-abort"] is True
    assert "-Zlocation-detail=none" in config["build"]["rustflags"]
    assert "--profile tiny" in found.command and f"--profile {PROFILE}" not in found.command
    assert "--target-dir" not in found.command and "--manifest-path" not in found.command
    assert found.nightly
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text('[package]\nname = "x"\n')
    export.write_profile(manifest, found)
    assert tomllib.loads(manifest.read_text())["profile"]["tiny"]["strip"] == "symbols"
    with pytest.raises(ConfigError, match=r"already has \[profile.tiny\]"):
        export.write_profile(manifest, found)


def searched_record() -> OptimizeRecord:
    found = search(
        SPACE, START, FakeBuilder([{"panic": "abort", "lto": "off"}]), references=references(SPACE)
    )
    return OptimizeRecord(
        run_id="20261201T000000Z-000001",
        started="2026-12-01T00:00:00+00:00",
        finished="2026-12-01T00:01:00+00:00",
        complete=True,
        host="x86_64-unknown-linux-gnu",
        crate={"name": "tinyvm", "version": "0.3.0"},
        minbuild_version="0",
        toolchain={"name": "debian", "release": "1.96.0"},
        start="release",
        start_point=dict(START),
        space={s.name: s.labels for s in SPACE.settings},
        excluded=found.excluded,
        trials=tuple(found.trials.values()),
        steps=tuple(found.steps),
        references=found.references,
        winner=found.winner,
        contributions=tuple(found.contributions),
        stopped=found.stopped,
    )


def test_the_document_reads_back_as_written(tmp_path: Path) -> None:
    record = searched_record()
    path = trials.save(record, tmp_path)
    assert trials.load(path) == record
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**json.loads(path.read_text()), "winner": 7}))
    with pytest.raises(ConfigError, match=r"broken\.json"):
        trials.load(broken)


def test_the_report_shows_the_winner_the_references_and_each_settings_worth() -> None:
    record = searched_record()
    text = report.terminal(record)
    assert "winner" in text and "cargo-wizard min-size" in text
    assert "start point (release) = release settings" in text
    assert "what each setting is worth at the winner" in text
    assert "rejected: tests failed: panics" in text
    winner = record.winning
    assert winner is not None and winner.size is not None
    # the descent began at cargo-wizard's point (panic=abort, lto=fat): without LTO it fails
    lines = [line for line in text.splitlines() if line.startswith("lto ")]
    assert lines and "needed: without it, rejected: tests failed: panics" in lines[0]
    assert winner.size == min(t.size or 0 for t in record.trials if t.accepted)
    csv_rows = report.to_csv(record).splitlines()
    assert len(csv_rows) == 1 + len(record.steps)
    assert report.markdown(record).startswith("### minbuild optimize: tinyvm 0.3.0")


def test_size_report_renders_the_latest_search(tmp_path: Path) -> None:
    trials.save(searched_record(), tmp_path / "optimize")
    done = size_report(ReportOptions(search="latest", state_dir=tmp_path, form="json"))
    assert json.loads(done.text)["schema"] == trials.SCHEMA
    page = size_report(ReportOptions(search="latest", state_dir=tmp_path, form="html")).text
    assert page.startswith("<!DOCTYPE html>") and "{{" not in page
    assert "<svg" in page and "What each setting is worth" in page  # the chart, the tables
    assert "<h2>Every trial</h2>" in page and "rejected: tests failed: panics" in page
    for form in REPORT_FORMATS:  # a search renders in every format a run does
        assert size_report(ReportOptions(search="latest", state_dir=tmp_path, form=form)).text
    with pytest.raises(ConfigError, match="--format pdf: not one of"):
        size_report(ReportOptions(search="latest", state_dir=tmp_path, form="pdf"))
    with pytest.raises(ConfigError, match="no optimize searches"):
        size_report(ReportOptions(search="latest", state_dir=tmp_path / "empty"))
