"""The size-report job over run documents on disk: history, gating, publishing, bad input."""

from __future__ import annotations

import dataclasses
import json
import struct
from pathlib import Path

import pytest

from minbuild.budgets.baseline import load_baseline
from minbuild.commands.size_baseline import Options as BaselineOptions
from minbuild.commands.size_baseline import write_baseline
from minbuild.commands.size_report import Options as ReportOptions
from minbuild.report.charts import clipped_at, staircase_svg
from minbuild.runs import records
from minbuild.util.errors import ConfigError
from minbuild.util.schemas import validated
from minbuild.util.yamlfile import Document
from tests.unit.helpers import size_report
from tests.unit.samples import later_run, sample_run

PROJECT = """\
schema: 1
crate: {manifest: Cargo.toml}
feature_sets: {minimal: [run], disable_logging: []}
budgets:
  - {stage: release, max_growth: 10000}
  - {stage: lto, max_size: 600000}
"""


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """Two readable runs on disk with a truncated one between them."""
    runs = tmp_path / "state" / "runs"
    config = tmp_path / "project.yaml"
    config.write_text(PROJECT)
    records.save(records.RunRecord(**{**sample_run().__dict__, "config": str(config)}), runs)
    (runs / "20261120T180000Z-dead.json").write_text('{"schema": "minbuild.run/1", "run_')
    records.save(records.RunRecord(**{**later_run().__dict__, "config": str(config)}), runs)
    return tmp_path / "state"


def report(state: Path, **options: object) -> tuple[str, tuple[str, ...], int]:
    outcome = size_report(ReportOptions(state_dir=state, **options))  # type: ignore[arg-type]
    return outcome.text, outcome.messages, outcome.exit_code


def test_latest_run_by_default(state: Path) -> None:
    text, _, code = report(state)
    assert "run 20261121T120000Z-beef" in text.splitlines()[0] and code == 0


def test_history_skips_a_corrupt_document_and_names_it(state: Path) -> None:
    text, messages, _ = report(state, history=10, stages=("release", "lto"))
    lines = text.splitlines()
    assert lines[0].split() == ["date", "run", "commit", "toolchain", "release", "lto"]
    assert [line.split()[2] for line in lines[2:]] == ["abcd", "beef"]
    assert (
        len(messages) == 1
        and "20261120T180000Z-dead.json: not a readable run document" in (messages[0])
    )


def test_a_corrupt_document_asked_for_directly_is_refused(state: Path) -> None:
    with pytest.raises(ConfigError, match=r"20261120T180000Z-dead\.json: not a readable run"):
        report(state, run="20261120T180000Z-dead")


def test_unknown_names_suggest(state: Path) -> None:
    with pytest.raises(ConfigError, match="no stage 'lot' in these runs; did you mean 'lto'"):
        report(state, history=3, stages=("lot",))
    with pytest.raises(ConfigError, match="did you mean 'x86_64-unknown-linux-gnu'"):
        report(state, history=3, targets=("x86_64-unknown-linux-gn",))
    with pytest.raises(ConfigError, match=r"no run '20261121T120000Z-bef' in .*; did you mean"):
        report(state, run="20261121T120000Z-bef")
    with pytest.raises(ConfigError, match="did you mean 'markdown'"):
        report(state, form="markdwn")


