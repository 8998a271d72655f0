"""Building, measuring and testing one build: a stage for the host or for a foreign target."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from minbuild.engine import postlink, testing
from minbuild.engine.invocations import Build
from minbuild.engine.measuring import Measuring
from minbuild.engine.suites import Progress, Suites
from minbuild.measure import binaries
from minbuild.project.config import Artifact, Fixture, Project
from minbuild.runs.records import StageRecord, TestResult
from minbuild.runs.reference import with_tests
from minbuild.runs.statedir import Layout, folder, fresh_dir
from minbuild.rust import artifacts, cargo, lockfile, profiles, unitgraph
from minbuild.rust.artifacts import artifact_messages
from minbuild.rust.cache import CacheServer
from minbuild.rust.linker import missing_linker
from minbuild.rust.signals import killed_by_signal
from minbuild.rust.toolchains import Toolchain
from minbuild.rust.unitprogress import Expected, UnitProgress
from minbuild.util import command
from minbuild.util.errors import CommandFailed, ToolMissingError
from minbuild.util.files import disk_full, says_disk_full, sha256
from minbuild.util.text import human_size


@dataclass(frozen=True)
class Context:
    """What every build of one run shares."""

    project: Project
    toolchain: Toolchain
    state_dir: Path
    run_id: str
    run: command.Runner = command.run
    """How processes are run (the cargo build); tests pass a fake that returns recorded output."""
    origins: dict[Path, tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Each workspace's `lockfile.crate_origins`, read once a run: its builds share a Cargo.lock
    (cargo writes a missing one at the first build, before anything reads it here)."""

    suites: Suites | None = field(default=None, compare=False, repr=False)
    """The run's integration test executables, which every lane's stages share."""
    expected: Mapping[str, Expected] = field(default_factory=dict, compare=False, repr=False)
    """What each build took in the state dir's last run (units, seconds), for progress."""

    def __post_init__(self) -> None:
        if self.suites is None:
            suites = Suites(self.project, self.toolchain, self.state_dir, self.run_id, self.run)
            object.__setattr__(self, "suites", suites)  # one per run, made with the context

    def crate_origins(self, crate: cargo.Crate) -> tuple[frozenset[str], frozenset[str]]:
        if crate.workspace_root not in self.origins:
            self.origins[crate.workspace_root] = lockfile.crate_origins(crate)
        return self.origins[crate.workspace_root]


def base_record(context: Context, build: Build) -> StageRecord:
    """What is known of a build before it runs: its command, environment and settings."""
    stage, toolchain, invocation = build.stage, context.toolchain, build.invocation
    features = cargo.enabled_features(
        build.crate, default_features=stage.default_features, features=stage.features
    )
    return StageRecord(
        name=stage.name,
        description=stage.description,
        status="ok",
        toolchain=toolchain.record(),
        command=invocation.argv,
        shell=invocation.shell(),
        env=dict(invocation.env),
        effective_profile=profiles.effective_profile(build.crate, stage),
        features=tuple(sorted(features)),
        target=build.target.triple if build.target else toolchain.host if stage.build_std else None,
        runner=build.runner,
    )


def fixtures_made_by(project: Project, build: Build) -> tuple[Fixture, ...]:
    """The fixtures a build makes with its own binary: those whose features it has (a build
    of another kind of artifact makes none)."""
    if build.skip or build.artifact.kind != project.artifact.kind:
        return ()
    features = cargo.enabled_features(
        build.crate, default_features=build.stage.default_features, features=build.stage.features
    )
    return tuple(
        f for f in project.fixtures if f.runs_artifact and set(f.needs_features) <= features
    )


