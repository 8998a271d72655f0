"""The project file's `integration_tests`: the crate's own tests (tests/*.rs) that run its
binary, and what a stage must have for each of them."""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from minbuild.project import file_model
from minbuild.util.text import texts


def features_unmet(
    needs: Collection[str], unless: Collection[str], features: Collection[str]
) -> str | None:
    """What a stage's enabled `features` lack of `needs`, or hold of `unless`; None if
    neither (a project-file test's and an integration test rule's conditions alike)."""
    missing = [name for name in needs if name not in features]
    if missing:
        return f"needs feature {', '.join(missing)}, which this stage does not enable"
    present = [name for name in unless if name in features]
    if present:
        return f"applies only without feature {', '.join(present)}, which this stage enables"
    return None


@dataclass(frozen=True)
class TestRule:
    """Which tests a rule names, and at which stages it holds."""

    __test__ = False  # not a pytest test class, despite its name

    tests: tuple[str, ...]
    """Test names or glob patterns, as libtest names them (`full::*`)."""
    stages: tuple[str, ...] = ()
    """Only at these stages; empty means every stage."""
    panic: tuple[str, ...] = ()
    """Only at stages with one of these panic strategies; empty means any."""
    needs_features: tuple[str, ...] = ()
    """Only at stages whose enabled features include all of these."""
    unless_features: tuple[str, ...] = ()
    """Only at stages whose enabled features include none of these."""
    why: str = ""
    """Why the named tests fail where the rule holds (expected failures only)."""

    def names(self, test: str) -> bool:
        return any(fnmatch.fnmatchcase(test, pattern) for pattern in self.tests)

    def unmet(self, stage: str, panic: str, features: Collection[str]) -> str | None:
        """What the stage lacks for this rule to hold, or None if it holds."""
        if self.stages and stage not in self.stages:
            return f"applies only to stages {', '.join(self.stages)}"
        if self.panic and panic not in self.panic:
            return f"needs panic={' or '.join(self.panic)}, this stage has panic={panic}"
        return features_unmet(self.needs_features, self.unless_features, features)


@dataclass(frozen=True)
class IntegrationTests:
    """The crate's integration tests, built once per feature set and run against every
    stage's binary."""

    test_targets: tuple[str, ...] = ()
    """The test targets to run (`cargo test --test NAME`); empty means every one."""
    skip: tuple[str, ...] = ()
    """Tests whose names contain one of these are not run (libtest's --skip)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables for the test executables, and so for the binary they start."""
    test_threads: int = 0
    """libtest's --test-threads; 0 means libtest's own default."""
    timeout: float = 60.0
    """Seconds one test may take before it counts as failed (libtest's --ensure-time)."""
    stage_timeout: float = 900.0
    """Seconds a stage's integration tests may take in all before they are killed."""
    targets: tuple[str, ...] = ()
    """Target triples (or host) to run them for; empty means every one that can."""
    requires: tuple[TestRule, ...] = ()
    """Tests that run only where a stage has what they need."""
    expected_failures: tuple[TestRule, ...] = ()
    """Tests that fail by design where their rule holds: recorded so, the stage stays ok."""

    def not_run(self, test: str, stage: str, panic: str, features: Collection[str]) -> str | None:
        """Why `test` is not run at this stage, or None."""
        if any(part in test for part in self.skip):
            return "skipped by integration_tests.skip"
        for rule in self.requires:
            if rule.names(test) and (problem := rule.unmet(stage, panic, features)):
                return problem
        return None

    def expected_failure(
        self, test: str, stage: str, panic: str, features: Collection[str]
    ) -> str | None:
        """The declared reason `test` fails at this stage, or None if it should pass."""
        for rule in self.expected_failures:
            if rule.names(test) and rule.unmet(stage, panic, features) is None:
                return rule.why
        return None


def parse_integration(data: file_model.IntegrationTests | None) -> IntegrationTests | None:
    """The section as the schema checked it (defaults filled in), or None when absent."""
    if data is None:
        return None
    return IntegrationTests(
        test_targets=texts(data["test_targets"]),
        skip=texts(data["skip"]),
        env={str(key): str(value) for key, value in data["env"].items()},
        test_threads=int(data["test_threads"]),
        timeout=float(data["timeout"]),
        stage_timeout=float(data["stage_timeout"]),
        targets=texts(data["targets"]),
        requires=tuple(_rule(item) for item in data["requires"]),
        expected_failures=tuple(
            _rule(item, why=str(item["why"])) for item in data["expected_failures"]
        ),
    )


def _rule(data: Mapping[str, Any], why: str = "") -> TestRule:
    return TestRule(
        tests=texts(data["tests"]),
        stages=texts(data["stages"]),
        panic=texts(data["panic"]),
        needs_features=texts(data["needs_features"]),
        unless_features=texts(data["unless_features"]),
        why=why,
    )
