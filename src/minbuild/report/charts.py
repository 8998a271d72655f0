"""Pictures of sizes: the staircase as bars, and sizes across runs as lines (headless)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minbuild.report.history import sizes_by_run
from minbuild.runs.records import RunRecord
from minbuild.runs.rows import rows, toolchain_label
from minbuild.util.errors import ConfigError
from minbuild.util.text import human_size

SUFFIXES = (".png", ".svg")
WIDTH, HEIGHT, DPI = 12.0, 6.5, 100  # a 1200 x 650 PNG: readable on a slide
SHRANK, GREW, FIRST, MISSING = "#3b75af", "#e4572e", "#8c8c8c", "#d0d0d0"


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display: CI machines have none
    import matplotlib.pyplot as plt

    return plt


def validate_path(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise ConfigError(f"--plot {path}: the file name must end in .png or .svg")


def staircase(run: RunRecord, path: Path, *, log_scale: bool = False) -> Path:
    """One bar per stage: size and delta on the bar, grown stages in their own colour."""
    validate_path(path)
    plt, figure = _staircase_figure(run, log_scale=log_scale)
    return save(plt, figure, path)


def staircase_svg(run: RunRecord) -> str:
    """The staircase as an SVG document, to inline in an HTML report."""
    return svg(*_staircase_figure(run, log_scale=False))


def svg(plt: Any, figure: Any) -> str:
    text = io.StringIO()
    figure.savefig(text, format="svg", metadata={"Date": None})  # the same run, the same page
    plt.close(figure)
    return text.getvalue()


def _staircase_figure(run: RunRecord, *, log_scale: bool) -> tuple[Any, Any]:
    plt = pyplot()
    table_rows = rows(run)
    figure, axes = plt.subplots(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    sizes = [row.size or 0 for row in table_rows]
    colours = [
        MISSING
        if row.size is None
        else GREW
        if row.grew
        else FIRST
        if row.delta is None
        else SHRANK
        for row in table_rows
    ]
    cap = None if log_scale else clipped_at(sizes)
    shown = [min(size, cap) if cap else size for size in sizes]
    bars = axes.bar(range(len(table_rows)), shown, color=colours, width=0.72)
    tallest = max(shown, default=1) or 1
    for bar, row, size in zip(bars, table_rows, sizes, strict=True):
        label = human_size(row.size) if row.size is not None else row.status
        if row.delta_percent is not None:
            label += f"\n{row.delta_percent:+.1f}%"
        if cap and size > cap:  # cut short, its break drawn across it: the steps stay readable
            label += " (bar cut)"
            middle = bar.get_x() + bar.get_width() / 2
            for offset in (0.90, 0.94):
                axes.plot(
                    [bar.get_x() - 0.05, middle, bar.get_x() + bar.get_width() + 0.05],
                    [cap * (offset - 0.02), cap * (offset + 0.02), cap * (offset - 0.02)],
                    color="white",
                    linewidth=3,
                )
        y = bar.get_height() * (1.08 if log_scale else 1) + (0 if log_scale else tallest * 0.01)
        axes.text(
            bar.get_x() + bar.get_width() / 2,
            max(y, 1),
            label,
            ha="center",
            va="bottom",
            fontsize=8.5,
            color=GREW if row.grew else "#222222",
        )
    axes.set_xticks(
        range(len(table_rows)),
        [row.stage for row in table_rows],
        rotation=35,
        ha="right",
        fontsize=9,
    )
    size_axis(axes, log_scale=log_scale, tallest=tallest)
    crate = f"{run.crate.get('name')} {run.crate.get('version')}"
    axes.set_title(
        f"{crate}: the minimal-build staircase\n"
        f"toolchain {toolchain_label(run.toolchain)} · run {run.run_id}",
        fontsize=12,
    )
    _legend(axes)
    return plt, figure


def clipped_at(sizes: Sequence[int]) -> int | None:
    """Where to cut bars on a linear axis from 0: a bar over three times the next tallest
    (debug beside release) would flatten every other step, so it stops a quarter above
    that one; None when no bar stands out so."""
    ordered = sorted(sizes, reverse=True)
    if len(ordered) < 2 or ordered[1] <= 0 or ordered[0] <= 3 * ordered[1]:
        return None
    return int(ordered[1] * 1.25)


def size_axis(axes: Any, *, log_scale: bool, tallest: int) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    if log_scale:
        axes.set_yscale("log")
        bottom = max(1024, tallest / 1000)
        axes.set_ylim(bottom=bottom, top=tallest * 4)
        # Powers of two (64 KiB, 256 KiB, 1 MiB ...) read better than powers of ten in bytes.
        ticks = [2**k for k in range(10, 41, 2) if bottom <= 2**k <= tallest * 4]
        axes.yaxis.set_major_locator(FixedLocator(ticks))
        axes.yaxis.set_minor_locator(FixedLocator([]))
    else:
        axes.set_ylim(top=tallest * 1.15)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _tick(value)))
    axes.set_ylabel("artifact size" + (" (log scale)" if log_scale else ""))
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)


def _tick(value: float) -> str:
    return "0" if value <= 0 else human_size(int(value)).replace(".0 ", " ")


def _legend(axes: Any) -> None:
    from matplotlib.patches import Patch

    axes.legend(
        handles=[
            Patch(color=FIRST, label="first stage"),
            Patch(color=SHRANK, label="shrank"),
            Patch(color=GREW, label="grew"),
            Patch(color=MISSING, label="skipped / failed"),
        ],
        loc="upper right",
        frameon=False,
    )


def save(plt: Any, figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def history(
    runs: Sequence[RunRecord], stages: Sequence[str], path: Path, *, log_scale: bool = False
) -> Path:
    """Each stage's size across runs, one line per stage."""
    validate_path(path)
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    by_run = sizes_by_run(runs, stages)
    axes.set_prop_cycle(color=plt.get_cmap("tab20").colors)  # 13+ stages: no repeated colours
    for stage in stages:
        points = [(i, sizes[stage]) for i, sizes in enumerate(by_run) if sizes[stage]]
        if points:
            axes.plot(*zip(*points, strict=True), marker="o", label=stage)
    labels = [
        f"{run.started[5:16].replace('T', ' ')}\n{(run.crate.get('git_commit') or '—')[:8]}"
        for run in runs
    ]
    axes.set_xticks(range(len(runs)), labels, fontsize=8)
    sizes = [size for by_stage in by_run for size in by_stage.values() if size]
    tallest = max(sizes, default=1)
    # A debug build 100x the size of the others would flatten every other line.
    size_axis(axes, log_scale=log_scale or tallest > 20 * min(sizes, default=1), tallest=tallest)
    axes.set_title(
        f"{runs[-1].crate.get('name')}: artifact size across {len(runs)} runs", fontsize=12
    )
    axes.legend(fontsize=8, frameon=False, ncols=2, loc="upper left", bbox_to_anchor=(1, 1))
    return save(plt, figure, path)
