"""Talking to a Rust test executable (libtest): the command lines, and what its output says of
each test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from minbuild.project.integration import IntegrationTests
from minbuild.runs.records import TestResult
from minbuild.util.command import output_tail

# libtest's JSON events and --ensure-time are unstable options: a stable toolchain's harness
# accepts them when RUSTC_BOOTSTRAP is set in the environment it runs in.
UNSTABLE_ENV = {"RUSTC_BOOTSTRAP": "1"}
FINISHED = ("ok", "failed", "ignored", "timeout")
"""The events that end a test."""


def list_argv(executable: Path) -> list[str]:
    return [str(executable), "--list", "--format", "terse"]


def listed_tests(stdout: str) -> list[str] | None:
    """The test names of `--list --format terse` (None: not libtest's listing, e.g. a
    harness = false target that ignored the flags)."""
    names = [line[: -len(": test")] for line in stdout.splitlines() if line.endswith(": test")]
    if names or not stdout.strip() or stdout.strip().endswith("0 tests, 0 benchmarks"):
        return names
    return None


def run_argv(
    executable: Path, skip: Iterable[str], test_threads: int, only: str | None = None
) -> list[str]:
    """Every listed test but `skip` (exact names), or `only` that one, with one JSON event
    per line."""
    argv = [str(executable), *([only] if only else []), "--exact", "--format", "json"]
    argv += ["-Z", "unstable-options"]
    argv += ["--report-time", "--ensure-time"]
    for name in sorted(skip):
        argv += ["--skip", name]
    if test_threads:
        argv += ["--test-threads", str(test_threads)]
    return argv


UNOPTIMIZED_SLOWDOWN = 10
"""How many times longer a test may run against an unoptimized binary (opt-level 0: the debug
stage) than the project file's timeouts say: bat 0.26's test that builds its theme cache took
103 s against its debug build and well under 60 s against every optimized one."""


def allowing(tests: IntegrationTests, profile: Mapping[str, Any]) -> IntegrationTests:
    """`tests` with the time they may take against a binary built with `profile`."""
    if str(profile.get("opt-level", 3)) != "0":
        return tests
    return replace(
        tests,
        timeout=tests.timeout * UNOPTIMIZED_SLOWDOWN,
        stage_timeout=tests.stage_timeout * UNOPTIMIZED_SLOWDOWN,
    )


def time_limits(timeout: float) -> dict[str, str]:
    """--ensure-time's limits for integration tests: warn at half, fail at `timeout`."""
    critical = max(1, round(timeout * 1000))
    return {"RUST_TEST_TIME_INTEGRATION": f"{max(1, critical // 2)},{critical}"}


@dataclass(frozen=True)
class Ended:
    """How the executable's run ended, as far as its results can tell."""

    returncode: int
    killed_after: float | None = None
    """The stage timeout it was killed at, or None if it exited by itself."""

    @property
    def crashed(self) -> bool:
        """It died by itself: libtest exits 0, or 101 when a test failed."""
        return self.killed_after is None and self.returncode not in (0, 101)


def results(suite: str, stdout: str, ended: Ended, stderr: str = "") -> list[TestResult]:
    """One result per test the JSON events name; a test that started and never ended was
    running when the executable was killed, or died."""
    finished: dict[str, TestResult] = {}
    started: list[str] = []
    for event in _events(stdout):
        if event.get("type") != "test":
            continue
        name, kind = str(event.get("name", "")), event.get("event")
        if kind == "started":
            started.append(name)
        elif kind in FINISHED:
            finished[name] = _result(suite, name, kind, event)
    for name in started:
        if name not in finished:
            finished[name] = TestResult(
                name,
                "failed",
                ended.killed_after or 0.0,
                output_tail("", stderr),
                unfinished(ended),
                suite=suite,
            )
    return list(finished.values())


class Finishing:
    """An `on_line` for a test executable's JSON events: says `running tests/cli.rs: 12/40
    tests done` through `progress` as each test ends, so that a long suite shows how far
    it is (each is said: the last said is what the printer repeats while a slow test runs)."""

    def __init__(self, progress: Callable[[str], None], where: str, total: int | None) -> None:
        self.progress, self.where, self.total = progress, where, total
        self.done = 0

    def start(self) -> None:
        """Say it runs, before any test ends (the first may take minutes)."""
        self.progress(self.action())

    def __call__(self, line: str) -> None:
        if not line.startswith("{") or '"test"' not in line:
            return
        events = _events(line)
        if not events or events[0].get("type") != "test" or events[0].get("event") not in FINISHED:
            return
        self.done += 1
        self.progress(self.action())

    def action(self) -> str:
        if self.total is None:  # a harness of its own: one run, judged by its exit code
            return f"running {self.where}"
        return f"running {self.where}: {self.done}/{self.total} tests done"


def unfinished(ended: Ended) -> str:
    """Why a test that started has no result."""
    if ended.killed_after is not None:
        return (
            f"still running when the stage's integration tests were killed after "
            f"{ended.killed_after:g}s (integration_tests.stage_timeout)"
        )
    how = f"signal {-ended.returncode}" if ended.returncode < 0 else f"exit {ended.returncode}"
    return f"the test executable ended ({how}) while it ran"


def _result(suite: str, name: str, kind: Any, event: dict[str, Any]) -> TestResult:
    seconds = round(float(event.get("exec_time") or 0.0), 3)
    output = str(event.get("stdout") or "")
    if kind == "ok":
        return TestResult(name, "passed", seconds, "", suite=suite)
    if kind == "ignored":
        message = event.get("message")
        why = f"#[ignore]: {message}" if message else "#[ignore]"
        return TestResult(name, "skipped", 0.0, "", why, suite=suite)
    reason = str(event.get("reason") or "")
    if reason == "time limit exceeded":
        reason = f"took {seconds:g}s, over integration_tests.timeout"
    return TestResult(
        name,
        "failed",
        seconds,
        output_tail(output, ""),
        reason or _panic_line(output),
        suite=suite,
    )


def _panic_line(output: str) -> str:
    """What a failed test's output says went wrong: the panic message, as libtest prints it
    after the `panicked at` line."""
    lines = output.splitlines()
    for number, line in enumerate(lines):
        if "panicked at" in line:
            message = lines[number + 1].strip() if number + 1 < len(lines) else ""
            return message or line.strip()
    return "failed"


def _events(stdout: str) -> Sequence[dict[str, Any]]:
    events = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a test printed a line of its own that looks like JSON
            if isinstance(event, dict):
                events.append(event)
    return events
