"""Benchmark: minbuild's whole staircase against the same cargo commands typed as a script.

The naive baseline is what a person does by hand: one `cargo build` per stage, one after
another, in one target dir, with the very commands and environment minbuild plans (the same
toolchain, settings and skips), and no measuring or testing. Against it, in one invocation and
alternating, at least two rounds each, on the demo and on a real crate (hexyl, from Debian's
registry):

  cold       a fresh state dir, no cache: the full staircase, built, measured and tested
  CI case    the state dir emptied (a fresh runner, the same checkout path) after a one-line
             change in the top crate, with a warm sccache
  re-run     nothing changed: minbuild again against the script again
  own time   minbuild's time outside cargo and the tests, in the cold run

Usage: python bench/staircase_speed.py [--crate demo] [--crate hexyl] [--rounds 2] [--keep DIR]
                                     [--minbuild-arg=--parallel=1]
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.resolve import build_request
from minbuild.engine import planner
from minbuild.runs.records import RunRecord, StageRecord, latest, load
from minbuild.util import command

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.realcrates.conftest prepares a crate from the registry


@dataclass(frozen=True)
class Crate:
    """A project to time: its project file and the source file the CI case changes."""

    name: str
    config: Path
    changed: Path
    extra: tuple[str, ...] = ()
    """More options for every min-build (--minbuild-arg), e.g. --parallel=1."""


def demo(work: Path) -> Crate:
    """A copy of the demo and its project files (the CI case edits the crate)."""
    for folder in ("demo", "config"):
        shutil.copytree(REPO / folder, work / folder, ignore=shutil.ignore_patterns("target"))
    return Crate("demo", work / "config" / "demo.yaml", work / "demo" / "src" / "main.rs")


def hexyl(work: Path) -> Crate:
    """hexyl 0.8.0 out of Debian's registry, as a user prepares it, then `minbuild init`."""
    from tests.realcrates.conftest import prepare

    crate = prepare("hexyl", "0.8.0", work)
    minbuild(["init", "--state-dir", str(work / "init-state")], crate)
    return Crate("hexyl", crate / "minbuild.yaml", crate / "src" / "lib.rs")


def minbuild(args: list[str], cwd: Path) -> float:
    """`python -m minbuild ARGS` as a user runs it; its wall time."""
    started = time.monotonic()
    command.run([sys.executable, "-m", "minbuild", *args], cwd=cwd, timeout=7200)
    return time.monotonic() - started


def min_build(crate: Crate, state: Path, *extra: str) -> float:
    """`minbuild min-build` of the crate's whole staircase in `state`; its wall time."""
    args = ["min-build", "--config", str(crate.config), "--state-dir", str(state)]
    args += [*crate.extra, *extra]
    return minbuild(args, crate.config.parent)


def naive_script(crate: Crate, plan_state: Path, stages: str | None = None) -> list[str]:
    """The shell lines of the staircase minbuild plans (or of the comma-separated `stages`),
    each stage's `cargo build` as typed, all in one target dir ($1) instead of minbuild's
    lanes. A pick of stages that cannot make the tests' fixtures has minbuild build one more
    stage first (a compiler to precompile modules with): the script builds it too."""
    picked = tuple(stages.split(",")) if stages else ()
    options = BuildOptions(config=crate.config, state_dir=plan_state, stages=picked, parallel=1)
    plan = planner.prepare(build_request(options, os.environ))
    lines = ["set -e", command.shell_line(["cd", str(plan.project.crate_dir)])]
    for build in (*plan.prelude, *plan.builds):
        if build.skip:
            continue
        argv = list(build.invocation.argv)
        argv[argv.index("--target-dir") + 1] = "@TARGET@"
        lines.append(command.shell_line(argv, build.invocation.env).replace("@TARGET@", '"$1"'))
    return lines


def run_naive(script: Path, target_dir: Path, cwd: Path) -> float:
    started = time.monotonic()
    command.run(["bash", str(script), str(target_dir)], cwd=cwd, timeout=7200)
    return time.monotonic() - started


