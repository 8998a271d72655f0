"""`minbuild init`: a commented starting project file for any Cargo project, from what cargo
says about it (its targets, features and dependency graph) and one real release build whose
binary shows which smoke test works."""

from __future__ import annotations

import functools
import itertools
import os
import shlex
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.option import Option
from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import build_request, network
from minbuild.commands.vocabulary import (
    FROZEN,
    LOCKED,
    MANIFEST_PATH,
    OFFLINE,
    OUTPUT,
    STATE_DIR,
    TOOLCHAIN,
)
from minbuild.engine import owntests, planner
from minbuild.engine.onebuild import build_one
from minbuild.engine.request import BuildRequest
from minbuild.engine.smoke import Smoke, find_smoke
from minbuild.features.logging import disable_logging
from minbuild.features.smallest import smallest
from minbuild.project.config import Project, bundled, draft_project, load_project
from minbuild.runs import statedir
from minbuild.runs.progress import Job, Reporter, ToolchainCheck
from minbuild.rust import candidates, cargo, choice, resolution, toolchains
from minbuild.rust.cargo import Crate, Workspace
from minbuild.rust.network import Network
from minbuild.rust.testtargets import running_the_binary
from minbuild.rust.unitprogress import UnitProgress, last_run
from minbuild.util.errors import ConfigError, ExitCode
from minbuild.util.files import write_atomic
from minbuild.util.schemas import published_url


@dataclass(frozen=True)
class Started:
    """What init wrote and what a person should know about it."""

    path: Path
    notes: tuple[str, ...]
    release_ok: bool


@dataclass(frozen=True)
class Options:
    """What one init invocation asks for."""

    manifest_path: Path = MANIFEST_PATH(
        default=Path("Cargo.toml"), help="the crate's Cargo.toml (default: ./Cargo.toml)"
    )
    output: Path | None = OUTPUT(
        help="where to write it (default: minbuild.yaml beside Cargo.toml)"
    )
    force: bool = Option("--force", "overwrite an existing file", switch=True)()
    toolchain: str | None = TOOLCHAIN()
    state_dir: Path = STATE_DIR()
    locked: bool = LOCKED()
    offline: bool = OFFLINE()
    frozen: bool = FROZEN()

    @property
    def network(self) -> Network:
        return network(os.environ, locked=self.locked, offline=self.offline, frozen=self.frozen)

    def build_request(self, project: Project) -> BuildRequest:
        """min-build's request for the project file init is drafting."""
        shared = ("toolchain", "state_dir", "locked", "offline", "frozen")
        return build_request(BuildOptions.sharing(self, shared), os.environ, project)


def init(options: Options, reporter: Reporter) -> Started:
    """Write the project file for the manifest (default: minbuild.yaml beside it)."""
    output, force = options.output, options.force
    manifest = options.manifest_path.resolve()
    if not manifest.is_file():
        raise ConfigError(f"no such Cargo manifest: {manifest} (give --manifest-path)")
    path = (output or manifest.parent / "minbuild.yaml").resolve()
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; --force overwrites it")
    network = options.network
    chosen = toolchains.resolve((), options.toolchain, network=network, crate_dir=manifest.parent)
    candidate = chosen.toolchain.candidate
    workspace = cargo.read_workspace(manifest, candidate.cargo, candidate.env)
    crate = _package(workspace, manifest)
    plain = candidates.with_cargo_flags(candidate, ())
    resolution.resolve(crate, plain.cargo, plain.env, network)
    candidate = candidates.with_cargo_flags(candidate, network.building())
    graph = cargo.metadata_of(manifest, candidate.cargo, candidate.env, dependencies=True)
    draft = _Draft(path, manifest, workspace, crate, graph)
    reporter.say(
        f"{crate.name} {crate.version}: {draft.describe_artifact()}; building release once"
    )
    release, smoke, notes = _try_release(draft, options, reporter)
    write_atomic(path, draft.text(smoke, release))
    load_project(path)  # what init writes must load: a bug here is ours, and said now
    return Started(path, tuple(notes), release is not None)


