"""The crate's own integration tests: libtest's output read test by test, the project file's
rules for them, and failures judged against the reference stage."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from minbuild.engine import libtest
from minbuild.project.integration import IntegrationTests, TestRule
from minbuild.runs import rows
from minbuild.runs.records import StageRecord, TestResult
from minbuild.runs.reference import judged


def events(*items: dict[str, object]) -> str:
    return "\n".join(json.dumps(item) for item in items) + "\n"


def test_each_event_becomes_a_result_with_its_duration_and_panic_message() -> None:
    stdout = events(
        {"type": "suite", "event": "started", "test_count": 3},
        {"type": "test", "event": "started", "name": "a"},
        {"type": "test", "name": "a", "event": "ok", "exec_time": 0.0123},
        {"type": "test", "event": "started", "name": "b"},
        {
            "type": "test",
            "name": "b",
            "event": "failed",
            "exec_time": 0.5,
            "stdout": "thread 'b' panicked at tests/cli.rs:3:5:\nno greeting\n",
        },
        {"type": "test", "event": "ignored", "name": "c", "message": "needs a network"},
    )
    found = libtest.results("cli", stdout + "a line the test printed\n", libtest.Ended(101))
    assert [(t.name, t.status, t.suite) for t in found] == [
        ("a", "passed", "cli"),
        ("b", "failed", "cli"),
        ("c", "skipped", "cli"),
    ]
    assert found[0].seconds == 0.012
    assert found[1].reason == "no greeting"
    assert "panicked at tests/cli.rs:3:5" in found[1].output_tail
    assert found[2].reason == "#[ignore]: needs a network"


def test_a_test_over_its_time_limit_fails_saying_so() -> None:
    stdout = events(
        {"type": "test", "name": "slow", "event": "failed", "exec_time": 2.5,
         "reason": "time limit exceeded"},
    )  # fmt: skip
    (slow,) = libtest.results("cli", stdout, libtest.Ended(101))
    assert slow.reason == "took 2.5s, over integration_tests.timeout"
    assert libtest.time_limits(2.0) == {"RUST_TEST_TIME_INTEGRATION": "1000,2000"}


def test_tests_running_when_the_executable_was_killed_are_named() -> None:
    stdout = events(
        {"type": "test", "event": "started", "name": "quick"},
        {"type": "test", "name": "quick", "event": "ok", "exec_time": 0.001},
        {"type": "test", "event": "started", "name": "hangs"},
    )
    killed = libtest.results("cli", stdout, libtest.Ended(-9, killed_after=30.0))
    assert [(t.name, t.status) for t in killed] == [("quick", "passed"), ("hangs", "failed")]
    assert "killed after 30s (integration_tests.stage_timeout)" in killed[1].reason
    died = libtest.results("cli", stdout, libtest.Ended(-11))
    assert died[1].reason == "the test executable ended (signal 11) while it ran"


def test_the_listing_names_tests_and_tells_a_custom_harness_apart() -> None:
    assert libtest.listed_tests("a: test\nfull::b: test\nbench_x: bench\n") == ["a", "full::b"]
    assert libtest.listed_tests("") == []
    assert libtest.listed_tests("running my own harness\nall good\n") is None


def test_skipped_tests_are_passed_by_exact_name() -> None:
    argv = libtest.run_argv(Path("/t/cli-1"), {"b", "a"}, test_threads=2)
    assert argv[:2] == ["/t/cli-1", "--exact"]
    assert argv[argv.index("--skip") :] == ["--skip", "a", "--skip", "b", "--test-threads", "2"]


def test_rules_say_where_a_test_runs_and_where_it_fails_by_design() -> None:
    tests = IntegrationTests(
        skip=("network",),
        requires=(
            TestRule(("panic_*",), panic=("unwind",)),
            TestRule(("big",), needs_features=("full",)),
        ),
        expected_failures=(TestRule(("message",), panic=("immediate-abort",), why="no message"),),
    )  # fmt: skip
    assert tests.not_run("uses_network", "release", "unwind", ()) == (
        "skipped by integration_tests.skip"
    )
    assert tests.not_run("panic_exits_101", "release", "unwind", ()) is None
    assert tests.not_run("panic_exits_101", "lto", "abort", ()) == (
        "needs panic=unwind, this stage has panic=abort"
    )
    assert "needs feature full" in (tests.not_run("big", "release", "unwind", {"run"}) or "")
    assert tests.expected_failure("message", "x", "immediate-abort", ()) == "no message"
    assert tests.expected_failure("message", "x", "abort", ()) is None


HOST = "x86_64-unknown-linux-gnu"


def stage(name: str, *tests: TestResult) -> StageRecord:
    blamed = [t for t in tests if t.status == "failed"]
    return StageRecord(
        name, "", "failed" if blamed else "ok", artifact="/a", tests=tests,
        reason="tests failed" if blamed else "",
    )  # fmt: skip


def result(name: str, status: str, suite: str = "cli") -> TestResult:
    return TestResult(name, status, 0.1, "", "boom" if status == "failed" else "", suite=suite)  # type: ignore[arg-type]


def test_a_failure_the_reference_shares_is_not_the_stage_s_regression() -> None:
    run = judged(
        [
            stage("release", result("a", "passed"), result("old", "failed")),
            stage("lto", result("a", "failed"), result("old", "failed")),
            stage("strip", result("a", "passed"), result("old", "failed"),
                  result("cmd", "failed", suite="")),
            dataclasses.replace(stage("build-std", result("old", "failed")), target=HOST),
            dataclasses.replace(stage("cross", result("old", "failed")), target="aarch64"),
        ],
        HOST,
    )  # fmt: skip
    release, lto, strip, std, cross = run
    assert std.status == "ok", "a build-std stage names the host's triple: it is a host stage"
    assert cross.status == "failed", "a foreign target is not judged against the host's release"
    assert release.status == "ok" and release.tests[1].already_failing_at == "release"
    assert lto.status == "failed" and lto.reason == "tests failed: cli::a"
    assert strip.status == "failed" and strip.reason == "tests failed: cmd", "commands count"
    assert rows.tests_text(lto) == "0/2 (1 failing at release)"


def test_without_the_reference_every_failure_counts() -> None:
    (lto,) = judged([stage("lto", result("old", "failed"))], HOST)
    assert lto.status == "failed"
    assert rows.tests_text(lto) == "0/1"


def test_an_unoptimized_binary_gets_ten_times_the_time() -> None:
    tests = IntegrationTests(timeout=60.0, stage_timeout=900.0)
    debug = libtest.allowing(tests, {"opt-level": 0})
    assert (debug.timeout, debug.stage_timeout) == (600.0, 9000.0)
    assert libtest.allowing(tests, {"opt-level": "s"}) == tests
    assert libtest.allowing(tests, {"opt-level": 3}) == tests
