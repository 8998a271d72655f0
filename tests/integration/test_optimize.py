"""`minbuild optimize` on the tiny crate, over a small space of its own: the winner passes
its tests and is the smallest accepted trial, a trial whose tests fail is never chosen, a
search started again builds nothing, Ctrl-C keeps every finished trial, and the exported
profile, applied by hand with the printed command, builds a binary of the winner's size."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest

from minbuild.optimize import trials
from minbuild.optimize.trials import OptimizeRecord
from tests.conftest import REPO, built_by_hand, run_minbuild, start_minbuild

HELLO = REPO / "tests" / "crates" / "hello"
# Quick to build (no std rebuilt), with a value the crate's tests reject (fmt-debug=none
# breaks its `debug` output) and one the linker decides (strip).
SPACE = """\
schema: 1
settings:
  - name: opt-level
    description: what the optimizer aims at
    release: "3"
    values: {"3": {}, s: {profile: {opt-level: s}}, z: {profile: {opt-level: z}}}
  - name: lto
    description: link-time optimization
    release: "false"
    values: {"false": {}, fat: {profile: {lto: fat}}}
  - name: panic
    description: what a panic does
    release: unwind
    values: {unwind: {}, abort: {profile: {panic: abort}}}
  - name: fmt-debug
    description: what {:?} keeps
    release: full
    values: {full: {}, none: {rustflags: [-Zfmt-debug=none], needs: [nightly-flags]}}
  - name: strip
    description: what the linker leaves out
    release: default
    values: {default: {}, symbols: {profile: {strip: symbols}}}
"""
SETTINGS = ["opt-level", "lto", "panic", "fmt-debug", "strip"]


def project_file(directory: Path, crate: Path = HELLO) -> Path:
    """hello's project file, its crate at `crate`, searching SPACE."""
    text = (HELLO / "minbuild.yaml").read_text()
    text = text.replace("manifest: Cargo.toml", f"manifest: {crate / 'Cargo.toml'}")
    (directory / "space.yaml").write_text(SPACE)
    text += f"optimize: {{space: space.yaml, settings: {json.dumps(SETTINGS)}}}\n"
    path = directory / "minbuild.yaml"
    path.write_text(text)
    return path


def document(state: Path) -> OptimizeRecord:
    newest = sorted((state / "optimize").glob("*.json"))[-1]
    return trials.load(newest)


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """One search, shared: its project file, state dir and output."""
    home = tmp_path_factory.mktemp("optimize")
    config, state = project_file(home), home / "state"
    done = run_minbuild(
        "optimize", "--config", str(config), "--state-dir", str(state), "--from", "release"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return config, state, done.stdout + done.stderr


def test_the_winner_passes_its_tests_and_is_the_smallest_accepted_trial(
    nightly: None, searched: tuple[Path, Path, str]
) -> None:
    _, state, output = searched
    record = document(state)
    winner = record.winning
    assert winner is not None and winner.accepted and winner.size is not None
    assert winner.stage.tests_passed == winner.stage.tests_run > 0
    accepted = [t.size for t in record.trials if t.accepted and t.size is not None]
    assert winner.size == min(accepted)
    start = record.reference("start")
    assert start is not None and start.size is not None and winner.size < start.size
    assert record.complete and record.stopped.startswith("local optimum")
    # fmt-debug=none is smaller alone, but the crate's `debug` output test rejects it
    (alone,) = [s for s in record.steps if s.change == "fmt-debug=none" and s.round == 1]
    assert alone.verdict == "rejected: tests failed: debug-format"
    assert winner.point["fmt-debug"] == "full"
    assert "fmt-debug=none" in record.excluded
    # every setting the winner changes has a leave-one-out build and its worth
    changed = {name for name, values in record.space.items() if winner.point[name] != values[0]}
    assert {c.setting for c in record.contributions} == changed
    assert all(c.bytes_saved is not None and c.bytes_saved >= 0 for c in record.contributions)
    assert "what each setting is worth at the winner" in output
    assert re.search(r"round 1 · \S+=\S+: (ok|failed) ", output)  # a trial's live line


def test_a_search_started_again_builds_nothing(
    nightly: None, searched: tuple[Path, Path, str]
) -> None:
    config, state, _ = searched
    first = document(state)
    again = run_minbuild(
        "optimize", "--config", str(config), "--state-dir", str(state), "--from", "release"
    )
    assert again.returncode == 0, again.stderr[-3000:]
    record = document(state)
    assert record.run_id != first.run_id
    assert all(step.reused for step in record.steps)
    assert record.winner == first.winner
    assert " trials (0 built, " in again.stdout


def test_the_exported_profile_builds_the_winner_by_hand(
    nightly: None, searched: tuple[Path, Path, str], tmp_path: Path
) -> None:
    _, state, _ = searched
    record = document(state)
    assert record.export is not None and record.winning is not None
    binary = built_by_hand(HELLO, record.export, tmp_path, "hello")
    assert binary.stat().st_size == record.winning.size


def test_ctrl_c_keeps_every_finished_trial(nightly: None, tmp_path: Path) -> None:
    config, state = project_file(tmp_path), tmp_path / "state"
    process = start_minbuild(
        "optimize",
        "--config",
        str(config),
        "--state-dir",
        str(state),
        "--from",
        "release",
        "--parallel",
        "1",
    )
    assert process.stderr is not None
    seen = ""
    finished = re.compile(r"round 1 · \S+: (ok|failed) ")
    while len(finished.findall(seen)) < 2:  # two trials of the first round done
        line = process.stderr.readline()
        assert line, f"optimize ended early: {seen}"
        seen += line
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    stopped = document(state)
    assert stopped.interrupted and not stopped.complete
    kept = {path.stem for path in (state / "optimize" / "trials").glob("*.json")}
    # round 0's two trials (the start is release's settings, and cargo-wizard's), and two more
    assert {step.key for step in stopped.steps} <= kept and len(kept) >= 4
    again = run_minbuild(
        "optimize", "--config", str(config), "--state-dir", str(state), "--from", "release"
    )
    assert again.returncode == 0, again.stderr[-3000:]
    resumed = document(state)
    reused = {step.key for step in resumed.steps if step.reused}
    assert kept <= reused | {step.key for step in resumed.steps if not step.reused}
    assert kept <= {step.key for step in resumed.steps}
    assert kept <= reused