def _package(workspace: Workspace, manifest: Path) -> Crate:
    own = next((m for m in workspace.members if m.manifest == manifest), None)
    if own is not None:
        return own
    ranked = sorted(workspace.members, key=lambda m: m.name not in workspace.default_members)
    for wanted in ("bin", "cdylib", "staticlib"):
        for member in ranked:
            if member.binaries if wanted == "bin" else wanted in member.lib_crate_types:
                return member
    listing = "; ".join(f"{m.name}: {m.builds()}" for m in workspace.members)
    raise ConfigError(f"{manifest}: no member builds a bin, cdylib or staticlib ({listing})")


class _Draft:
    """The project file's content, decided from cargo's view of the crate."""

    def __init__(
        self, path: Path, manifest: Path, workspace: Workspace, crate: Crate, graph: Any
    ) -> None:
        self.path, self.manifest, self.workspace, self.crate = path, manifest, workspace, crate
        self.kind, self.name = _artifact(crate)
        target = crate.binary(self.name) if self.name else None
        required = target.required_features if target else ()
        self.minimal = sorted(f for f in required if "/" not in f)
        self.logging, self.logging_comment = disable_logging(crate, graph)
        self.rustflags: list[str] = []
        self.integration = running_the_binary(crate) if self.kind == "bin" else ()
        self.integration_checked: list[str] = []
        """What running them against the release build showed (comment lines)."""
        self.integration_broken = False
        self.needs_defaults: tuple[list[str], list[str]] | None = None
        """Tests that fail without the default features, and the features they need."""

    def describe_artifact(self) -> str:
        return f"bin {self.name}" if self.kind == "bin" else self.kind

    def project_text(self, tests: str) -> str:
        """The whole file, with `tests` (YAML lines) as its tests section."""
        crate = self.crate
        manifest = Path(_relative(self.manifest, self.path.parent))
        own = crate.manifest == self.manifest
        lines = [
            f"# yaml-language-server: $schema={published_url('project')}",
            f"# minbuild project file for {crate.name} {crate.version}, written by `minbuild "
            "init` from `cargo metadata`.",
            self._run_it(),
            "# Every key, its type and its default: the JSON Schema on line 1 (editors read it).",
            "schema: 1",
            "crate:",
            f"  manifest: {_flow(str(manifest))}   # relative to this file",
            *([] if own else [f"  package: {_flow(crate.name)}   # a member of the workspace"]),
            f"  # {crate.name} builds: {crate.builds()}",
            "  artifact: "
            + _flow({"kind": self.kind, **({"name": self.name} if self.name else {})}),
            "feature_sets:",
            "  # no-default-features builds with --no-default-features --features <minimal>:",
            "  # the smallest set that keeps the artifact (its required-features). Add what your",
            "  # smallest useful product needs (Wasmtime's CLI keeps `run`).",
            f"  minimal: {_flow(self.minimal)}",
            *(f"  # {line}" for text in self.logging_comment for line in textwrap.wrap(text, 92)),
            f"  disable_logging: {_flow(self.logging)}",
            *self._rustflags_lines(),
            tests,
            *self._integration_lines(),
            "# Size budgets, enforced by `min-build --check` and `size-report --check`:",
            "# budgets:",
            "#   - {stage: panic-immediate-abort, max_size: 1 MiB}",
            '#   - {stage: "*", max_growth_percent: 2.0}   # vs `invoke size-baseline`',
        ]
        return "\n".join(lines) + "\n"

    def _run_it(self) -> str:
        """The command that runs this file, where a user stands: min-build finds a file named
        minbuild.yaml in the directory it runs in, any other name only through --config."""
        named = (
            "" if self.path.name == "minbuild.yaml" else f" --config {shlex.quote(self.path.name)}"
        )
        return (
            f"# Run it in this directory: minbuild min-build{named}   (elsewhere: minbuild "
            "min-build --config PATH)"
        )

    def _rustflags_lines(self) -> list[str]:
        if not self.rustflags:
            return []
        return [
            "# The toolchain that runs the most stages stops at a deny-by-default lint in this",
            "# older code (see `minbuild init`'s output); capped to a warning it builds. Fix the",
            "# code, or keep this: it applies to every stage alike.",
            f"rustflags: {_flow(self.rustflags)}",
        ]

    def _integration_lines(self) -> list[str]:
        if not self.integration:
            return []
        root = self.crate.manifest.parent
        names = ", ".join(_relative(self.crate.test_targets[n], root) for n in self.integration)
        said = [
            f"The crate's own integration tests that start its binary ({names}): built once per "
            "feature set and run against every stage's binary, test by test.",
            *self.integration_checked,
        ]
        lines = [f"# {line}" for text in said for line in textwrap.wrap(text, 92)]
        entry = ["integration_tests:", f"  test_targets: {_flow(list(self.integration))}"]
        if self.needs_defaults:
            tests, features = self.needs_defaults
            entry += [
                "  requires:",
                "    # They pass against the release build and fail against one without the "
                "default features",
                "    # (checked): they test what those features add.",
                f"    - {{tests: {_flow(tests)}, needs_features: {_flow(features)}}}",
            ]
        return lines + ([f"# {line}" for line in entry] if self.integration_broken else entry)

    def text(self, smoke: Smoke | None, release: Path | None) -> str:
        if smoke is not None:
            tests = "\n".join(
                [
                    "tests:",
                    f"  # A smoke test that really runs the binary: the release build printed "
                    f"{smoke.first_line!r}",
                    f"  # for `{self.name} {smoke.flag}`. Add tests of what the crate does.",
                    f"  - name: {_flow(smoke.flag.strip('-'))}",
                    f"    argv: {_flow(['{binary}', smoke.flag])}",
                    f"    stdout_regex: {_flow(smoke.regex)}",
                ]
            )
        elif self.kind != "bin":
            tests = "tests: []   # a library is loaded, not run: see the README's Library artifacts"
        else:
            why = "did not build" if release is None else "answers neither --version nor --help"
            tests = f"tests: []   # the release build {why}: add a test that runs it"
        return self.project_text(tests)


