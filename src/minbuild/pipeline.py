"""The min-build job: plan every stage, then build, measure and test each one in order."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from minbuild import __version__, cargo, command, stages, testing, toolchains
from minbuild.config import Artifact, Project, load_project
from minbuild.errors import CommandFailed
from minbuild.plan import Invocation, build_invocation
from minbuild.records import RunRecord, StageRecord, TestResult, save
from minbuild.stages import Stage


@dataclass(frozen=True)
class Options:
    """What one min-build invocation asks for."""

    config: Path
    """The project file."""
    stages: tuple[str, ...] = ()
    """--stage NAME (repeatable); empty means every stage."""
    first: str | None = None
    """--from NAME."""
    last: str | None = None
    """--to NAME."""
    toolchain: str | None = None
    """--toolchain: skip the automatic choice."""
    fail_fast: bool = False
    """Stop at the first failed stage."""
    state_dir: Path = Path(".minbuild")
    """Where target dir, artifacts, fixtures, logs and run documents live."""


class Reporter(Protocol):
    """Receives progress; the CLI prints it, library code never does."""

    def progress(self, position: int, total: int, stage: str, action: str) -> None: ...

    def finished(self, position: int, total: int, record: StageRecord) -> None: ...


@dataclass(frozen=True)
class Plan:
    """Everything decided before the first build."""

    project: Project
    crate: cargo.Crate
    stages: tuple[Stage, ...]
    resolution: toolchains.Resolution
    invocations: Mapping[str, Invocation]
    state_dir: Path

    @property
    def toolchain(self) -> toolchains.Toolchain:
        return self.resolution.toolchain

    def config_hash(self) -> str:
        resolved = [dataclasses.asdict(stage) for stage in self.stages]
        text = json.dumps([self.project.source.data, resolved], sort_keys=True, default=sorted)
        return hashlib.sha256(text.encode()).hexdigest()


def prepare(options: Options) -> Plan:
    """Read the configuration, choose the toolchain, ask cargo, and write every command line."""
    project = load_project(options.config)
    chosen = stages.select(
        stages.load_staircase(project), options.stages, options.first, options.last
    )
    resolution = toolchains.resolve(chosen, options.toolchain)
    toolchain = resolution.toolchain
    crate = cargo.read_crate(project, toolchain.candidate.cargo, toolchain.candidate.env)
    cargo.check_features(project, chosen, crate)
    project = _with_binary_name(project, crate)
    target_dir = (options.state_dir / "target").resolve()
    return Plan(
        project,
        crate,
        chosen,
        resolution,
        {
            stage.name: build_invocation(stage, project, crate.name, toolchain, target_dir)
            for stage in chosen
        },
        options.state_dir.resolve(),
    )


def _with_binary_name(project: Project, crate: cargo.Crate) -> Project:
    artifact = project.artifact
    if artifact.kind != "bin":
        if not set(crate.lib_crate_types) & {artifact.kind}:
            raise project.source.error(
                ("crate", "artifact", "kind"),
                f"{crate.name}'s lib target has crate-type "
                f"{list(crate.lib_crate_types)}, not {artifact.kind}",
            )
        return project
    if artifact.name in crate.binaries:
        return project
    if artifact.name is None and len(crate.binaries) == 1:
        return dataclasses.replace(project, artifact=Artifact("bin", crate.binaries[0]))
    problem = (
        f"no binary '{artifact.name}' in {crate.name}"
        if artifact.name
        else f"{crate.name} has {len(crate.binaries)} binaries: name one"
    )
    raise project.source.error(
        ("crate", "artifact", "name"),
        f"{problem} (binaries: {', '.join(crate.binaries) or 'none'})",
    )


def min_build(options: Options, reporter: Reporter) -> tuple[RunRecord, Path]:
    """Build, measure and test every planned stage; the run document is saved after each one."""
    plan = prepare(options)
    run = _new_run(plan)
    runs_dir = plan.state_dir / "runs"
    path = save(run, runs_dir)
    try:
        total = len(plan.stages)
        for position, record in enumerate(
            _stage_records(plan, run.run_id, options.fail_fast, reporter), start=1
        ):
            run = dataclasses.replace(run, stages=(*run.stages, record))
            save(run, runs_dir)
            reporter.finished(position, total, record)
    except KeyboardInterrupt:
        save(dataclasses.replace(run, interrupted=True, finished=_now()), runs_dir)
        raise
    run = dataclasses.replace(run, finished=_now(), complete=True)
    save(run, runs_dir)
    return run, path


def _stage_records(
    plan: Plan, run_id: str, fail_fast: bool, reporter: Reporter
) -> Iterator[StageRecord]:
    total, failed_at = len(plan.stages), None
    previous_key: str | None = None
    for position, stage in enumerate(plan.stages, start=1):
        base = _base_record(plan, stage)
        key = _settings_key(stage, base)
        if previous_key == key:
            base = dataclasses.replace(base, same_settings_as=plan.stages[position - 2].name)
        previous_key = key
        if failed_at is not None:
            record = dataclasses.replace(
                base, status="skipped", reason=f"not run: --fail-fast and {failed_at} failed"
            )
        elif stage.name in plan.resolution.skipped:
            record = dataclasses.replace(
                base, status="skipped", reason=plan.resolution.skipped[stage.name]
            )
        else:
            record = StageRun(plan, stage, base, run_id).run(
                functools.partial(reporter.progress, position, total, stage.name)
            )
        if record.status == "failed" and fail_fast:
            failed_at = stage.name
        yield record


def _base_record(plan: Plan, stage: Stage) -> StageRecord:
    invocation, toolchain = plan.invocations[stage.name], plan.toolchain
    features = cargo.enabled_features(plan.crate, stage.default_features, stage.features)
    return StageRecord(
        name=stage.name,
        description=stage.description,
        status="ok",
        toolchain={
            "name": toolchain.candidate.name,
            "release": toolchain.release,
            "commit": toolchain.commit,
        },
        command=invocation.argv,
        shell=invocation.shell(),
        env=dict(invocation.env),
        effective_profile=cargo.effective_profile(plan.crate, stage),
        features=tuple(sorted(features)),
        target=toolchain.host if stage.build_std else None,
    )


def _settings_key(stage: Stage, record: StageRecord) -> str:
    """Everything that shapes a stage's artifact except its name (to spot no-op stages)."""
    return json.dumps(
        [
            record.effective_profile,
            record.features,
            stage.rustflags,
            stage.build_std,
            stage.build_std_features,
            stage.cargo_unstable,
        ],
        sort_keys=True,
    )


