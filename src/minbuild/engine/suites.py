"""The crate's own integration tests against a stage's binary: their executables built once
per feature set, the stage's binary put where they look for it, their results test by test."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shlex
import shutil
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from minbuild.engine import libtest
from minbuild.engine.invocations import Build
from minbuild.project.config import Project
from minbuild.project.integration import IntegrationTests
from minbuild.runs.records import TestResult
from minbuild.runs.reference import REFERENCE
from minbuild.runs.statedir import Layout
from minbuild.rust.artifacts import artifact_messages
from minbuild.rust.cargo import feature_args
from minbuild.rust.profiles import effective_profile
from minbuild.rust.toolchains import Toolchain
from minbuild.rust.unitprogress import UnitProgress
from minbuild.util import command
from minbuild.util.errors import CommandFailed, CommandTimedOut, ToolMissingError

TARGET_DIR = "target-tests"
"""The state dir's target dir for test executables: apart from the stages', whose profile
they do not share, and from the debug stage's target/debug."""
MAX_CRASHES = 5
"""Times a test executable may die before the tests it did not get to are left unrun."""
ALL_TESTS = "*"
UNWINDER = "_Unwind_"
"""What a link error names when the target's unwinder is what failed."""
"""cargo test --test takes a glob: every integration test target of the package."""

Progress = Callable[[str], None]
"""Hears what the integration tests do now: `building tests 57/143 units · regex_syntax`,
`running tests/cli.rs: 12/40 tests done`."""


@dataclass(frozen=True)
class TestExecutable:
    """One integration test target, compiled."""

    __test__ = False  # not a pytest test class, despite its name

    suite: str
    """The test target's name (tests/<suite>.rs)."""
    path: Path
    runner: tuple[str, ...] = ()
    """What runs it: a foreign target's runner (qemu), nothing on the host."""


@dataclass(frozen=True)
class SuiteBuild:
    """The test executables of one feature set, or why they could not be built."""

    executables: tuple[TestExecutable, ...] = ()
    slot: Path | None = None
    """Where cargo put the binary they start: CARGO_BIN_EXE_<name> names it, and it lies next
    to their directory, where a test that computes the path looks."""
    problem: str = ""


@dataclass(frozen=True)
class SuiteRun:
    """A stage's integration tests run."""

    results: list[TestResult]
    waited: float
    """Seconds spent waiting for another stage's tests to finish with the slot."""