@dataclass
class Figures:
    """Seconds per round of each measurement."""

    naive_cold: list[float]
    naive_rerun: list[float]
    cold: list[float]
    rerun: list[float]
    ci_case: list[float]
    own: list[float]
    runs: list[RunRecord]
    ci_runs: list[RunRecord]


def cargo_check_spans(state: Path, spawned: datetime) -> list[tuple[float, float]]:
    """The toolchain choice's `cargo check` of the crate (cargo's time, not minbuild's, run in
    the first lane beside the others' builds), as (start, end) seconds after `spawned`. Its log
    is written when it ends; the log's second line says `# exit 0 after 6.2s`."""
    spans = []
    for log in (state / "logs" / "toolchain-check").glob("*.log"):
        status = log.read_text(errors="replace").splitlines()[1]
        seconds = float(status.rsplit(" ", 1)[1].rstrip("s"))
        end = log.stat().st_mtime - spawned.timestamp()
        spans.append((end - seconds, end))
    return spans


def own_seconds(
    run: RunRecord, wall: float, spawned: datetime, cargo: list[tuple[float, float]]
) -> float:
    """Wall time covered by no cargo build, no test of some stage and no other `cargo` span:
    planning, copying, hashing, writing documents, Python's start."""
    busy = list(cargo)
    for stage in run.stages:
        if stage.started is None or stage.ended is None:
            continue
        start = (datetime.fromisoformat(stage.started) - spawned).total_seconds()
        end = (datetime.fromisoformat(stage.ended) - spawned).total_seconds()
        tests = sum(test.seconds for test in stage.tests)
        busy += [(start, start + (stage.build_seconds or 0.0)), (end - tests, end)]
    covered, reach = 0.0, 0.0
    for start, end in sorted(busy):
        start = max(start, reach)
        if end > start:
            covered, reach = covered + end - start, end
    return wall - covered


def measure(crate: Crate, work: Path, rounds: int) -> Figures:
    figures = Figures([], [], [], [], [], [], [], [])
    script = work / f"{crate.name}-naive.sh"
    script.write_text("\n".join(naive_script(crate, work / "plan-state")) + "\n")
    cwd = crate.config.parent
    cached = ("--cache", "sccache", "--cache-dir", str(work / "sccache"))
    # A CI runner checks out to the same path every time, so its fresh state dir has the same
    # path as the one that filled the cache: sccache keys a crate that include!s its build
    # script's output by that output's absolute path (sccache issue #2870).
    ci_state = work / "ci"
    min_build(crate, ci_state, *cached)  # fills the cache the CI case finds
    original = crate.changed.read_text()
    for number in range(rounds):
        target, state = work / f"naive-{number}", work / f"state-{number}"

        def naive(target: Path = target) -> None:
            figures.naive_cold.append(run_naive(script, target, cwd))
            figures.naive_rerun.append(run_naive(script, target, cwd))

        def mine(state: Path = state) -> None:
            cold_run(crate, state, figures)
            figures.rerun.append(min_build(crate, state))

        for step in (mine, naive) if number % 2 else (naive, mine):
            step()
        crate.changed.write_text(f"{original}\n// bench round {number}: a one-line change\n")
        shutil.rmtree(ci_state)
        figures.ci_case.append(min_build(crate, ci_state, *cached))
        figures.ci_runs.append(load(latest(ci_state / "runs")))
        crate.changed.write_text(original)
        shutil.rmtree(target, ignore_errors=True)
    return figures


def cold_run(crate: Crate, state: Path, figures: Figures) -> None:
    spawned = datetime.now().astimezone()
    wall = min_build(crate, state)
    run = load(latest(state / "runs"))
    figures.cold.append(wall)
    figures.own.append(own_seconds(run, wall, spawned, cargo_check_spans(state, spawned)))
    figures.runs.append(run)