class StageRun:
    """Building, measuring and testing one stage."""

    def __init__(self, plan: Plan, stage: Stage, base: StageRecord, run_id: str) -> None:
        self.plan, self.stage, self.base, self.run_id = plan, stage, base, run_id
        self.invocation = plan.invocations[stage.name]
        self.log = plan.state_dir / "logs" / run_id / f"{stage.name}.log"

    def run(self, progress: Callable[[str], None]) -> StageRecord:
        progress("building")
        done = command.run(
            self.invocation.argv,
            env=self.invocation.env,
            cwd=self.plan.project.crate_dir,
            check=False,
            log_file=self.log,
        )
        built = dataclasses.replace(
            self.base, build_seconds=round(done.seconds, 2), log=str(self.log)
        )
        if done.returncode != 0:
            return dataclasses.replace(
                built,
                status="failed",
                first_error=_first_error(done),
                reason=f"build failed (exit {done.returncode}); full log: {self.log}",
            )
        messages = _artifact_messages(done.stdout)
        source = self._find_artifact(messages)
        if source is None:
            return dataclasses.replace(
                built,
                status="failed",
                reason=f"cargo reported no {self.plan.project.artifact.kind}"
                f" artifact; full log: {self.log}",
            )
        artifact = self._keep(source)
        built = dataclasses.replace(
            built,
            artifact=str(artifact),
            size_bytes=artifact.stat().st_size,
            sha256=_sha256(artifact),
            units_fresh=sum(m["fresh"] for m in messages),
            units_built=sum(not m["fresh"] for m in messages),
        )
        progress("testing")
        fixtures, tests = self._test(artifact, frozenset(built.features))
        failed = [t.name for t in tests if t.status == "failed"]
        return dataclasses.replace(
            built,
            fixtures=fixtures,
            tests=tests,
            status="failed" if failed else "ok",
            reason=f"tests failed: {', '.join(failed)}" if failed else "",
        )

    def _find_artifact(self, messages: list[dict[str, Any]]) -> Path | None:
        artifact = self.plan.project.artifact
        suffixes = {"cdylib": (".so", ".dylib", ".dll"), "staticlib": (".a", ".lib")}
        for message in messages:
            if Path(message["manifest_path"]) != self.plan.crate.manifest:
                continue
            if artifact.kind == "bin" and message["target"]["name"] == artifact.name:
                return Path(message["executable"])
            for filename in message["filenames"] if artifact.kind != "bin" else ():
                if filename.endswith(suffixes[artifact.kind]):
                    return Path(filename)
        return None

    def _keep(self, source: Path) -> Path:
        """Copy the artifact out of the shared target dir before the next stage overwrites it."""
        destination = self.plan.state_dir / "artifacts" / self.stage.name / source.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{source.name}.partial")
        shutil.copy2(source, temporary)
        temporary.replace(destination)
        return destination

    def _test(
        self, artifact: Path, features: frozenset[str]
    ) -> tuple[dict[str, str], tuple[TestResult, ...]]:
        project, store = self.plan.project, testing.FixtureStore(self.plan.state_dir / "fixtures")
        workdir = self.plan.state_dir / "work" / self.stage.name
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        context = testing.TestContext(artifact, workdir, project.crate_dir, project.path.parent, {})
        results: list[TestResult] = []
        for fixture in project.fixtures:
            if set(fixture.needs_features) <= features:
                started = time.monotonic()
                try:
                    store.make(fixture, context, self.stage.name, self.run_id)
                except CommandFailed as error:
                    results.append(
                        TestResult(
                            f"fixture:{fixture.name}",
                            "failed",
                            time.monotonic() - started,
                            error.output_tail,
                            f"could not make fixture: {error.args[0]}",
                        )
                    )
        made_by = {f.name: stage for f in project.fixtures if (stage := store.made_by(f.name))}
        context = dataclasses.replace(context, fixtures={n: store.path(n) for n in made_by})
        for test in project.tests:
            reason = testing.not_applicable(
                test, self.stage.name, features
            ) or testing.missing_fixture(test, context)
            results.append(
                TestResult(test.name, "skipped", 0.0, "", reason)
                if reason
                else testing.run_test(test, context)
            )
        return made_by, tuple(results)


