"""The search itself, over any evaluator (the real one builds; unit tests pass a fake): from
the start point, coordinate descent with the tests as a gate, then leave-one-out at the
winner. A round evaluates every single change of the current point at once (the builder runs
them in lanes); the search moves to the smallest accepted one and then stacks the round's other
improvements on it one by one, each kept only if it still helps, so a round can take several
settings without a round per setting. It stops where no single change helps (a local
optimum), or at the trial or time budget."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from minbuild.optimize.space import Assignment, Space
from minbuild.optimize.trials import Contribution, Role, Step, Trial
from minbuild.util.errors import SearchFailed

Evaluator = Callable[[Sequence[Assignment], Sequence[str]], list[tuple[Trial, bool]]]
"""Builds, sizes and tests each point (once per effective settings), each with a label for
its progress lines: each trial, and whether it was kept from an earlier search."""


@dataclass(frozen=True)
class Budget:
    """What bounds the search (the leave-one-out builds at the end are not counted)."""

    trials: int | None = None
    """Distinct trials the search may use (kept ones count: a resumed search retraces its
    steps and stops where it stopped)."""
    seconds: float | None = None
    """No round starts after this many seconds."""


@dataclass
class Result:
    """Everything the search found."""

    steps: list[Step] = field(default_factory=list)
    trials: dict[str, Trial] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    winner: str | None = None
    stopped: str = ""
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def used(self) -> int:
        """Distinct trials the search used (the leave-one-out ones left out)."""
        return len({s.key for s in self.steps if s.role != "leave-one-out"})


class _Search:
    def __init__(
        self,
        space: Space,
        evaluate: Evaluator,
        budget: Budget,
        on_step: Callable[[Step], None],
        clock: Callable[[], float],
        result: Result,
    ) -> None:
        self.space, self.evaluate, self.budget = space, evaluate, budget
        self.on_step, self.clock = on_step, clock
        self.started = clock()
        self.result = result

    def left(self) -> int | None:
        """Trials the budget still allows (None: no limit)."""
        if self.budget.trials is None:
            return None
        return max(0, self.budget.trials - self.result.used)

    def out_of_time(self) -> bool:
        seconds = self.budget.seconds
        return seconds is not None and self.clock() - self.started >= seconds

    def run(
        self,
        round_number: int,
        points: Sequence[tuple[Assignment, Role, str]],
        chosen: Callable[[Trial], bool] = lambda trial: False,
    ) -> list[Trial]:
        """Evaluate `points` (each with its role and change) as one batch, record the steps."""
        if not points:
            return []
        labels = [
            f"leave-one-out · {change}"
            if role == "leave-one-out"
            else f"round {round_number} · {change}"
            for _, role, change in points
        ]
        found = self.evaluate([point for point, _, _ in points], labels)
        trials = []
        for (_, role, change), (trial, reused) in zip(points, found, strict=True):
            self.result.trials[trial.key] = trial
            step = Step(
                round_number,
                role,
                change,
                trial.key,
                reused,
                trial.verdict,
                trial.size,
                chosen(trial),
            )
            self.result.steps.append(step)
            self.on_step(step)
            trials.append(trial)
        return trials


def search(
    space: Space,
    start: Assignment,
    evaluate: Evaluator,
    *,
    references: Mapping[str, Assignment] | None = None,
    budget: Budget | None = None,
    threshold_percent: float = 0.5,
    on_step: Callable[[Step], None] = lambda step: None,
    clock: Callable[[], float] = time.monotonic,
    into: Result | None = None,
) -> Result:
    """Search `space` from `start`: round 0 evaluates it and the `references`; the winner
    passes every test the start passes and is the smallest trial the search accepted.
    `into` receives the findings as they come (an interrupted search's, too)."""
    state = _Search(space, evaluate, budget or Budget(), on_step, clock, into or Result())
    result = state.result
    batch: list[tuple[Assignment, Role, str]] = [(start, "start", "start")]
    batch += [(point, "reference", name) for name, point in (references or {}).items()]
    first, *others = state.run(0, batch)
    result.references = {"start": first.key} | {
        name: trial.key for name, trial in zip(references or {}, others, strict=True)
    }
    if not first.accepted:
        raise SearchFailed(
            f"the start point is not accepted ({first.verdict}): the search needs a build "
            f"that passes its tests; see {first.stage.log or 'its record'}"
        )
    # A reference smaller than the start that passes too (cargo-wizard's template, often) is
    # where the descent begins, if it keeps the settings not searched as the start has them;
    # if it does not, its searched settings over the start's others are (one more trial).
    others += _projected(state, start, first, others)
    current = min(
        (t for t in (first, *others) if t.accepted and space.agrees_on_fixed(t.point, start)),
        key=_size,
    )
    if current.key != first.key:
        state.on_step(_mark_chosen(result, current.key, 0))
    round_number = 1
    while True:
        if state.out_of_time():
            result.stopped = f"time budget ({state.budget.seconds:.0f}s) spent"
            break
        neighbours = [
            (setting, value)
            for setting, value in space.neighbours(current.point)
            if f"{setting}={value}" not in result.excluded
        ]
        left = state.left()
        cut = left is not None and left < len(neighbours)
        if cut:
            if left == 0:
                result.stopped = f"trial budget ({state.budget.trials}) spent"
                break
            neighbours = neighbours[:left]
        if not neighbours:
            result.stopped = "every setting excluded"
            break
        trials = state.run(
            round_number,
            [({**current.point, s: v}, "neighbour", f"{s}={v}") for s, v in neighbours],
        )
        if round_number == 1:
            _exclude_failing_alone(result, neighbours, trials)
        improving = sorted(
            (
                (trial, setting, value)
                for trial, (setting, value) in zip(trials, neighbours, strict=True)
                if _smaller(trial, than=current)
            ),
            key=lambda found: _size(found[0]),
        )
        if not improving:
            result.stopped = (
                f"trial budget ({state.budget.trials}) spent"
                if cut
                else "local optimum: no single change makes it smaller"
            )
            break
        current = improving[0][0]
        state.on_step(_mark_chosen(result, current.key, round_number))
        taken = {improving[0][1]}
        for _, setting, value in improving[1:]:
            if setting in taken or state.left() == 0:
                continue
            point = {**current.point, setting: value}
            (stacked,) = state.run(
                round_number,
                [(point, "stack", f"+{setting}={value}")],
                chosen=functools.partial(_smaller, than=current),
            )
            if _smaller(stacked, than=current):
                current = stacked
                taken.add(setting)
        round_number += 1
    last_round = max(step.round for step in result.steps)
    for _ in range(len(space.settings) + 1):
        result.winner = current.key
        result.contributions, smaller = _leave_one_out(
            state, last_round + 1, current, threshold_percent
        )
        if smaller is None:
            break
        # Stopped early (a budget): a setting put back helped. That point is the winner, and
        # what its settings are worth is measured again.
        current, last_round = smaller, last_round + 1
        state.on_step(_mark_chosen(result, current.key, last_round))
        result.stopped += "; leave-one-out found a smaller point, which won"
    return result


def _projected(
    state: _Search, start: Assignment, first: Trial, references: Sequence[Trial]
) -> list[Trial]:
    """The smallest accepted reference that is smaller than the start but changes settings
    not searched, with those put back to the start's values: its searched settings are a
    better place to begin than the start's."""
    space = state.space
    smaller = [
        t
        for t in references
        if _smaller(t, than=first) and not space.agrees_on_fixed(t.point, start)
    ]
    if not smaller or state.left() == 0:
        return []
    best = min(smaller, key=_size)
    point = {**best.point, **{s.name: start[s.name] for s in space.fixed}}
    name = next(n for n, key in state.result.references.items() if key == best.key)
    return state.run(0, [(point, "reference", f"{name}, on the settings searched")])


def _smaller(trial: Trial, than: Trial) -> bool:
    return trial.accepted and _size(trial) < _size(than)


def _size(trial: Trial) -> int:
    return trial.size if trial.size is not None else 1 << 62


def _mark_chosen(result: Result, key: str, round_number: int) -> Step:
    """The round's step of `key`, marked as the one the search moved to."""
    for index in range(len(result.steps) - 1, -1, -1):
        step = result.steps[index]
        if step.key == key and step.round == round_number:
            result.steps[index] = dataclasses.replace(step, chosen=True)
            return result.steps[index]
    raise AssertionError(f"no step of trial {key} in round {round_number}")


def _exclude_failing_alone(
    result: Result, changes: Sequence[tuple[str, str]], trials: Sequence[Trial]
) -> None:
    """A value the toolchain refuses, or whose build or tests fail when it is the only change
    from where the search began, is not tried again (its first trial is its probe)."""
    for (setting, value), trial in zip(changes, trials, strict=True):
        if not trial.accepted:
            result.excluded[f"{setting}={value}"] = f"changed alone in round 1: {trial.verdict}"


def _leave_one_out(
    state: _Search, round_number: int, winner: Trial, threshold_percent: float
) -> tuple[list[Contribution], Trial | None]:
    """Each setting the winner changes, put back to its release value: what it is worth;
    and the smallest of those builds if it beats the winner (a search stopped early)."""
    changed = [s for s in state.space.settings if winner.point[s.name] != s.release]
    points: list[tuple[Assignment, Role, str]] = [
        ({**winner.point, s.name: s.release}, "leave-one-out", f"{s.name}={s.release}")
        for s in changed
    ]
    trials = state.run(round_number, points)
    size = _size(winner)
    contributions = []
    for setting, trial in zip(changed, trials, strict=True):
        value = winner.point[setting.name]
        if trial.key == winner.key:
            note, saved, removable = "the same build without it: other settings imply it", 0, True
        elif trial.accepted and trial.size is not None:
            saved = trial.size - size
            removable = saved <= size * threshold_percent / 100
            note = ""
        else:
            note, saved, removable = f"needed: without it, {trial.verdict}", None, False
        contributions.append(
            Contribution(
                setting.name,
                value,
                setting.release,
                trial.size if trial.accepted else None,
                saved,
                note,
                removable,
            )
        )
    better = [t for t in trials if _smaller(t, than=winner)]
    found = min(better, key=_size) if better else None
    return sorted(contributions, key=lambda c: -(c.bytes_saved or 0)), found