def report(name: str, f: Figures) -> list[str]:
    med = statistics.median
    cold, naive = med(f.cold), med(f.naive_cold)
    ci, rerun, naive_rerun, own = med(f.ci_case), med(f.rerun), med(f.naive_rerun), med(f.own)
    rows = [
        ("cold full staircase, no cache", cold, naive, f"{cold / naive:.2f}x", "<= 0.80x"),
        ("CI case (fresh, warm sccache, 1-line)", ci, naive, f"{ci / naive:.2f}x", "<= 0.30x"),
        ("unchanged re-run", rerun, naive_rerun, f"{rerun - naive_rerun:+.2f}s", "<= +1 s"),
        ("minbuild's own time in a cold run", own, cold, f"{own / cold:.1%}", "<= 3%"),
    ]
    return [f"{f'{name}: {a}':<46} {b:8.1f}s {c:8.1f}s {d:>8} {e:>9}" for a, b, c, d, e in rows]


def breakdown(run: RunRecord) -> list[str]:
    """Where a cold run's time went, per stage: lane, build, tests."""

    def line(stage: StageRecord) -> str:
        tests = sum(test.seconds for test in stage.tests)
        build = f"{stage.build_seconds:6.1f}s" if stage.build_seconds is not None else "      —"
        lane = "-" if stage.lane is None else stage.lane
        cache = stage.cache
        hits = f"  cache {cache.hits}/{cache.hits + cache.misses} hit" if cache else ""
        return (
            f"  {stage.name:<24} lane {lane}  build {build}  tests {tests:5.1f}s  "
            f"{stage.status}{hits}"
        )

    return [line(stage) for stage in run.stages]


def lane_loads(kind: str, runs: list[RunRecord], walls: list[float]) -> list[str]:
    """Each round's seconds of builds and tests per lane, beside its wall time: how close
    the lanes came to each other, and what was left outside them."""
    lines = []
    for number, (run, wall) in enumerate(zip(runs, walls, strict=True), start=1):
        loads: dict[int, float] = {}
        for stage in run.stages:
            busy = (stage.build_seconds or 0.0) + sum(test.seconds for test in stage.tests)
            loads[stage.lane or 0] = loads.get(stage.lane or 0, 0.0) + busy
        held = ", ".join(f"{loads[lane]:.1f}s" for lane in sorted(loads))
        lines.append(f"  {kind} round {number}: wall {wall:.1f}s; lanes {held}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crate", action="append", choices=("demo", "hexyl"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    parser.add_argument(
        "--minbuild-arg", action="append", default=[], help="pass to every min-build too"
    )
    args = parser.parse_args()
    # minbuild as installed: pip compiles an installed package's bytecode, which a source
    # checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile again every run.
    compileall.compile_dir(Path(planner.__file__).parent.parent, quiet=1)
    work_root = args.keep or Path(tempfile.mkdtemp(prefix="minbuild-speed-"))
    print(f"{os.cpu_count()} cores; {args.rounds} rounds each, alternating; medians")
    lines = [f"{'figure':<46} {'minbuild':>9} {'naive':>9} {'ratio':>8} {'target':>9}"]
    details: dict[str, list[str]] = {}
    for name in args.crate or ["demo", "hexyl"]:
        work = work_root / name
        work.mkdir(parents=True, exist_ok=True)
        crate = demo(work) if name == "demo" else hexyl(work)
        crate = dataclasses.replace(crate, extra=tuple(args.minbuild_arg))
        figures = measure(crate, work, args.rounds)
        lines += report(name, figures)
        details[f"{name}, the last cold run"] = breakdown(figures.runs[-1])
        slowest = max(range(len(figures.ci_case)), key=figures.ci_case.__getitem__)
        details[f"{name}, the slowest CI case (round {slowest + 1})"] = breakdown(
            figures.ci_runs[slowest]
        )
        details[f"{name}, every round"] = [
            *lane_loads("cold", figures.runs, figures.cold),
            *lane_loads("CI case", figures.ci_runs, figures.ci_case),
        ]
        numbers = {k: v for k, v in vars(figures).items() if not k.endswith("runs")}
        print(json.dumps({name: numbers}))
    print("\n".join(lines))
    for title, rows in details.items():
        print(f"\n{title}, per stage:")
        print("\n".join(rows))
    if args.keep is None:
        shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