def test_no_runs_says_to_run_min_build(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `minbuild min-build` first") as caught:
        report(tmp_path)
    assert caught.value.exit_code == 2


def test_check_exits_1_when_a_budget_breaks_and_0_when_kept(state: Path) -> None:
    path, _ = write_baseline(BaselineOptions(run=sample_run().run_id, state_dir=state))
    assert path == state.parent / "size-baseline.json"
    text, _, code = report(state, check=True)
    assert code == 1 and "budgets: 1 broken" in text
    assert "release [x86_64-unknown-linux-gnu]: grew +20,000 B (+2.9%)" in text
    _, _, code = report(state, check=True, run=sample_run().run_id)
    assert code == 0


def test_against_baseline_and_ratchet(state: Path) -> None:
    write_baseline(BaselineOptions(run=sample_run().run_id, state_dir=state))
    text, _, _ = report(state, against="baseline")
    assert f"compared with baseline {state.parent / 'size-baseline.json'} (run " in text
    ratcheted = size_report(ReportOptions(state_dir=state, ratchet=True))
    assert any("opt-level-s" in m and "710,000 B -> 705,000 B" in m for m in ratcheted.messages)
    assert ratcheted.written == (state.parent / "size-baseline.json",)
    entries = load_baseline(state.parent / "size-baseline.json").entries
    assert {e.stage: e.size_bytes for e in entries}["release"] == 700_000  # never loosened


def test_output_file_and_github_step_summary(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    text, messages, _ = report(state, form="csv", output=tmp_path / "r.csv")
    assert text == "" and (tmp_path / "r.csv").read_text().startswith("stage,target,")
    assert summary.read_text().startswith("earlier step\n## minbuild size report: tinyvm")
    assert any("GITHUB_STEP_SUMMARY" in m for m in messages)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_staircase_png_is_a_valid_image_of_the_expected_size(state: Path, tmp_path: Path) -> None:
    _, messages, _ = report(state, plot=tmp_path / "stairs.png", log_scale=True)
    assert png_size(tmp_path / "stairs.png") == (1200, 650)
    assert messages == (f"wrote {tmp_path / 'stairs.png'}",)
    plotted = size_report(ReportOptions(state_dir=state, plot=tmp_path / "s.svg", form="csv"))
    assert plotted.written == (tmp_path / "s.svg",)


def test_history_svg_and_bad_suffix(state: Path, tmp_path: Path) -> None:
    report(state, history=5, plot=tmp_path / "history.svg")
    assert "<svg" in (tmp_path / "history.svg").read_text()[:500]
    with pytest.raises(ConfigError, match=r"must end in \.png or \.svg"):
        report(state, plot=tmp_path / "chart.jpg")


def test_allowed_growth_is_a_recorded_warning_not_a_failure(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_baseline(BaselineOptions(run=sample_run().run_id, state_dir=state))
    monkeypatch.delenv("MINBUILD_ALLOW_GROWTH", raising=False)
    for off in ("", "0", "false"):
        monkeypatch.setenv("MINBUILD_ALLOW_GROWTH", off)
        assert report(state, check=True)[2] == 1
    monkeypatch.setenv("MINBUILD_ALLOW_GROWTH", "label size-growth-ok")
    allowed = size_report(ReportOptions(state_dir=state, check=True, form="json"))
    text, messages, code = allowed.text, allowed.messages, allowed.exit_code
    assert code == 0
    verdict = json.loads(text)["budgets"]
    assert verdict["allowed"] == "MINBUILD_ALLOW_GROWTH=label size-growth-ok"
    assert "release [x86_64-unknown-linux-gnu]: grew" in verdict["violations"][0]["message"]
    record = state / "checks" / f"{later_run().run_id}.json"
    assert any(str(record) in message for message in messages)
    assert allowed.written == (record,)
    kept = json.loads(record.read_text())
    validated(Document(record, kept), "check")
    assert kept["allowed"] == verdict["allowed"] and len(kept["violations"]) == 1
    monkeypatch.delenv("MINBUILD_ALLOW_GROWTH")
    text, _, exit_code = report(state, check=True, allow_growth=True)
    assert exit_code == 0 and "budgets: 1 broken, allowed by --allow-growth" in text


def test_the_pull_request_comment_leads_with_the_verdict_and_folds_the_rest(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.delenv("MINBUILD_ALLOW_GROWTH", raising=False)
    write_baseline(BaselineOptions(run=sample_run().run_id, state_dir=state))
    text, _, code = report(state, form="comment", check=True, against="baseline")
    lines = text.splitlines()
    assert lines[0] == "<!-- minbuild:size-report -->" and code == 1
    headline = lines[3]
    assert headline.startswith("**5 of 5 builds ok** · tests 5/5 passed · **budgets: 1 broken**")
    folded = text.index("<details><summary>The full report</summary>")
    assert text.index("Largest changes against baseline") < folded
    assert text.index("| `release` |") < folded  # the change that broke the budget
    assert "## minbuild size report: tinyvm" in text[folded:]


def test_check_fails_on_a_stage_whose_tests_broke_not_on_one_failing_at_release(
    tmp_path: Path,
) -> None:
    config = tmp_path / "project.yaml"
    config.write_text(PROJECT.split("budgets:")[0])
    broken = records.TestResult("cli_works", "failed", 0.1, "", "boom", suite="cli")
    inherited = dataclasses.replace(broken, name="old", already_failing_at="release")
    run = sample_run()
    lto = next(s for s in run.stages if s.name == "lto")
    for tests, code in (((inherited,), 0), ((inherited, broken), 1)):
        stages = tuple(dataclasses.replace(s, tests=tests) if s is lto else s for s in run.stages)
        state = tmp_path / f"state{code}"
        document = dataclasses.replace(run, stages=stages, config=str(config))
        records.save(document, state / "runs")
        _, messages, exit_code = report(state, check=True)
        assert exit_code == code, messages
    assert "check: lto: tests failed: cli_works" in messages
    text, _, _ = report(state, form="comment")
    head = text.split("<details>")[0]
    assert "- `lto` (x86_64-unknown-linux-gnu): tests failed: cli_works" in head
    assert "cli_works, old" not in head, "a test failing at release too is no regression"
    assert "| 0/2 (1 failing at release) |" in text


def test_a_bar_far_taller_than_the_rest_is_cut_so_the_steps_stay_readable() -> None:
    debug, release, last = 13_315_000, 694_272, 118_272  # the demo's
    assert clipped_at([debug, release, 500_000, last]) == int(release * 1.25)
    assert clipped_at([release, 500_000, last]) is None  # nothing stands out: no cut
    assert clipped_at([release]) is None and clipped_at([0, 0]) is None
    run = sample_run()  # debug 13 MB beside release's 700 KB
    assert staircase_svg(run).count("(bar cut)") == 1
    without_debug = dataclasses.replace(run, stages=run.stages[1:])
    assert "(bar cut)" not in staircase_svg(without_debug)
