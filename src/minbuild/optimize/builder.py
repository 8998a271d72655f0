"""The search's evaluator for real: each point becomes a stage, built, sized and tested by the
engine exactly as a staircase stage is (lanes, compile cache, fixtures, the crate's own tests).
A point's trial is keyed by its effective settings: points that build alike are built once,
and every trial is kept in the state dir, so a search started again builds nothing twice."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from minbuild.engine import execute, planner, postlink
from minbuild.engine.cross import platform_library, target_artifact, with_std_rebuilt
from minbuild.engine.invocations import Build, build_invocation
from minbuild.engine.lanes import Placement
from minbuild.optimize.space import Assignment, Space, apply
from minbuild.optimize.trials import Trial, TrialStore
from minbuild.project.stages import Stage
from minbuild.project.targets import Target
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.runs.records import StageRecord
from minbuild.runs.reference import judged
from minbuild.rust import profiles

TRIAL_PREFIX = "trial-"


class Builder:
    """Builds points of `space` on `features_of`'s features, `parallel` lanes at once, for
    the host or for a foreign `target`."""

    def __init__(
        self,
        ground: planner.Groundwork,
        space: Space,
        features_of: Stage,
        *,
        parallel: int,
        reporter: Reporter,
        target: Target | None = None,
    ) -> None:
        self.ground, self.space, self.features_of = ground, space, features_of
        self.parallel, self.reporter, self.target = parallel, reporter, target
        self.package, self.artifact, self.problem = (
            target_artifact(ground.project, ground.crate, target, ground.resolution)
            if target
            else (ground.crate, ground.project.artifact, None)
        )
        """The package and artifact a trial builds, and why the project has none for the
        target (prepare refuses that before any build)."""
        self.layout = statedir.Layout(ground.state_dir)
        self.store = TrialStore(self.layout.optimize("trials"))
        self.reference: StageRecord | None = None
        """The start point's own record: a crate's test that fails there too does not
        reject a trial (as at release in a staircase)."""
        self.documents: list[Path] = []
        """The run documents of the batches this builder built."""
        self._fixtures_made = False
        self.start: Assignment | None = None

    def stage(self, point: Assignment, name: str = "") -> Stage:
        """The stage that builds `point`, described by what it changes from the start point
        (the first point evaluated; before that, from release)."""
        base = self.start or self.space.release
        changes = [f"{s}={v}" for s, v in point.items() if v != base[s]]
        stage = apply(
            self.space,
            point,
            self.features_of,
            self.ground.project.rustflags,
            name or "point",
            " ".join(changes) or ("the start point" if self.start else "release settings"),
        )
        return with_std_rebuilt(stage) if self.target else stage

    def key(self, point: Assignment) -> str:
        """What a trial of `point` is kept by: everything that shapes its binary."""
        stage = self.stage(point)
        toolchain = self.ground.resolution.toolchain
        shape = [
            profiles.effective_profile(self.ground.crate, stage),
            stage.default_features,
            sorted(stage.features),
            stage.rustflags,
            stage.build_std,
            stage.build_std_features,
            sorted(stage.cargo_unstable),
            toolchain.record(),
            str(self.ground.crate.manifest),
            self.ground.project.digest(),
        ]
        # Only what a trial has: the keys of trials kept before these existed stay the same.
        if stage.post_link:
            shape.append([step.argv for step in stage.post_link])
        if self.target:
            shape += [self.target.triple, self.artifact.kind, list(self.target.rustflags)]
        spec = self.target.spec if self.target else None
        if self.target and spec:
            target = self.target
            shape.append([spec.read_text(), target.build_std, dict(target.env), target.link])
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]

    def __call__(
        self, points: Sequence[Assignment], labels: Sequence[str] = ()
    ) -> list[tuple[Trial, bool]]:
        self.start = self.start or points[0]  # the search evaluates its start first
        keys = [self.key(point) for point in points]
        kept: dict[str, Trial] = {}
        wanted: dict[str, tuple[Assignment, str]] = {}
        for index, (key, point) in enumerate(zip(keys, points, strict=True)):
            if key in kept or key in wanted:
                continue
            trial = self.store.get(key)
            if trial is not None:
                kept[key] = trial
            else:
                wanted[key] = (point, labels[index] if index < len(labels) else "")
        built = self._build(wanted) if wanted else {}
        found = []
        for key, point in zip(keys, points, strict=True):
            trial = kept.get(key) or built[key]
            if self.reference is None:
                self.reference = trial.stage  # the search evaluates its start first
            found.append((self._judged(Trial(key, dict(point), trial.stage)), key in kept))
        return found

    def _judged(self, trial: Trial) -> Trial:
        if self.reference is None or trial.stage.artifact is None:
            return trial
        name = f"{TRIAL_PREFIX}start"
        start = dataclasses.replace(self.reference, name=name)
        host = self.target.triple if self.target else self.ground.resolution.toolchain.host
        _, stage = judged([start, trial.stage], host, reference=name)
        return Trial(trial.key, trial.point, stage)

    def _build(self, wanted: Mapping[str, tuple[Assignment, str]]) -> dict[str, Trial]:
        """Build, size and test every wanted point as one run, in lanes; each trial is kept
        as soon as it is done (an interrupted batch keeps its finished trials)."""
        ground = self.ground
        stages = {
            key: self.stage(point, f"{TRIAL_PREFIX}{key}") for key, (point, _) in wanted.items()
        }
        builds = [
            self._build_of(stage, lane % self.parallel)
            for lane, stage in enumerate(stages.values())
        ]
        made_here = [] if self.target else [*stages.values()]  # a foreign binary makes none
        prelude = () if self._fixtures_made else ground.fixture_makers(made_in_run=made_here)
        self._fixtures_made = True
        plan = ground.plan(tuple(builds), self.parallel, prelude)
        trials: dict[str, Trial] = {}
        points = {stages[key].name: (key, point) for key, (point, _) in wanted.items()}
        labels = {
            stages[key].name: label or stages[key].description for key, (_, label) in wanted.items()
        }

        def done(record: StageRecord) -> StageRecord:
            key, point = points[record.name]
            trials[key] = Trial(key, dict(point), record)
            if record.status != "skipped":  # a skip is the toolchain's: asked again next time
                self.store.put(trials[key])
            return self._judged(trials[key]).stage  # as the search will see it

        reporter = TrialReporter(self.reporter, labels, done)
        _, path = execute.execute(
            plan, fail_fast=False, reporter=reporter, runs_dir=self.layout.optimize("runs")
        )
        self.documents.append(path)
        return trials

    def _build_of(self, stage: Stage, lane: int) -> Build:
        """The build of a trial's stage in `lane`'s target dir, with why it cannot run here."""
        ground, toolchain = self.ground, self.ground.resolution.toolchain
        skip = toolchain.cannot_run(stage) or postlink.missing(stage)
        if self.target is None:
            placement = Placement(lane, bool(stage.build_std))  # a lane's own dirs
            return planner.host_build(
                stage,
                ground.project,
                ground.crate,
                toolchain,
                ground.state_dir,
                skip,
                placement,
                lane,
            )
        target_dir = self.layout.cross(self.target.triple + (f"-lane{lane}" if lane else ""))
        invocation = build_invocation(
            stage, self.package, self.artifact, toolchain, target_dir, self.target
        )
        return Build(
            stage,
            self.target,
            self.package,
            self.artifact,
            invocation,
            skip,
            lane=lane,
            platform_library=platform_library(ground.state_dir, self.target),
        )


class TrialReporter:
    """The engine's progress with each trial named by its round and change; a finished trial
    goes to `done` first (kept, and judged against the start as the search will judge it)."""

    def __init__(
        self,
        reporter: Reporter,
        labels: Mapping[str, str],
        done: Callable[[StageRecord], StageRecord],
    ) -> None:
        self.reporter, self.labels, self.done = reporter, labels, done

    def progress(self, position: int, total: int, build: str, action: str) -> None:
        stage, _, target = build.partition(" @ ")  # a foreign target's build: "name @ triple"
        label = self.labels.get(stage)
        shown = build if label is None else f"{label} @ {target}" if target else label
        self.reporter.progress(position, total, shown, action)

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        judged = self.done(record) if record.name in self.labels else record
        self.reporter.finished(position, total, judged)

    def restarting(self, reason: str) -> None:
        self.reporter.restarting(reason)

    def lanes(self, count: int) -> None:
        self.reporter.lanes(count)

    def ended(self, position: int, total: int, label: str, summary: str) -> None:
        self.reporter.ended(position, total, label, summary)

    def say(self, message: str) -> None:
        self.reporter.say(message)