def _artifact_messages(stdout: str) -> list[dict[str, Any]]:
    messages = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            message = json.loads(line)
            if message.get("reason") == "compiler-artifact":
                messages.append(message)
    return messages


def _first_error(done: command.Completed) -> str | None:
    for line in done.stderr.splitlines():
        if line.startswith("error"):
            return line.strip()
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_run(plan: Plan) -> RunRecord:
    started = datetime.now(UTC)
    toolchain = plan.toolchain
    return RunRecord(
        run_id=f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}",
        started=started.isoformat(timespec="seconds"),
        finished=None,
        complete=False,
        host=toolchain.host,
        crate=_crate_facts(plan),
        minbuild_version=__version__,
        config_hash=plan.config_hash(),
        config=str(plan.project.path.resolve()),
        toolchain={
            "name": toolchain.candidate.name,
            "release": toolchain.release,
            "commit": toolchain.commit,
        },
    )


def _crate_facts(plan: Plan) -> dict[str, Any]:
    crate_dir = plan.project.crate_dir
    head = command.run(["git", "-C", str(crate_dir), "rev-parse", "HEAD"], check=False)
    dirty = command.run(
        ["git", "-C", str(crate_dir), "status", "--porcelain", "--", "."], check=False
    )
    in_git = head.returncode == 0
    return {
        "name": plan.crate.name,
        "version": plan.crate.version,
        "manifest": str(plan.crate.manifest),
        "git_commit": head.stdout.strip() if in_git else None,
        "git_dirty": bool(dirty.stdout.strip()) if in_git else None,
    }
