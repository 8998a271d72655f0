"""Speed as a constraint: a benchmark command timed on every accepted trial (the minimum of
several runs, one trial at a time so that lanes do not disturb the clock), the release
settings timed in the same search as the baseline, and a trial slower than `max_slowdown`
times the baseline rejected with its figures."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

from minbuild.optimize.search import Evaluator
from minbuild.optimize.space import Assignment
from minbuild.optimize.trials import Trial
from minbuild.util import command
from minbuild.util.errors import CommandFailed

BINARY = "{binary}"
"""Where the trial's binary goes in the benchmark's argv."""


class Timed:
    """An evaluator that times what `inner` accepts."""

    def __init__(
        self,
        inner: Evaluator,
        argv: Sequence[str],
        *,
        baseline: Assignment,
        key: Callable[[Assignment], str],
        runs: int = 5,
        max_slowdown: float | None = None,
        cwd: Path | None = None,
        run: command.Runner = command.run,
    ) -> None:
        self.inner, self.argv, self.runs, self.max_slowdown = inner, tuple(argv), runs, max_slowdown
        self.baseline_key, self.cwd, self.run = key(baseline), cwd, run
        self.seconds: dict[str, float] = {}
        """Each timed trial's best time, by key."""
        self.failures: dict[str, str] = {}

    @property
    def baseline(self) -> float | None:
        return self.seconds.get(self.baseline_key)

    def __call__(
        self, points: Sequence[Assignment], labels: Sequence[str] = ()
    ) -> list[tuple[Trial, bool]]:
        found = self.inner(points, labels)
        for trial, _ in found:  # the baseline first: the others are judged against it
            if trial.key == self.baseline_key:
                self._time(trial)
        for trial, _ in found:
            self._time(trial)
        return [(self._judged(trial), reused) for trial, reused in found]

    def _time(self, trial: Trial) -> None:
        if not trial.accepted or trial.key in self.seconds or trial.key in self.failures:
            return
        artifact = trial.stage.artifact or ""
        argv = [artifact if arg == BINARY else arg.replace(BINARY, artifact) for arg in self.argv]
        best: float | None = None
        try:
            for _ in range(self.runs):
                done = self.run(argv, cwd=self.cwd, timeout=600)
                best = done.seconds if best is None else min(best, done.seconds)
        except CommandFailed as error:
            self.failures[trial.key] = f"the benchmark failed: {error.last_line()}"
            return
        if best is not None:
            self.seconds[trial.key] = best

    def _judged(self, trial: Trial) -> Trial:
        seconds = self.seconds.get(trial.key)
        timed = dataclasses.replace(trial, bench_seconds=seconds)
        if not trial.accepted:
            return timed
        failure = self.failures.get(trial.key)
        if failure is None and self.max_slowdown is not None and self.baseline and seconds:
            ratio = seconds / self.baseline
            if ratio > self.max_slowdown:
                failure = (
                    f"too slow: {seconds:.3f}s, {ratio:.2f}x the release settings' "
                    f"{self.baseline:.3f}s (--max-slowdown {self.max_slowdown:g})"
                )
        if failure is None:
            return timed
        stage = dataclasses.replace(trial.stage, status="failed", reason=failure)
        return dataclasses.replace(timed, stage=stage)
