"""The crate's own integration tests against every stage's binary, on tests/crates/marked: its
tests pass only on an optimized binary, which the test executable's own build never is."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.runs.progress import Silent
from minbuild.runs.records import RunRecord, StageRecord, TestResult
from tests.conftest import REPO, min_build

MARKED = REPO / "tests" / "crates" / "marked" / "minbuild.yaml"
FINDS_THE_BINARY = (
    "baked_path_runs_an_optimized_build",
    "run_time_variable_runs_an_optimized_build",
    "path_next_to_the_test_executable_runs_an_optimized_build",
)


def run(state: Path) -> RunRecord:
    return min_build(BuildOptions(config=MARKED, state_dir=state), Silent())[0]


@pytest.fixture(scope="module")
def runs(cargo: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunRecord, RunRecord]:
    state = tmp_path_factory.mktemp("marked")
    return run(state), run(state)


def integration(stage: StageRecord) -> dict[str, TestResult]:
    return {test.name: test for test in stage.tests if test.suite == "cli"}


def test_each_way_of_finding_the_binary_runs_the_stage_s_own_bytes(
    runs: tuple[RunRecord, RunRecord],
) -> None:
    debug, release, abort = runs[0].stages
    for name in FINDS_THE_BINARY:
        assert integration(release)[name].status == "passed", name
        assert integration(abort)[name].status == "passed", name
        failed = integration(debug)[name]
        assert failed.status == "failed" and failed.regression, name
        assert "debug_assertions=true" in failed.output_tail, "the debug stage's binary ran"
    assert debug.status == "failed"
    assert all(f"cli::{name}" in debug.reason for name in FINDS_THE_BINARY)


def test_failures_are_judged_against_release(runs: tuple[RunRecord, RunRecord]) -> None:
    _, release, abort = runs[0].stages
    assert release.status == "ok" and abort.status == "ok"
    for stage in (release, abort):
        assert integration(stage)["always_fails"].already_failing_at == "release"
    exits = integration(abort)["a_panic_exits_101"]
    assert exits.status == "failed"
    assert exits.expected == "panic=abort ends the process with SIGABRT"
    assert integration(release)["a_panic_exits_101"].status == "passed"
    assert integration(abort)["a_panic_prints_its_message"].status == "passed"
    shouts = integration(release)["shouts"]
    assert shouts.status == "skipped" and "needs feature shout" in shouts.reason
    assert integration(release)["ignored"].reason == "#[ignore]: needs a network"


def test_a_test_that_kills_the_test_executable_fails_alone(
    runs: tuple[RunRecord, RunRecord],
) -> None:
    _, release, _ = runs[0].stages
    aborted = integration(release)["aborts_the_test_process_when_asked"]
    assert aborted.status == "failed" and aborted.reason == (
        "the test executable ended (signal 6) while it ran"
    )
    ran = [t for t in integration(release).values() if t.status != "skipped"]
    assert len(ran) == 7, "every other test has its own result (two are skipped)"


def test_a_re_run_builds_no_test_executable(runs: tuple[RunRecord, RunRecord]) -> None:
    first, again = runs
    assert [s.status for s in again.stages] == [s.status for s in first.stages]
    logs = Path(again.stages[0].log or "").parents[1] / "integration-tests"
    (log,) = logs.glob("*.log")
    text = log.read_text(encoding="utf-8")
    assert '"fresh":true' in text and '"fresh":false' not in text, "cargo rebuilt nothing"


def test_a_dev_dependency_cargo_cannot_find_is_one_line_at_load_time(
    cargo: None, tmp_path: Path
) -> None:
    crate = tmp_path / "marked"
    shutil.copytree(MARKED.parent, crate)
    with (crate / "Cargo.toml").open("a", encoding="utf-8") as manifest:
        manifest.write('\n[dev-dependencies]\nnot-packaged-anywhere = "1"\n')
    (tmp_path / "empty-source").mkdir()
    (crate / ".cargo").mkdir()
    (crate / ".cargo" / "config.toml").write_text(
        '[source.crates-io]\nreplace-with = "local"\n'
        f'[source.local]\ndirectory = "{tmp_path / "empty-source"}"\n[net]\noffline = true\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "minbuild", "min-build", "--config", str(crate / "minbuild.yaml"),
         "--state-dir", str(tmp_path / "state")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"minbuild: error: {crate / 'minbuild.yaml'}:2: crate.manifest: ")
    assert "dev-dependency `not-packaged-anywhere` of marked" in line
    assert "apt-get install librust-not-packaged-anywhere-dev" in line