def now() -> str:
    """A timestamp for a stage's record: UTC, milliseconds (stages overlap within seconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Built:
    """A build done: its record so far, and the artifact its tests run (None: nothing to
    test, the build failed)."""

    record: StageRecord
    artifact: Path | None = None


class StageRun:
    """Build one stage for one target, keep its artifact, then run its fixtures and tests."""

    def __init__(
        self,
        context: Context,
        build: Build,
        base: StageRecord,
        cache: CacheServer | None = None,
    ) -> None:
        self.context, self.build, self.base, self.cache = context, build, base, cache
        lane = build.target.triple if build.target else "host"
        stage, layout = folder(build.stage.name), Layout(context.state_dir)
        self.log = layout.logs(context.run_id, lane, f"{stage}.log")
        self.keep_dir = layout.artifacts(*((lane, stage) if build.target else (stage,)))
        self.workdir = layout.work(lane, stage)
        self.fixture_store = testing.FixtureStore(layout.fixtures())

    def run(
        self, progress: Callable[[str], None], before_tests: Callable[[], None] = lambda: None
    ) -> StageRecord:
        """Build, keep, measure; then, once `before_tests` returns (the fixtures this build's
        tests use are made), make this build's own fixtures and run its tests."""
        return self.test(self.build_only(progress), progress, before_tests)

    def build_only(self, progress: Callable[[str], None]) -> Built:
        """The first half of `run`: build, keep and measure. A lane builds its next stage
        while this one's tests run (`test`)."""
        started = dataclasses.replace(self.base, started=now(), lane=self.build.lane)
        return self._build(started, progress)

    def test(
        self,
        built: Built,
        progress: Callable[[str], None],
        before_tests: Callable[[], None] = lambda: None,
    ) -> StageRecord:
        """The second half of `run`: the built stage's fixtures and tests."""
        record = built.record
        if built.artifact is not None:
            before_tests()
            progress("testing")
            # Every step of the tests says itself under "testing", so a long suite (or its
            # executables' build, minutes on a large crate) shows how far it is.
            record = self._test(record, built.artifact, lambda step: progress(f"testing · {step}"))
        return dataclasses.replace(record, ended=now())

    def _build(self, base: StageRecord, progress: Callable[[str], None]) -> Built:
        progress("building")
        invocation = self.build.invocation
        if self.cache is not None:
            self.cache.zero()
        # the last run's units and time, or on a first build the units cargo plans
        expected = self.context.expected.get(self.build.key) or unitgraph.expected(
            self.context.run, invocation.argv, invocation.env, self.context.project.crate_dir
        )
        done = self.context.run(
            invocation.argv,
            env={**invocation.env, **(self.cache.env() if self.cache else {})},
            cwd=self.context.project.crate_dir,
            check=False,
            log_file=self.log,
            on_line=UnitProgress(progress, expected),
        )
        built = dataclasses.replace(
            base,
            build_seconds=round(done.seconds, 2),
            log=str(self.log),
            cache=self.cache.counts() if self.cache else None,
        )
        if done.returncode != 0:
            lacking = missing_linker(done.stderr, self.build.target)
            if says_disk_full(done.stderr):
                lacking = f"disk space: {disk_full(self.log.parent)}"
            cause = killed_by_signal(done.stderr) or f"exit {done.returncode}"
            reason = f"build failed ({cause}); full log: {self.log}"
            return Built(
                dataclasses.replace(
                    built,
                    status="failed",
                    first_error=done.first_error(),
                    lacking=lacking,
                    reason=f"this machine lacks {lacking}" if lacking else reason,
                )
            )
        messages = artifact_messages(done.stdout)
        target = self.build.target
        # A `link: shared` target's cdylib is linked here, from the staticlib cargo made.
        wanted = Artifact("staticlib", None) if target and target.link else self.build.artifact
        source = artifacts.find_artifact(messages, self.build.crate, wanted)
        if source is None:
            reason = artifacts.no_artifact_reason(self.build.crate, wanted)
            return Built(
                dataclasses.replace(
                    built, status="failed", reason=f"{reason}; full log: {self.log}"
                )
            )
        artifact, failure = postlink.for_target(
            self.build,
            self._keep(source),
            self.context.project.staticlib_exports,
            built.effective_profile.get("strip", "none"),
            self.log,
            self.context.run,
        )
        if failure:
            return Built(dataclasses.replace(built, status="failed", reason=failure))
        artifact, failure = postlink.run_steps(
            self.build.stage,
            artifact,
            self.keep_dir,
            self.log,
            self.context.run,
            cwd=self.context.project.crate_dir,
        )
        if failure:
            return Built(dataclasses.replace(built, status="failed", reason=failure))
        measuring, archive = self._measuring(messages), self._staticlib(messages)
        if archive is not None:
            built = dataclasses.replace(built, staticlib=measuring.staticlib(archive, progress))
        # Minutes on a debug build of a large crate (a 500 MiB .so): the progress says so.
        size = artifact.stat().st_size
        progress(f"measuring {artifact.name} ({human_size(size)})")
        digest = sha256(artifact)
        composition, unreadable = measuring.composition(artifact, digest)
        built = dataclasses.replace(
            built,
            composition=composition,
            composition_error=unreadable,
            artifact=str(artifact),
            size_bytes=size,
            sha256=digest,
            units_fresh=sum(m["fresh"] for m in messages),
            units_built=sum(not m["fresh"] for m in messages),
        )
        return Built(built, artifact)

    def _test(self, built: StageRecord, artifact: Path, progress: Progress) -> StageRecord:
        started = time.monotonic()
        context = self._test_context(artifact)
        results = self._make_fixtures(context, progress)
        made_by = self.fixture_store.provenance(self.context.project.fixtures)
        context = dataclasses.replace(
            context, fixtures={name: self.fixture_store.path(name) for name in made_by}
        )
        features = frozenset(built.features)
        results += self._run_tests(context, features, progress)
        waited = 0.0
        if self.context.suites is not None:
            panic = str(built.effective_profile.get("panic", "unwind"))
            suite_run = self.context.suites.run_against(
                self.build, features, panic, artifact, progress
            )
            results += suite_run.results
            waited = suite_run.waited  # another lane's stage had the slot: not this one's time
        seconds = round(time.monotonic() - started - waited, 2)
        tested = dataclasses.replace(built, fixtures=made_by, test_seconds=seconds)
        return with_tests(tested, tuple(results))

    def _measuring(self, messages: list[dict[str, Any]]) -> Measuring:
        locked = self.context.crate_origins(self.build.crate)
        own, theirs = lockfile.with_compiled(locked, artifacts.compiled_libraries(messages))
        project = self.context.project
        origins = binaries.Origins(own, theirs, project.parts)
        exports, target = project.staticlib_exports, self.build.target
        return Measuring(self.context.state_dir, origins, exports, target, self.workdir)

    def _staticlib(self, messages: list[dict[str, Any]]) -> Path | None:
        """The .a this build made too (crate-type staticlib), kept."""
        archive = next(
            (
                Path(f)
                for m in messages
                if Path(m["manifest_path"]) == self.build.crate.manifest
                for f in m["filenames"]
                if f.endswith(".a")
            ),
            None,
        )
        return None if archive is None else self._keep(archive)

    def _keep(self, source: Path) -> Path:
        """Copy the artifact out of the shared target dir before the next stage overwrites it.
        A copy kept by an earlier run of a fresh build stays (copy2 kept the time cargo wrote
        it: the same size and time mean cargo has not written it since)."""
        destination = self.keep_dir / source.name
        if _same_file_stat(source, destination):
            return destination
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{source.name}.{os.getpid()}.partial")
        shutil.copy2(source, temporary)
        temporary.replace(destination)
        return destination

    def _test_context(self, artifact: Path) -> testing.TestContext:
        fresh_dir(self.workdir)
        project = self.context.project
        return testing.TestContext(
            artifact,
            self.workdir,
            project.crate_dir,
            project.path.parent.resolve(),
            {},
            self.build.runner,
        )

    def _make_fixtures(self, context: testing.TestContext, progress: Progress) -> list[TestResult]:
        """Make every fixture this build's features allow, and those that need no artifact
        and are not kept yet; a failure is a failed test."""
        failures = []
        store, project = self.fixture_store, self.context.project
        standalone = [f for f in project.fixtures if not f.runs_artifact and not store.made_by(f)]
        for fixture in [*fixtures_made_by(project, self.build), *standalone]:
            progress(f"making fixture {fixture.name}")
            started = time.monotonic()
            try:
                store.make(fixture, context, self.build.label, self.context.run_id)
            except (CommandFailed, ToolMissingError) as error:
                failures.append(
                    TestResult(
                        f"fixture:{fixture.name}",
                        "failed",
                        time.monotonic() - started,
                        error.output_tail if isinstance(error, CommandFailed) else "",
                        f"could not make fixture: {str(error).splitlines()[0]}",
                    )
                )
        return failures

    def _run_tests(
        self, context: testing.TestContext, features: frozenset[str], progress: Progress
    ) -> list[TestResult]:
        results = []
        triple = self.build.target.triple if self.build.target else None
        tests = self.context.project.tests
        for number, test in enumerate(tests, start=1):
            reason = testing.not_applicable(
                test,
                self.build.tests_as or self.build.stage.name,
                features,
                self.build.artifact.kind,
                triple,
            )
            reason = reason or testing.missing_fixture(test, context)
            if not reason:
                progress(f"test {test.name} ({number} of {len(tests)})")
            results.append(
                TestResult(test.name, "skipped", 0.0, "", reason)
                if reason
                else testing.run_test(test, context)
            )
        return results


def _same_file_stat(source: Path, copy: Path) -> bool:
    try:
        first, second = source.stat(), copy.stat()
    except OSError:
        return False
    return (first.st_size, first.st_mtime_ns) == (second.st_size, second.st_mtime_ns)