def _artifact(crate: Crate) -> tuple[str, str | None]:
    bins = crate.binaries
    if bins:
        named = crate.default_run or (crate.name if crate.name in bins else None)
        plain = [t.name for t in crate.targets if t.is_bin and not t.required_features]
        return "bin", named or (plain or list(bins))[0]
    for kind in ("cdylib", "staticlib"):
        if kind in crate.lib_crate_types:
            return kind, None
    raise ConfigError(f"{crate.manifest}: {crate.name} builds no bin, cdylib or staticlib")


def _try_release(
    draft: _Draft, options: Options, reporter: Reporter
) -> tuple[Path | None, Smoke | None, list[str]]:
    """Build the release stage exactly as min-build will (so its units are reused), then
    find the first smoke flag the binary answers."""
    checking = ToolchainCheck(reporter, 1)
    plan = _plan(draft, options, checking)
    notes: list[str] = []
    if _blocked_by_lints(plan.resolution):
        # Old code a newer compiler rejects only through a deny-by-default lint still builds
        # with lints capped; say so in the file rather than choose a toolchain that can do less.
        draft.rustflags = ["--cap-lints", "warn"]
        capped = _plan(draft, options, checking)
        if _rank(capped.resolution) < _rank(plan.resolution):
            notes.append(
                f"rustflags: [--cap-lints, warn], so that {capped.toolchain.label} builds "
                "the crate (see the project file's comment)"
            )
            plan = capped
        else:
            draft.rustflags = []
    notes += [f"toolchain: {line}" for line in choice.lines(plan.resolution.choice)]
    notes += _prove_feature_sets(draft, plan, reporter)
    build = next((b for b in plan.builds if b.stage.name == "release"), plan.builds[0])
    log = statedir.Layout(plan.state_dir).logs("init", "release.log")
    expected = last_run(statedir.Layout(plan.state_dir).runs()).get(build.key)
    jobs = 2 if draft.integration else 1  # the release build, then its integration tests
    reporter.progress(1, jobs, "release", "building")
    progress = UnitProgress(functools.partial(reporter.progress, 1, jobs, "release"), expected)
    done, binary = build_one(build, plan.project.crate_dir, log, progress)
    built = "built" if done.returncode == 0 else "failed"
    reporter.ended(1, jobs, "release", f"{built}  {done.seconds:.1f}s build")
    if done.returncode != 0:
        return None, None, [*notes, f"the release build failed: {done.first_error()} ({log})"]
    if binary is None or build.artifact.kind != "bin":
        return binary, None, notes
    if draft.integration:
        found = owntests.against_release(plan, build, binary, draft.integration, reporter)
        draft.integration_broken, draft.integration_checked = found.broken, list(found.comment)
        notes.append(found.note)
        if found.passed and owntests.dropped_defaults(draft.crate, draft.minimal):
            needed = owntests.without_defaults(
                _plan(draft, options, checking), draft.minimal, found.passed, reporter
            )
            draft.needs_defaults = needed.rule
            notes += needed.notes
    workdir = statedir.Layout(plan.state_dir).work("init")
    return binary, find_smoke(binary, build.artifact.name or "", workdir), notes


