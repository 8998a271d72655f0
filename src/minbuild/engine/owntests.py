"""What the crate's own integration tests show against the builds `init` makes: how many pass
against the release build, and which of those fail once the default features are gone (they
test what those features add), for the project file to say."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.engine.invocations import Build
from minbuild.engine.onebuild import build_one
from minbuild.engine.planner import Plan
from minbuild.engine.suites import ALL_TESTS, Suites
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.runs.records import TestResult
from minbuild.rust import cargo, profiles
from minbuild.rust.cargo import Crate
from minbuild.rust.unitprogress import UnitProgress
from minbuild.util.text import first_few


@dataclass(frozen=True)
class AgainstRelease:
    """The tests' results against the release build."""

    note: str
    """init's line of it."""
    comment: tuple[str, ...]
    """The project file's comment of it."""
    broken: bool
    """They did not build: the file comments them out."""
    passed: tuple[str, ...]
    """The tests that passed."""


@dataclass(frozen=True)
class WithoutDefaults:
    """Which of the release build's passing tests fail without the default features."""

    rule: tuple[list[str], list[str]] | None
    """(the tests, the default features they need), or None when none fails."""
    notes: tuple[str, ...]


def against_release(
    plan: Plan, build: Build, binary: Path, targets: Sequence[str], reporter: Reporter
) -> AgainstRelease:
    """Run the integration tests against the release build, as min-build will."""
    label, started = "integration tests", time.monotonic()  # init's second job: minutes, at worst
    found = _results(plan, build, binary, functools.partial(reporter.progress, 2, 2, label))
    results = [t for t in found if t.status != "skipped"]
    broken = [t for t in results if t.name == ALL_TESTS]
    failed = [t.name for t in results if t.status == "failed"]
    summary = "did not build" if broken else f"{len(results) - len(failed)}/{len(results)} passed"
    reporter.ended(2, 2, label, f"{summary}  {time.monotonic() - started:.1f}s")
    if broken:
        reason = broken[0].reason
        return AgainstRelease(
            f"integration tests: {reason}", (f"Commented out: {reason}",), True, ()
        )
    said = f"against the release build {len(results) - len(failed)} of {len(results)} passed"
    if failed:
        said += f"; failing there, so not held against later stages: {first_few(failed)}"
    passed = tuple(t.name for t in results if t.status == "passed")
    note = f"integration tests ({', '.join(targets)}): {said}"
    return AgainstRelease(note, (said[0].upper() + said[1:] + ".",), False, passed)


def _results(
    plan: Plan, build: Build, binary: Path, progress: Callable[[str], None]
) -> list[TestResult]:
    """The integration tests against `binary`, with the features and panic strategy of the
    stage that built it, as min-build runs them."""
    features = cargo.enabled_features(
        build.crate, default_features=build.stage.default_features, features=build.stage.features
    )
    panic = str(profiles.effective_profile(build.crate, build.stage).get("panic", "unwind"))
    suites = Suites(plan.project, plan.toolchain, plan.state_dir, "init")
    return suites.results(build, features, panic, binary, progress)


def dropped_defaults(crate: Crate, minimal: Sequence[str]) -> list[str]:
    """The crate's default features that no-default-features leaves out."""
    kept = cargo.enabled_features(crate, default_features=False, features=minimal)
    return [f for f in crate.features.get("default", ()) if f not in kept]


def without_defaults(
    plan: Plan, minimal: Sequence[str], passed: Sequence[str], reporter: Reporter
) -> WithoutDefaults:
    """Run the tests that pass against the release build against no-default-features (built
    as min-build will, so its units are reused): those that fail there test what the dropped
    default features add, rather than a fault of the minimal build."""
    build = next((b for b in plan.builds if b.stage.name == "no-default-features"), None)
    if build is None or build.skip:
        return WithoutDefaults(None, ())
    label = "without default features"
    progress = functools.partial(reporter.progress, 1, 1, label)
    log = statedir.Layout(plan.state_dir).logs("init", "no-default-features.log")
    done, binary = build_one(build, plan.project.crate_dir, log, UnitProgress(progress, None))
    if binary is None:
        reporter.ended(1, 1, label, "failed")
        return WithoutDefaults(None, (f"no-default-features did not build: {done.first_error()}",))
    found = _results(plan, build, binary, progress)
    failing = sorted(t.name for t in found if t.status == "failed" and t.name in passed)
    reporter.ended(1, 1, label, f"{len(failing)} of the release build's passing tests fail")
    if not failing:
        return WithoutDefaults(None, ())
    needed = dropped_defaults(build.crate, minimal)
    note = (
        f"integration tests without the default features: {len(failing)} fail "
        f"({first_few(failing)}); the file says they need {', '.join(needed)}"
    )
    return WithoutDefaults((failing, needed), (note,))