@dataclass
class Suites:
    """A run's integration test executables. One stage at a time puts its binary in the slot
    and runs them: the slot is one file that every feature set's executables name."""

    project: Project
    toolchain: Toolchain
    state_dir: Path
    run_id: str
    run: command.Runner = command.run
    """How processes are run: the run's own runner (a fake in tests)."""
    _built: dict[str, SuiteBuild] = field(default_factory=dict)
    _failing_at_reference: set[tuple[str, str]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def results(
        self,
        build: Build,
        features: Collection[str],
        panic: str,
        binary: Path,
        progress: Progress = lambda action: None,
    ) -> list[TestResult]:
        """Every integration test's result against `binary`, the build's artifact;
        `progress` hears the build of their executables (cargo's units) and each one's run."""
        return self.run_against(build, features, panic, binary, progress).results

    def run_against(
        self,
        build: Build,
        features: Collection[str],
        panic: str,
        binary: Path,
        progress: Progress = lambda action: None,
    ) -> SuiteRun:
        """`results`, and how long the stage waited for another lane's turn at the slot."""
        asked = time.monotonic()
        if not self._lock.acquire(blocking=False):
            # Another lane's stage holds the slot for as long as its tests run (minutes, on
            # a large suite): this stage's line says why it does not move meanwhile.
            progress("waiting for another stage's integration tests")
            self._lock.acquire()
        try:
            waited = time.monotonic() - asked
            found = self._results(build, features, panic, binary, progress)
            return SuiteRun(found, round(waited, 2))
        finally:
            self._lock.release()

    def _results(
        self,
        build: Build,
        features: Collection[str],
        panic: str,
        binary: Path,
        progress: Progress,
    ) -> list[TestResult]:
        if (tests := self.project.integration_tests) is None:
            return []
        tests = libtest.allowing(tests, effective_profile(build.crate, build.stage))
        why = unable(build, tests)
        if why:
            return [TestResult(ALL_TESTS, "skipped", 0.0, "", why, suite=ALL_TESTS)]
        suite_build = self._build(build, progress)
        if suite_build.problem or suite_build.slot is None:
            problem = suite_build.problem or "cargo built no binary for them to start"
            return [TestResult(ALL_TESTS, "failed", 0.0, "", problem, suite=ALL_TESTS)]
        _place(binary, suite_build.slot, build.runner)
        name = build.artifact.name or suite_build.slot.name
        env = {f"CARGO_BIN_EXE_{name}": str(suite_build.slot), **self._cargo_env(build)}
        found: list[TestResult] = []
        deadline = time.monotonic() + tests.stage_timeout
        executables = suite_build.executables
        for number, executable in enumerate(executables, start=1):
            where = self._where(build, executable, number, len(executables))
            said = functools.partial(libtest.Finishing, progress, where)
            found += self._run(executable, tests, env, deadline, (build, features, panic), said)
        return self._against_reference(build, found)

    def _against_reference(self, build: Build, found: list[TestResult]) -> list[TestResult]:
        """Failures the reference stage has too, marked as soon as its results are in (the
        run's end judges the stages that finished before it: reference.judged)."""
        if build.target is not None:
            return found
        if build.stage.name == REFERENCE:
            self._failing_at_reference = {(t.suite, t.name) for t in found if t.status == "failed"}
        failing = self._failing_at_reference
        if failing is None:
            return found
        return [
            dataclasses.replace(t, already_failing_at=REFERENCE)
            if t.regression and (t.suite, t.name) in failing
            else t
            for t in found
        ]

    def _cargo_env(self, build: Build) -> dict[str, str]:
        """What `cargo test` sets when it runs a test executable, which tests read at run
        time (their fixtures' paths, the package's version)."""
        crate = build.crate
        return {
            "CARGO_MANIFEST_DIR": str(crate.manifest.parent),
            "CARGO_PKG_NAME": crate.name,
            "CARGO_PKG_VERSION": crate.version,
        }

    def _where(self, build: Build, executable: TestExecutable, number: int, total: int) -> str:
        """The test executable as a person knows it: its source file (`tests/cli.rs`), and
        which of the stage's executables it is when there are several."""
        source, root = build.crate.test_targets.get(executable.suite), build.crate.manifest.parent
        shown = source.relative_to(root) if source and source.is_relative_to(root) else None
        return f"{shown or executable.suite}{f' ({number} of {total})' if total > 1 else ''}"

    def _build(self, build: Build, progress: Progress) -> SuiteBuild:
        args = feature_args(build.stage)
        triple = build.target.triple if build.target else None
        key = hashlib.sha256(json.dumps([args, triple]).encode()).hexdigest()[:16]
        if key not in self._built:
            self._built[key] = self._compile(build, args, key, progress)
        return self._built[key]

    def _cargo(
        self, argv: list[str], env: Mapping[str, str], cwd: Path, log: Path, progress: Progress
    ) -> command.Completed:
        """`cargo test --no-run`, its units said as they finish against the last build of
        the same executables here (on a large crate it runs for minutes before any test).
        The log is named for the build (its feature set and target), and so is its memory."""
        memory = Layout(self.state_dir).progress(f"integration-tests-{log.stem}.json")
        units = UnitProgress(progress, None, verb="building tests", memory=memory)
        progress("building tests")
        done = self.run(argv, env=env, cwd=cwd, check=False, log_file=log, on_line=units)
        units.keep(done.seconds)
        return done

    def _compile(self, build: Build, args: list[str], key: str, progress: Progress) -> SuiteBuild:
        tests = self.project.integration_tests
        assert tests is not None  # results() returned early otherwise
        crate, candidate = build.crate, self.toolchain.candidate
        argv = [
            *candidate.cargo, "test", "--no-run", "--manifest-path", str(crate.manifest),
            "--target-dir", str(Layout(self.state_dir).target(TARGET_DIR)),
            "--package", crate.name,
            *(arg for name in tests.test_targets or (ALL_TESTS,) for arg in ("--test", name)),
            *args, "--message-format=json-render-diagnostics",
        ]  # fmt: skip
        env = dict(candidate.env)
        rustflags = list(self.project.rustflags)
        if build.target is not None:
            # No toolchain here has a prebuilt std for a foreign target: build it, with the
            # test harness (cargo test adds `test` to what -Z build-std builds).
            target = build.target
            argv += [
                "--target",
                target.triple,
                "-Z",
                "build-std",
                *self.toolchain.offline_std_args(),
            ]
            rustflags += target.rustflags
            if target.linker:
                env[f"CARGO_TARGET_{target.env_key}_LINKER"] = target.linker
        if rustflags:
            env["RUSTFLAGS"] = " ".join(rustflags)
        log = Layout(self.state_dir).logs(self.run_id, "integration-tests", f"{key}.log")
        done = self._cargo(argv, env, crate.manifest.parent, log, progress)
        if done.returncode != 0 and build.target is not None and UNWINDER in done.stderr:
            # The target's unwinder does not link (Debian's libunwind for musl wants glibc):
            # a harness that aborts on panic needs none (each test runs in a process of its
            # own; under qemu that process could not start, so unwinding comes first).
            argv = [a if a != "build-std" else "build-std=std,panic_abort,test" for a in argv]
            argv += ["-Z", "panic-abort-tests"]
            env |= {f"CARGO_PROFILE_{p}_PANIC": "abort" for p in ("DEV", "TEST")}
            log = log.with_name(f"{key}-panic-abort.log")
            done = self._cargo(argv, env, crate.manifest.parent, log, progress)
        if done.returncode != 0:
            first = done.first_error() or f"exit {done.returncode}"
            return SuiteBuild(problem=f"the integration tests did not build: {first}; log: {log}")
        executables, slot = [], None
        for message in artifact_messages(done.stdout):
            target, executable = message["target"], message.get("executable")
            if executable and message["profile"]["test"] and "test" in target["kind"]:
                executables.append(TestExecutable(target["name"], Path(executable), build.runner))
            elif executable and "bin" in target["kind"] and _is(build, target["name"]):
                slot = Path(executable)
        return SuiteBuild(tuple(executables), slot)

    def _run(
        self,
        executable: TestExecutable,
        tests: IntegrationTests,
        env: Mapping[str, str],
        deadline: float,
        at: tuple[Build, Collection[str], str],
        finishing: Callable[[int | None], libtest.Finishing],
    ) -> list[TestResult]:
        """`executable`'s tests; `finishing(total)` counts them as they end, for progress."""
        build, features, panic = at
        stage, suite = build.tests_as or build.stage.name, executable.suite
        cwd = build.crate.manifest.parent
        # A failure's tail should end with its panic message, not a caller's backtrace.
        env = {**env, "RUST_BACKTRACE": "0", **tests.env}
        try:
            listing = self.run(
                [*executable.runner, *libtest.list_argv(executable.path)],
                env=env,
                cwd=cwd,
                timeout=60,
                reap=True,
            )
        except (CommandFailed, ToolMissingError) as error:
            problem = f"cannot list its tests: {error}"
            return [TestResult(suite, "failed", 0.0, "", problem, suite=suite)]
        names = libtest.listed_tests(listing.stdout)
        if names is None:  # a harness of its own: one test, judged by its exit code
            finishing(None).start()
            return [self._whole(executable, env, cwd, deadline)]
        not_run = {name: tests.not_run(name, stage, panic, features) for name in names}
        skipped = {name: why for name, why in not_run.items() if why}
        found = [TestResult(n, "skipped", 0.0, "", why, suite=suite) for n, why in skipped.items()]
        if len(skipped) == len(names):
            return found
        env = {**env, **libtest.UNSTABLE_ENV, **libtest.time_limits(tests.timeout)}
        counted = finishing(len(names) - len(skipped))
        counted.start()
        run = functools.partial(self._batch, executable, env, cwd, deadline, counted)
        ran: list[TestResult] = []
        ended = libtest.Ended(0)
        for _ in range(MAX_CRASHES + 1):
            done = {*skipped, *(t.name for t in ran)}
            if len(done) == len(names) or time.monotonic() >= deadline:
                break
            batch, ended = run(libtest.run_argv(executable.path, done, tests.test_threads))
            if not ended.crashed:
                ran += batch
                break
            # The executable died (a test that aborts the process): the tests it had running
            # are the suspects; each alone tells which one it was, the rest go on after it.
            running = {t.name for t in batch if t.reason == libtest.unfinished(ended)}
            ran += [t for t in batch if t.name not in running]
            for name in sorted(running):
                results, died = run(libtest.run_argv(executable.path, (), 1, only=name))
                why = libtest.unfinished(died)
                ran += results or [TestResult(name, "failed", 0.0, "", why, suite=suite)]
        reported = {t.name for t in ran}
        never = [n for n in names if n not in skipped and n not in reported]
        ran += [TestResult(n, "skipped", 0.0, "", _never_ran(ended), suite=suite) for n in never]
        return found + [_expectation(t, tests, stage, panic, features) for t in ran]

    def _batch(
        self,
        executable: TestExecutable,
        env: Mapping[str, str],
        cwd: Path,
        deadline: float,
        counted: libtest.Finishing,
        argv: list[str],
    ) -> tuple[list[TestResult], libtest.Ended]:
        timeout = max(1.0, deadline - time.monotonic())
        argv = [*executable.runner, *argv]
        try:
            done = self.run(
                argv, env=env, cwd=cwd, timeout=timeout, check=False, reap=True, on_line=counted
            )
            ended, stdout, stderr = libtest.Ended(done.returncode), done.stdout, done.stderr
        except CommandTimedOut as error:
            ended, stdout, stderr = libtest.Ended(-9, timeout), error.stdout, error.output_tail
        return libtest.results(executable.suite, stdout, ended, stderr), ended

    def _whole(
        self, executable: TestExecutable, env: Mapping[str, str], cwd: Path, deadline: float
    ) -> TestResult:
        suite = executable.suite
        timeout = max(1.0, deadline - time.monotonic())
        argv = [*executable.runner, str(executable.path)]
        try:
            done = self.run(argv, env=env, cwd=cwd, timeout=timeout, check=False, reap=True)
        except CommandTimedOut as error:
            why = f"killed after {timeout:g}s"
            return TestResult(suite, "failed", timeout, error.output_tail, why, suite=suite)
        if done.returncode == 0:
            return TestResult(suite, "passed", round(done.seconds, 3), "", suite=suite)
        why = f"exit code {done.returncode}"
        return TestResult(suite, "failed", round(done.seconds, 3), done.tail(), why, suite=suite)


def unable(build: Build, tests: IntegrationTests) -> str | None:
    """Why the integration tests cannot run against this build, or None."""
    where = build.target.triple if build.target else "host"
    if build.artifact.kind != "bin":
        return f"integration tests start a binary; this build makes a {build.artifact.kind}"
    if tests.targets and where not in tests.targets:
        return f"integration_tests.targets does not list {where}"
    if where.startswith("wasm"):
        return (
            f"not run for {where}: a test executable under Wasmtime cannot start the binary "
            "(WASI has no processes); they run at the host stages"
        )
    return None


def _expectation(
    test: TestResult, tests: IntegrationTests, stage: str, panic: str, features: Collection[str]
) -> TestResult:
    why = tests.expected_failure(test.name, stage, panic, features)
    if why is None or test.status == "skipped":
        return test
    if test.status == "failed":
        return dataclasses.replace(test, expected=why)
    return TestResult(
        test.name, "failed", test.seconds, "",
        f"passed, but integration_tests.expected_failures says it fails here ({why}): did the "
        "stage's setting take effect? If it should pass now, remove the rule",
        suite=test.suite,
    )  # fmt: skip


def _never_ran(ended: libtest.Ended) -> str:
    if ended.killed_after is not None:
        return f"not started before the stage's tests were killed ({ended.killed_after:g}s)"
    return "not run: the test executable ended before it got to this test"


def _is(build: Build, name: str) -> bool:
    return build.artifact.name is None or build.artifact.name == name


def _place(binary: Path, slot: Path, runner: Sequence[str] = ()) -> None:
    """The stage's binary at the slot, by rename: a test never sees half a file. A foreign
    binary gets a script there that starts it under its runner: the test executable, itself
    under qemu, starts whatever is at the slot through the host's kernel, which runs scripts
    but not foreign binaries (binfmt_misc is not mounted)."""
    partial = slot.with_name(f".{slot.name}.{os.getpid()}.partial")
    if runner:
        partial.write_text(f'#!/bin/sh\nexec {shlex.join([*runner, str(binary)])} "$@"\n')
        partial.chmod(0o755)
    else:
        shutil.copy2(binary, partial)
    partial.replace(slot)
