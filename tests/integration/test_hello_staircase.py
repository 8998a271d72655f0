"""Real cargo builds of tests/crates/hello through several stages, and how failures behave."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.size_report import Options as ReportOptions
from minbuild.report.formats import FORMATS
from minbuild.runs import records
from minbuild.runs.progress import Silent
from minbuild.runs.records import RunRecord, StageRecord
from tests.conftest import REPO, min_build
from tests.unit.helpers import size_report

HELLO = REPO / "tests" / "crates" / "hello"
STAGES = ("release", "panic-abort", "lto", "location-detail")


class Recorder(Silent):
    """A reporter that remembers what it was told, and can stop the run like Ctrl-C."""

    def __init__(self, interrupt_after: str | None = None) -> None:
        self.actions: list[tuple[str, str]] = []
        self.interrupt_after = interrupt_after

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        self.actions.append((stage, action))

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        if record.name == self.interrupt_after:
            raise KeyboardInterrupt

    def restarting(self, reason: str) -> None:
        self.actions.append(("restart", reason))


def build(state: Path, config: Path = HELLO / "minbuild.yaml", **options: object) -> RunRecord:
    opts = BuildOptions(config=config, state_dir=state, **options)  # type: ignore[arg-type]
    run, path = min_build(opts, Recorder())
    assert records.load(path) == run, "the document on disk is the run that was returned"
    return run


@pytest.fixture(scope="module")
def first_run(nightly: None, shared_state: Path) -> RunRecord:
    """hello down STAGES, location-detail's -Z flag included: every test of it is `nightly`."""
    return build(shared_state, stages=STAGES)


def test_every_stage_builds_and_passes_its_tests(first_run: RunRecord) -> None:
    by_name = {stage.name: stage for stage in first_run.stages}
    assert list(by_name) == list(STAGES)
    for stage in first_run.stages:
        assert stage.status == "ok", stage.reason
        assert stage.tests_run == 3 and stage.tests_passed == 3
        assert stage.toolchain["release"] == first_run.toolchain["release"]
    skipped = {t.name for t in by_name["release"].tests if t.status == "skipped"}
    assert skipped == {"panic-aborts"}


def test_sizes_are_real_and_artifacts_are_kept_apart(first_run: RunRecord) -> None:
    by_name = {stage.name: stage for stage in first_run.stages}
    for stage in first_run.stages:
        artifact = Path(stage.artifact or "")
        assert artifact.parent.name == stage.name
        assert artifact.stat().st_size == stage.size_bytes
        assert hashlib.sha256(artifact.read_bytes()).hexdigest() == stage.sha256
    sizes = [by_name[name].size_bytes or 0 for name in STAGES]
    assert sizes[2] < sizes[0], "lto must shrink the release binary"
    assert len({by_name[name].sha256 for name in STAGES}) == len(STAGES)


def test_records_carry_commands_env_and_profiles(first_run: RunRecord) -> None:
    lto = {stage.name: stage for stage in first_run.stages}["lto"]
    assert lto.env["CARGO_PROFILE_MINBUILD_LTO"] == "true"
    assert lto.env["CARGO_PROFILE_MINBUILD_PANIC"] == "abort"
    assert lto.effective_profile["lto"] == "fat" and lto.effective_profile["opt-level"] == "s"
    assert "--no-default-features" in lto.command and lto.features == ("greeting",)
    assert first_run.stages[-1].env["RUSTFLAGS"] == "-Zlocation-detail=none"
    assert first_run.complete and first_run.finished and first_run.config_hash
    # release, the first lane's first build, showed that the toolchain builds the crate
    assert sum(line.endswith("built with it (release)") for line in first_run.toolchain_choice) == 1


def test_an_unchanged_rerun_builds_nothing(first_run: RunRecord, shared_state: Path) -> None:
    again = build(shared_state, stages=STAGES)
    for before, after in zip(first_run.stages, again.stages, strict=True):
        assert after.units_built == 0 and (after.units_fresh or 0) > 0, after.name
        assert after.sha256 == before.sha256


def variant(tmp_path: Path, staircase: str, extra_tests: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "stairs.yaml").write_text(textwrap.dedent(staircase))
    project = (HELLO / "minbuild.yaml").read_text()
    project = project.replace("manifest: Cargo.toml", f"manifest: {HELLO / 'Cargo.toml'}")
    path = tmp_path / "project.yaml"
    path.write_text(project + extra_tests + "staircase: stairs.yaml\n")
    return path


