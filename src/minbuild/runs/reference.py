"""Judging a stage's integration tests against the reference stage: a test that fails at
release too is not what a later stage broke."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from minbuild.runs.records import StageRecord, TestResult
from minbuild.util.text import first_few

REFERENCE = "release"
"""The stage a crate's own tests are expected to pass at: cargo's release profile."""


def judged(
    stages: Sequence[StageRecord], host: str, reference: str = REFERENCE
) -> tuple[StageRecord, ...]:
    """Every stage, its integration failures that fail at `reference` too marked so (and a
    stage whose only failures those are, ok). Host stages are judged against the host's
    reference (a build-std stage names the host's triple as its target); without the
    reference in the run, every failure counts."""
    on_host = [s for s in stages if s.target in (None, host)]
    found = next((s for s in on_host if s.name == reference), None)
    if found is None:
        return tuple(stages)
    failing = {(t.suite, t.name) for t in found.tests if t.suite and t.status == "failed"}
    return tuple(_excuse(s, failing, reference) if s in on_host else s for s in stages)


def _excuse(stage: StageRecord, failing: set[tuple[str, str]], reference: str) -> StageRecord:
    if not any(t.suite for t in stage.tests):
        return stage
    tests = tuple(
        dataclasses.replace(test, already_failing_at=reference)
        if test.regression and (test.suite, test.name) in failing
        else test
        for test in stage.tests
    )
    return with_tests(stage, tests)


LACKS = "this machine lacks "
"""How a test whose program (or runner) is not installed starts its reason (skipped)."""


def with_tests(stage: StageRecord, tests: tuple[TestResult, ...]) -> StageRecord:
    """The stage with these test results, its status and reason following from them (a stage
    that has no artifact failed to build, whatever its tests). A test whose program is not
    installed makes it a stage this machine cannot run (`lacking`: exit 3), not a failure."""
    if stage.artifact is None or stage.status == "skipped":
        return dataclasses.replace(stage, tests=tests)
    blamed = [t for t in tests if t.regression]
    missing = next(
        (
            t.reason.removeprefix(LACKS)
            for t in tests
            if t.status == "skipped" and t.reason.startswith(LACKS)
        ),
        None,
    )
    reason = f"tests failed: {first_few([_label(t) for t in blamed])}" if blamed else ""
    return dataclasses.replace(
        stage,
        tests=tests,
        status="failed" if blamed else "ok",
        reason=reason or (LACKS + missing if missing else ""),
        lacking=stage.lacking or (None if blamed else missing),  # a regression stays one
    )


def _label(test: TestResult) -> str:
    return f"{test.suite}::{test.name}" if test.suite else test.name