def _prove_feature_sets(draft: _Draft, plan: planner.Plan, reporter: Reporter) -> list[str]:
    """`cargo check` the feature sets the file will name, as min-build's stages build them
    (--no-default-features), each a job saying its units: the smallest that builds becomes
    `minimal`; a disable_logging set that does not build on top of it is left out, with why."""
    layout, candidate = statedir.Layout(plan.state_dir), plan.toolchain.candidate
    target, logs = layout.target(), layout.logs("init")

    def check(features: Sequence[str]) -> str | None:
        job = Job(reporter, f"feature set {','.join(features) or '(none)'}")
        job("checking --no-default-features")
        args = ["--no-default-features", *(["--features", ",".join(features)] if features else [])]
        name = f"check-{next(checks)}"  # a search checks the same sets in the same order
        units = UnitProgress(
            job, None, verb="checking", memory=layout.progress(f"init-{name}.json")
        )
        problem = cargo.check_builds(
            plan.project, candidate.cargo, candidate.env, target, args,
            draft.rustflags, logs / f"{name}.log", on_line=units,
        )  # fmt: skip
        took = units.keep()
        job.end(f"{'builds' if problem is None else 'does not build'}  {took:.1f}s")
        return problem

    checks = itertools.count()
    search = smallest(draft.crate.features, draft.minimal, check)
    draft.minimal = list(search.chosen)
    notes = [f"feature sets: {line}" for line in search.lines()]
    if draft.logging and search.proved:
        problem = check([*draft.minimal, *(f.replace("?", "") for f in draft.logging)])
        if problem:
            notes.append(f"feature sets: disable_logging {draft.logging} does not build: {problem}")
            draft.logging_comment.append(f"Left out, it does not build: {problem}")
            draft.logging = []
    return notes


def _plan(draft: _Draft, options: Options, checking: ToolchainCheck) -> planner.Plan:
    """min-build's plan for the draft file: the toolchain it will choose, and every build."""
    project = draft_project(draft.text(None, None), draft.path)
    plan = planner.prepare(options.build_request(project), checking=checking)
    checking.done(plan.toolchain.label)
    return plan


def _blocked_by_lints(resolution: toolchains.Resolution) -> bool:
    chosen_fails = resolution.toolchain.label in resolution.unbuildable
    return (bool(resolution.skipped) or chosen_fails) and any(
        cargo.DENIED_LINT in problem for problem in resolution.unbuildable.values()
    )


def _rank(resolution: toolchains.Resolution) -> tuple[bool, int]:
    """Lower is better: a toolchain that builds the crate, then fewer skipped stages."""
    return resolution.toolchain.label in resolution.unbuildable, len(resolution.skipped)


def _relative(path: Path, base: Path) -> str:
    return os.path.relpath(path, base)


def _flow(value: Any) -> str:
    """A YAML flow scalar or collection, quoted as YAML needs (so a name never breaks it)."""
    text: str = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    return text.removesuffix("\n...").strip()


def run(options: Options, reporter: Reporter) -> Outcome:
    """Write the project file, then what a person should know about it."""
    started = init(options, reporter)
    text = (
        f"wrote {started.path}; run it: minbuild min-build --config {started.path}\n"
        f"its schema, for an editor offline: {bundled('schemas/project.schema.json')}\n"
    )
    exit_code = ExitCode.OK if started.release_ok else ExitCode.FAILED
    return Outcome(exit_code, text, (started.path,), started.notes)