BROKEN = """\
    schema: 1
    stages:
      - {name: release, description: optimized, base_profile: release}
      - {name: middle, description: smaller, profile: {opt-level: s}}
      - {name: broken, description: does not compile, features: [broken]}
"""
# A test that fails on the first stage only: later stages must still run.
WRONG_ON_RELEASE = """\
  - {name: wrong, argv: ["{binary}"], stdout: "nope\\n", stages: [release]}
"""


def test_failures_are_recorded_and_the_rest_still_run(
    cargo: None, shared_state: Path, tmp_path: Path
) -> None:
    run = build(shared_state, variant(tmp_path, BROKEN, WRONG_ON_RELEASE))
    release, middle, broken = run.stages
    assert release.status == "failed" and release.reason == "tests failed: wrong"
    wrong = next(t for t in release.tests if t.name == "wrong")
    assert wrong.reason == "stdout differs: line 1: expected 'nope', got 'hello, world!'"
    assert middle.status == "ok" and middle.tests_passed == middle.tests_run == 2
    assert broken.status == "failed" and broken.size_bytes is None
    assert broken.first_error is not None and "does not compile" in broken.first_error
    assert broken.log and "does not compile" in Path(broken.log).read_text()
    assert f"full log: {broken.log}" in broken.reason


def test_fail_fast_skips_what_follows(cargo: None, shared_state: Path, tmp_path: Path) -> None:
    run = build(shared_state, variant(tmp_path, BROKEN, WRONG_ON_RELEASE), fail_fast=True)
    assert [s.status for s in run.stages] == ["failed", "skipped", "skipped"]
    assert run.stages[2].reason == "not run: --fail-fast and release failed"


def test_a_hanging_test_is_killed_and_fails_the_stage(
    cargo: None, shared_state: Path, tmp_path: Path
) -> None:
    hang = """\
        tests:
          - {name: hangs, argv: ["{binary}", hang], timeout: 1}
    """
    config = variant(tmp_path, BROKEN.split("      - {name: middle")[0])
    config.write_text(
        config.read_text().split("tests:")[0] + textwrap.dedent(hang) + "staircase: stairs.yaml\n"
    )
    (stage,) = build(shared_state, config).stages
    (test,) = stage.tests
    assert stage.status == "failed" and stage.reason == "tests failed: hangs"
    assert test.status == "failed" and test.reason == "killed after 1s timeout"


def test_ctrl_c_keeps_earlier_documents_and_records_the_partial_run(
    cargo: None, shared_state: Path, tmp_path: Path
) -> None:
    config = variant(tmp_path, BROKEN)
    earlier = build(shared_state, config)
    runs = shared_state / "runs"
    before = {p.name: p.read_bytes() for p in runs.glob("*.json")}
    with pytest.raises(KeyboardInterrupt):
        min_build(
            # one lane: in two, `middle` may finish beside `release` before the interrupt
            BuildOptions(config=config, state_dir=shared_state, parallel=1),
            Recorder(interrupt_after="release"),
        )
    after = {p.name: p.read_bytes() for p in runs.glob("*.json")}
    assert {name: after[name] for name in before} == before
    (new,) = set(after) - set(before)
    partial = records.load(runs / new)
    assert partial.interrupted and not partial.complete
    assert [s.name for s in partial.stages] == ["release"]
    assert earlier.complete
    assert not list(runs.glob(".*.tmp")), "no temporary files left behind"


def test_size_report_on_the_real_run(first_run: RunRecord, shared_state: Path) -> None:
    for form in FORMATS:
        outcome = size_report(
            ReportOptions(run=first_run.run_id, form=form, state_dir=shared_state)
        )
        assert outcome.exit_code == 0 and outcome.text
    data = json.loads(
        size_report(ReportOptions(run=first_run.run_id, form="json", state_dir=shared_state)).text
    )
    assert [row["size_bytes"] for row in data["rows"]] == [s.size_bytes for s in first_run.stages]
    markdown = size_report(
        ReportOptions(run=first_run.run_id, form="markdown", state_dir=shared_state)
    ).text
    assert markdown.count(" build --manifest-path ") == len(STAGES)


def budgeted(tmp_path: Path, lto_max: int) -> Path:
    config = variant(tmp_path, (REPO / "config" / "staircase.yaml").read_text())
    config.write_text(config.read_text() + f"budgets:\n  - {{stage: lto, max_size: {lto_max}}}\n")
    return config


