"""The optimize search over a fake builder: deterministic sizes, injected failures, budgets,
leave-one-out and a resumed search that builds nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence

import pytest

from minbuild.optimize.search import Budget, search
from minbuild.optimize.space import Application, Assignment, Setting, Space
from minbuild.optimize.speed import Timed
from minbuild.optimize.trials import Trial, TrialStore
from minbuild.runs.records import StageRecord
from minbuild.util.command import Completed
from minbuild.util.errors import SearchFailed

NOTHING = Application({}, (), (), (), None, frozenset())


def setting(name: str, *labels: str) -> Setting:
    values = dict.fromkeys(labels, NOTHING)
    return Setting(name, name, labels[0], values, ())


SPACE = Space(
    (
        setting("opt", "3", "s", "z"),
        setting("lto", "off", "fat"),
        setting("cgu", "16", "1"),
        setting("panic", "unwind", "abort"),
    ),
)
START = SPACE.release
# What each value saves, and one interaction: codegen-units=1 only helps with LTO on.
SAVES = {("opt", "s"): 80, ("opt", "z"): 100, ("lto", "fat"): 300, ("panic", "abort"): 50}


def size_of(point: Assignment) -> int:
    size = 1000 - sum(SAVES.get((name, value), 0) for name, value in point.items())
    if point["cgu"] == "1":
        size += -30 if point["lto"] == "fat" else 10
    return size


class FakeBuilder:
    """Sizes from `size_of`; `failing` points fail their tests; every build counted."""

    def __init__(self, failing: Sequence[Mapping[str, str]] = (), store: TrialStore | None = None):
        self.failing = [dict(point) for point in failing]
        self.store = store
        self.built: list[Assignment] = []

    def __call__(
        self, points: Sequence[Assignment], labels: Sequence[str] = ()
    ) -> list[tuple[Trial, bool]]:
        found = []
        for point in points:
            key = hashlib.sha256(json.dumps(dict(point), sort_keys=True).encode()).hexdigest()
            kept = self.store.get(key) if self.store else None
            if kept is not None:
                found.append((kept, True))
                continue
            self.built.append(point)
            fails = any(all(point[k] == v for k, v in f.items()) for f in self.failing)
            record = StageRecord(
                f"trial-{key[:8]}",
                "",
                "failed" if fails else "ok",
                reason="tests failed: panics" if fails else "",
                artifact="/bin/x",
                size_bytes=size_of(point),
            )
            trial = Trial(key, dict(point), record)
            if self.store:
                self.store.put(trial)
            found.append((trial, False))
        return found


def grid_best(failing: Sequence[Mapping[str, str]] = ()) -> int:
    labels = [s.labels for s in SPACE.settings]
    names = [s.name for s in SPACE.settings]
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*labels)]
    fails = FakeBuilder(failing)
    accepted = [p for p in points if fails([p])[0][0].accepted]
    return min(size_of(p) for p in accepted)


def test_the_search_finds_the_grids_best_with_fewer_builds() -> None:
    builder = FakeBuilder()
    result = search(SPACE, START, builder)
    winner = result.trials[result.winner or ""]
    assert winner.size == grid_best() == 1000 - 100 - 300 - 50 - 30
    assert winner.point == {"opt": "z", "lto": "fat", "cgu": "1", "panic": "abort"}
    assert result.used < 3 * 4 * 2 * 2
    assert result.stopped.startswith("local optimum")


def test_a_candidate_whose_tests_fail_is_never_chosen() -> None:
    failing = [{"panic": "abort"}]
    result = search(SPACE, START, FakeBuilder(failing))
    winner = result.trials[result.winner or ""]
    assert winner.point["panic"] == "unwind"
    assert winner.size == grid_best(failing)
    rejected = [s for s in result.steps if s.change == "panic=abort"]
    assert rejected and rejected[0].verdict == "rejected: tests failed: panics"
    assert "panic=abort" in result.excluded  # failing alone: not tried again
    assert all(s.change != "panic=abort" for s in result.steps if s.round > 1)


def test_leave_one_out_says_what_each_setting_is_worth_at_the_winner() -> None:
    result = search(SPACE, START, FakeBuilder(), threshold_percent=6.0)
    worth = {c.setting: c.bytes_saved for c in result.contributions}
    assert worth == {"lto": 300 + 40, "opt": 100, "panic": 50, "cgu": 30}
    removable = {c.setting for c in result.contributions if c.removable}
    assert removable == {"cgu"}  # 30 bytes of 520: under 6%
    assert [c.setting for c in result.contributions] == ["lto", "opt", "panic", "cgu"]


def test_the_trial_budget_stops_the_search() -> None:
    builder = FakeBuilder()
    result = search(SPACE, START, builder, budget=Budget(trials=4))
    assert result.used == 4
    assert result.stopped == "trial budget (4) spent"
    # a round cut short that finds nothing smaller is not a local optimum
    flat = search(SPACE, START, FakeBuilder([{"opt": "s"}]), budget=Budget(trials=2))
    assert flat.stopped == "trial budget (2) spent"
    assert result.winner is not None


def test_the_time_budget_stops_the_search_between_rounds() -> None:
    ticks = iter(range(100))
    result = search(
        SPACE, START, FakeBuilder(), budget=Budget(seconds=2), clock=lambda: next(ticks)
    )
    assert result.stopped == "time budget (2s) spent"
    assert max(s.round for s in result.steps if s.role != "leave-one-out") == 1


def test_a_start_point_that_fails_its_tests_is_an_error() -> None:
    with pytest.raises(SearchFailed, match="start point is not accepted"):
        search(SPACE, START, FakeBuilder([{"opt": "3", "lto": "off"}]))


def test_a_search_started_again_reuses_every_trial(tmp_path: object) -> None:
    from pathlib import Path

    store = TrialStore(Path(str(tmp_path)))
    first = FakeBuilder(store=store)
    done = search(SPACE, START, first, references={"wizard": {**START, "opt": "z"}})
    again = FakeBuilder(store=store)
    redone = search(SPACE, START, again, references={"wizard": {**START, "opt": "z"}})
    assert first.built and not again.built
    assert redone.winner == done.winner
    assert all(step.reused for step in redone.steps)
    assert redone.references["wizard"] == done.references["wizard"]


def test_settings_not_searched_keep_the_start_points_value() -> None:
    narrowed = Space(SPACE.settings[:2], SPACE.settings[2:], {"cgu": "", "panic": ""})
    start = {**START, "panic": "abort"}
    wizard = {**START, "lto": "fat", "cgu": "1"}  # smaller, but it changes cgu: not a start
    result = search(narrowed, start, FakeBuilder(), references={"wizard": wizard})
    assert all(
        t.point["cgu"] == "16" and t.point["panic"] == "abort"
        for t in (result.trials[s.key] for s in result.steps if s.role != "reference")
    )
    assert {c.setting for c in result.contributions} <= {"opt", "lto"}
    # its searched settings over the start's others are built, and the descent begins there
    (projected,) = [s for s in result.steps if s.change == "wizard, on the settings searched"]
    assert projected.round == 0 and projected.chosen
    assert result.trials[projected.key].point == {**start, "lto": "fat"}
    assert all(s.change != "lto=fat" for s in result.steps if s.round == 1)  # already there


def test_the_descent_begins_at_a_reference_smaller_than_the_start() -> None:
    wizard = {**START, "opt": "z", "lto": "fat"}
    result = search(SPACE, START, FakeBuilder(), references={"wizard": wizard})
    (moved,) = [s for s in result.steps if s.round == 0 and s.chosen]
    assert moved.key == result.references["wizard"]
    assert all(s.change != "opt=z" for s in result.steps if s.round == 1)  # already there
    assert result.trials[result.winner or ""].size == grid_best()


class FakeClock:
    """A benchmark runner: each binary (by the fake builder's record name) takes its time."""

    def __init__(self, seconds: Mapping[str, float]) -> None:
        self.seconds, self.calls = seconds, 0

    def __call__(self, argv: Sequence[str], **_: object) -> Completed:
        self.calls += 1
        return Completed(tuple(argv), 0, "", "", self.seconds.get(argv[1], 1.0))


def test_a_trial_slower_than_max_slowdown_is_rejected_with_its_figures() -> None:
    builder = FakeBuilder()
    lto = {**START, "lto": "fat"}
    key = FakeBuilder()([lto])[0][0].key
    # every binary takes 1s but the LTO builds, 2s: LTO is rejected at --max-slowdown 1.5
    clock = FakeClock({f"/bin/x-{key}": 2.0})

    def artifact_named(
        points: Sequence[Assignment], labels: Sequence[str] = ()
    ) -> list[tuple[Trial, bool]]:
        found = builder(points, labels)
        return [
            (
                Trial(t.key, t.point, dataclasses.replace(t.stage, artifact=f"/bin/x-{t.key}")),
                reused,
            )
            for t, reused in found
        ]

    timed = Timed(
        artifact_named,
        ["bench", "{binary}"],
        baseline=START,
        key=lambda point: FakeBuilder()([point])[0][0].key,
        runs=3,
        max_slowdown=1.5,
        run=clock,
    )
    result = search(SPACE, START, timed)
    (step,) = [s for s in result.steps if s.change == "lto=fat"]
    assert step.verdict == (
        "rejected: too slow: 2.000s, 2.00x the release settings' 1.000s (--max-slowdown 1.5)"
    )
    winner = result.trials[result.winner or ""]
    assert winner.point["lto"] == "off" and winner.bench_seconds == 1.0
    timed_trials = [t for t in result.trials.values() if t.bench_seconds is not None]
    assert clock.calls == 3 * len(timed_trials)  # each binary timed once, best of three


def test_a_leave_one_out_build_smaller_than_the_winner_wins() -> None:
    # codegen-units=1 costs 10 bytes without LTO; the budget allows only the start
    start = {**START, "cgu": "1"}
    result = search(SPACE, start, FakeBuilder(), budget=Budget(trials=1))
    winner = result.trials[result.winner or ""]
    assert winner.point == START and winner.size == 1000
    assert "leave-one-out found a smaller point, which won" in result.stopped
    assert all((c.bytes_saved or 0) >= 0 for c in result.contributions)
