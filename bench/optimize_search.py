"""Benchmark: optimize's greedy search against the exhaustive grid of a subspace, in one
invocation, on the same crate, each in a fresh state dir (cold): builds each used, the best
size each found, and the time each took. The subspace (bench/optimize_space.yaml with the
bundled opt-level, lto and codegen-units) has 4 x 3 x 2 x 2 = 48 points. Usage:

    python bench/optimize_search.py [--config config/demo.yaml] [--from release] [--parallel 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.resolve import build_request
from minbuild.optimize.points import references
from minbuild.optimize.prepare import Prepared, prepare
from minbuild.optimize.search import search
from minbuild.runs.progress import Silent

HERE = Path(__file__).resolve().parent
SETTINGS = ("opt-level", "lto", "codegen-units", "panic")


def project_file(config: Path, scratch: Path) -> Path:
    """`config` searching the bench's subspace (paths made absolute: it moves to `scratch`)."""
    text = config.read_text().replace("../", f"{config.resolve().parent.parent}/")
    text = text.replace("size_baseline: size-baseline.json", "")
    text += f"\noptimize: {{space: {HERE / 'optimize_space.yaml'}, settings: {list(SETTINGS)}}}\n"
    path = scratch / "minbuild.yaml"
    path.write_text(text)
    return path


@dataclass(frozen=True)
class Found:
    """What one way of searching found, and what it cost."""

    builds: int
    best_size: int
    best: dict[str, str]
    seconds: float


def prepared(config: Path, scratch: str, start: str, parallel: int) -> Prepared:
    options = BuildOptions(
        config=project_file(config, Path(scratch)), state_dir=Path(scratch), parallel=parallel
    )
    return prepare(build_request(options, os.environ), start, (), (), Silent())


def greedy(config: Path, start: str, parallel: int) -> Found:
    """The search as `minbuild optimize` runs it, with its references in round 0 (its
    leave-one-out builds not counted)."""
    with tempfile.TemporaryDirectory(prefix="minbuild-bench-greedy-") as scratch:
        ready = prepared(config, scratch, start, parallel)
        started = time.monotonic()
        compared = references(ready.space, ready.point)
        result = search(ready.space, ready.point, ready.builder, references=compared)
        seconds = time.monotonic() - started
        winner = result.trials[result.winner or ""]
        return Found(result.used, winner.size or 0, dict(winner.point), round(seconds, 1))


def grid(config: Path, start: str, parallel: int) -> Found:
    """Every point of the subspace, in one batch of lanes."""
    with tempfile.TemporaryDirectory(prefix="minbuild-bench-grid-") as scratch:
        ready = prepared(config, scratch, start, parallel)
        names = [s.name for s in ready.space.settings]
        points = [
            {**ready.point, **dict(zip(names, combo, strict=True))}
            for combo in itertools.product(*(s.labels for s in ready.space.settings))
        ]
        started = time.monotonic()
        found = ready.builder(points)
        seconds = time.monotonic() - started
        accepted = [trial for trial, _ in found if trial.accepted and trial.size is not None]
        best = min(accepted, key=lambda trial: trial.size or 0)
        builds = len({trial.key for trial, _ in found})
        return Found(builds, best.size or 0, dict(best.point), round(seconds, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/demo.yaml"))
    parser.add_argument("--from", dest="start", default="release")
    parser.add_argument("--parallel", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.config} from {args.start}; {', '.join(SETTINGS)}")
    searched = greedy(args.config, args.start, args.parallel)
    print(f"  greedy: {searched}")
    exhaustive = grid(args.config, args.start, args.parallel)
    print(f"  grid:   {exhaustive}")
    print(
        json.dumps(
            {
                "greedy_builds": searched.builds,
                "grid_builds": exhaustive.builds,
                "builds_ratio": round(searched.builds / exhaustive.builds, 3),
                "greedy_best": searched.best_size,
                "grid_best": exhaustive.best_size,
                "greedy_over_grid_size": round(searched.best_size / exhaustive.best_size, 4),
                "time_ratio": round(searched.seconds / exhaustive.seconds, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