def test_min_build_check_gates_on_budgets(
    first_run: RunRecord, shared_state: Path, tmp_path: Path
) -> None:
    lto_size = next(s.size_bytes for s in first_run.stages if s.name == "lto") or 0

    def min_build_check(config: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "minbuild",
                "min-build",
                "--config",
                str(config),
                "--state-dir",
                str(shared_state),
                "--stage",
                "release",
                "--stage",
                "lto",
                "--check",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    broken = min_build_check(budgeted(tmp_path / "a", lto_size - 1))
    assert broken.returncode == 1, broken.stderr
    assert (
        f"✗ lto [{first_run.host}]: {lto_size:,} B is over max_size {lto_size - 1:,} B by 1 B"
        in (broken.stdout)
    )
    assert "budgets: 1 broken" in broken.stdout
    kept = min_build_check(budgeted(tmp_path / "b", lto_size))
    assert kept.returncode == 0, kept.stderr
    assert "budgets: all kept" in kept.stdout


def test_each_stage_is_taken_apart_by_section_and_crate(first_run: RunRecord) -> None:
    for stage in first_run.stages:
        parts = stage.composition
        assert parts is not None, stage.composition_error
        assert parts.format == "elf" and parts.file_size == stage.size_bytes
        text = next(s for s in parts.sections if s.name == ".text")
        assert parts.code_size == text.size
        assert sum(s.size for s in parts.sections if s.in_file) == parts.file_size
        # the symbols cover the code: the bar is 2%
        assert parts.attributed >= 0.98 * parts.code_size, stage.name
        origins = {c.name: c.origin for c in parts.crates}
        assert origins["hello"] == "crate" and origins["core"] == origins["std"] == "std"
        assert parts.symbols[0].size == max(s.size for s in parts.symbols)
        # the project's parts count every symbol: a crate's part is its crate's share
        named = {part.name: part.size for part in parts.parts}
        assert named["own"] == next(c.size for c in parts.crates if c.name == "hello")
        assert 0 < named["formatting"] < parts.code_size, stage.name


def test_the_diff_of_two_stages_names_what_moved(first_run: RunRecord, shared_state: Path) -> None:
    options = ReportOptions(
        run=first_run.run_id, diff=("panic-abort", "lto"), state_dir=shared_state
    )
    report = json.loads(size_report(dataclasses.replace(options, form="json")).text)
    (change,) = report["diffs"]
    assert (change["before"], change["after"]) == ("panic-abort", "lto")
    by_name = {s.name: s for s in first_run.stages}
    before, after = by_name["panic-abort"].composition, by_name["lto"].composition
    assert before and after
    assert change["file_delta_bytes"] == after.file_size - before.file_size < 0
    # crates, [unattributed] included, add up to the code: their deltas add up to its delta
    assert sum(c["delta"] for c in change["crates"]) == change["code_delta_bytes"]
    assert change["symbols"] and change["sections"][0]["name"]
    text = size_report(options).text
    assert "lto against panic-abort: file -" in text
    assert change["crates"][0]["name"] in text


def test_the_html_report_opens_in_chromium_without_errors(
    first_run: RunRecord, shared_state: Path, chromium: str, tmp_path: Path
) -> None:

    page = tmp_path / "report.html"
    outcome = size_report(
        ReportOptions(run=first_run.run_id, form="html", output=page, state_dir=shared_state)
    )
    assert outcome.messages[-1] == f"wrote {page}"
    text = page.read_text()
    # nothing to fetch: no script, style, image or font from the network (XML namespaces are
    # names, not fetches)
    assert not re.search(r"""(src|href)=["']?https?:|url\(\s*["']?https?:|@import""", text)
    assert text.count('<svg class="treemap"') == len(STAGES)
    shot = tmp_path / "report.png"
    browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr"]
    opened = subprocess.run(
        [*browser, "--v=0", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert opened.returncode == 0, opened.stderr[-2000:]
    console = [line for line in opened.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    # the page's script ran: the diff of the last two stages is on it
    assert "location-detail against lto: file" in opened.stdout
    # the script draws a movers table only where the two stages' bytes differ (one toolchain
    # lays the two out alike, another does not)
    sizes = {stage.name: stage.size_bytes for stage in first_run.stages}
    drawn = 2 if sizes["location-detail"] != sizes["lto"] else 1
    assert opened.stdout.count("<table>") >= drawn
    subprocess.run(
        [*browser, f"--screenshot={shot}", "--window-size=1100,1400", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
