"""An optimize search as a picture: each trial's size in the order the search made them, and
with --bench its size against its time (headless)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minbuild.optimize.trials import OptimizeRecord, Trial
from minbuild.report import charts
from minbuild.util.text import human_size


def trials(record: OptimizeRecord, path: Path) -> Path:
    """An optimize search's chart (`_trials_figure`) as a PNG at `path`."""
    charts.validate_path(path)
    return charts.save(*_trials_figure(record), path)


def trials_svg(record: OptimizeRecord) -> str:
    """An optimize search's chart as an SVG document, to inline in its HTML page."""
    return charts.svg(*_trials_figure(record))


def _trials_figure(record: OptimizeRecord) -> tuple[Any, Any]:
    """Each trial's size in the order the search made them, accepted ones as dots, rejected
    ones as crosses, the size the search stood at as a step line, and the references as
    dashed lines; with --bench, each timed trial's size against its time beside it."""
    plt = charts.pyplot()
    timed = [t for t in record.trials if t.bench_seconds is not None and t.size is not None]
    if timed:  # with --bench, beside it: each timed trial's size against its time
        figure, (axes, speed) = plt.subplots(
            1,
            2,
            figsize=(charts.WIDTH, charts.HEIGHT),
            dpi=charts.DPI,
            layout="constrained",
            width_ratios=(3, 2),
        )
        _trade_off(speed, record, timed)
    else:
        figure, axes = plt.subplots(
            figsize=(charts.WIDTH, charts.HEIGHT), dpi=charts.DPI, layout="constrained"
        )
    steps = [s for s in record.steps if s.size_bytes is not None]
    accepted = [(i, s.size_bytes) for i, s in enumerate(steps) if s.verdict == "accepted"]
    rejected = [(i, s.size_bytes) for i, s in enumerate(steps) if s.verdict != "accepted"]
    if accepted:
        axes.scatter(*zip(*accepted, strict=True), color=charts.SHRANK, s=18, label="accepted")
    if rejected:
        axes.scatter(*zip(*rejected, strict=True), color=charts.GREW, marker="x", label="rejected")
    best: list[tuple[int, int]] = []  # the smallest accepted trial of the search so far
    for index, step in enumerate(steps):
        searching = step.role in ("start", "neighbour", "stack")
        if searching and step.verdict == "accepted" and step.size_bytes is not None:
            best.append((index, min(step.size_bytes, best[-1][1] if best else step.size_bytes)))
    if best:
        axes.step(
            *zip(*best, strict=True), where="post", color=charts.FIRST, label="smallest so far"
        )
    for name, key in record.references.items():
        size = record.trial(key).size
        if name != "start" and size is not None:
            axes.axhline(size, linestyle="--", linewidth=1, color=charts.MISSING)
            axes.annotate(name, (0, size), fontsize=8, va="bottom")
    sizes = [s.size_bytes or 0 for s in steps]
    tallest = max(sizes, default=1)
    charts.size_axis(axes, log_scale=tallest > 20 * max(1, min(sizes, default=1)), tallest=tallest)
    axes.set_xlabel("trial, in the order the search made them")
    axes.set_title(
        f"{record.crate.get('name')}: optimize from {record.start}, {len(steps)} trials",
        fontsize=12,
    )
    axes.legend(fontsize=8, frameon=False, loc="upper right")
    return plt, figure


def _trade_off(axes: Any, record: OptimizeRecord, timed: Sequence[Trial]) -> None:
    for trial in timed:
        colour = charts.SHRANK if trial.accepted else charts.GREW
        marker = "*" if trial.key == record.winner else "o" if trial.accepted else "x"
        axes.scatter(trial.bench_seconds, trial.size, color=colour, marker=marker, s=40)
    base = record.reference("release-settings")
    if base is not None and base.bench_seconds and record.max_slowdown:
        axes.axvline(base.bench_seconds * record.max_slowdown, linestyle="--", color=charts.MISSING)
        axes.annotate("--max-slowdown", (base.bench_seconds * record.max_slowdown, 0), fontsize=8)
    axes.yaxis.set_major_formatter(lambda value, _: human_size(int(value)))
    axes.set_xlabel(f"best time of {' '.join(record.bench)} (s)")
    axes.set_title("size against speed (★ the winner, × rejected)", fontsize=10)
