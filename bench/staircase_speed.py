"""Benchmark: minbuild's staircase against the same cargo commands typed as a script.

The naive baseline is what a person does by hand: one `cargo build` per stage, one after
another, in one target dir, with the very commands and environment minbuild plans (the same
toolchain, settings and skips), and no measuring or testing. Against it, in one invocation and
alternating, at least two rounds each, on the demo, on hexyl (from Debian's registry) and on
published crates (NAME@VERSION, fetched as `minbuild try` fetches them):

  cold       a fresh state dir, no cache: the staircase, built, measured and tested
  CI case    the state dir emptied (a fresh runner, the same checkout path) after a one-line
             change in the top crate, with a warm sccache
  re-run     nothing changed: minbuild again against the script again
  own time   minbuild's time outside cargo and the tests, in the cold run
  floor      each side's CPU time over the cores: no placement of that work is faster

`--before-std` stops every staircase before its first build-std stage (`--to`), as a stable
toolchain or a team that stops there does; it skips the CI case, and prints the script's
stages one by one, each with its wall and CPU time: where the cores sit idle.

Usage: python bench/staircase_speed.py [--crate demo] [--crate hexyl] [--crate sd@1.0.0]
                                     [--rounds 2] [--before-std] [--keep DIR]
                                     [--minbuild-arg=--parallel=1]
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
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


CORES = os.cpu_count() or 1


@dataclass(frozen=True)
class Crate:
    """A project to time: its project file and the source file the CI case changes."""

    name: str
    config: Path
    changed: Path
    extra: tuple[str, ...] = ()
    """More options for every min-build (--minbuild-arg), e.g. --parallel=1."""
    stages: str | None = None
    """The comma-separated stages both sides build (None: every stage)."""


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


def published(spec: str, work: Path) -> Crate:
    """A crate from crates.io as `minbuild try` fetches it (its release stage built once,
    in a state dir of its own), then its project file as `try` wrote it."""
    name = spec.split("@")[0]
    crate_dir = work / name
    if not (crate_dir / "minbuild.yaml").exists():
        state = work / "try-state"
        minbuild(
            ["try", spec, "--dir", str(crate_dir), "--state-dir", str(state), "--stage", "release"],
            work,
        )
        shutil.rmtree(state)
    changed = next(
        p for p in (crate_dir / "src" / "lib.rs", crate_dir / "src" / "main.rs") if p.exists()
    )
    return Crate(name, crate_dir / "minbuild.yaml", changed)


@dataclass
class Spent:
    """A command's wall time and the CPU time of every process it ran."""

    wall: float = 0.0
    cpu: float = 0.0

    def __iadd__(self, other: Spent) -> Spent:
        self.wall, self.cpu = self.wall + other.wall, self.cpu + other.cpu
        return self


def spent(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Spent:
    """Run argv; its wall time, and its children's CPU time (user and system), which the
    kernel adds up as each is waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = command.run(argv, cwd=cwd, env=env, timeout=7200)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Spent(done.seconds, cpu)


def minbuild(args: list[str], cwd: Path) -> Spent:
    """`python -m minbuild ARGS` as a user runs it."""
    return spent([sys.executable, "-m", "minbuild", *args], cwd)


def min_build(crate: Crate, state: Path, *extra: str) -> Spent:
    """`minbuild min-build` of the crate's staircase (or its `stages`) in `state`."""
    args = ["min-build", "--config", str(crate.config), "--state-dir", str(state)]
    args += [*(["--stages", crate.stages] if crate.stages else []), *crate.extra, *extra]
    return minbuild(args, crate.config.parent)


def before_std(crate: Crate, plan_state: Path) -> str:
    """The crate's stages before its first build-std stage, comma-separated."""
    options = BuildOptions(config=crate.config, state_dir=plan_state, parallel=1)
    staircase = planner.prepare(build_request(options, os.environ)).staircase
    first = next((n for n, s in enumerate(staircase) if s.build_std), len(staircase))
    return ",".join(stage.name for stage in staircase[:first])


@dataclass(frozen=True)
class Naive:
    """The script: each stage's `cargo build` as minbuild plans it for the staircase (or the
    comma-separated `stages`), all in one target dir instead of minbuild's. A pick of stages
    that cannot make the tests' fixtures has minbuild build one more stage first (a compiler
    to precompile modules with): the script builds it too."""

    crate_dir: Path
    builds: tuple[tuple[str, tuple[str, ...], dict[str, str]], ...]
    """Each build's stage, command line (its target dir @TARGET@) and variables."""

    @classmethod
    def planned(cls, crate: Crate, plan_state: Path) -> Naive:
        picked = tuple(crate.stages.split(",")) if crate.stages else ()
        options = BuildOptions(config=crate.config, state_dir=plan_state, stages=picked, parallel=1)
        plan = planner.prepare(build_request(options, os.environ))
        builds = []
        for build in (*plan.prelude, *plan.builds):
            if build.skip:
                continue
            argv = list(build.invocation.argv)
            argv[argv.index("--target-dir") + 1] = "@TARGET@"
            builds.append((build.stage.name, tuple(argv), dict(build.invocation.env)))
        return cls(plan.project.crate_dir, tuple(builds))

    def script(self) -> str:
        """As a person types it: the target dir is $1."""
        lines = ["set -e", command.shell_line(["cd", str(self.crate_dir)])]
        for _, argv, env in self.builds:
            lines.append(command.shell_line(argv, env).replace("@TARGET@", '"$1"'))
        return "\n".join(lines) + "\n"

    def run(self, target_dir: Path) -> tuple[Spent, list[tuple[str, Spent]]]:
        """The script's lines one after another, as bash would run them; the whole, and each
        stage's wall and CPU time."""
        stages, whole = [], Spent()
        for name, argv, env in self.builds:
            line = [str(target_dir) if arg == "@TARGET@" else arg for arg in argv]
            took = spent(line, self.crate_dir, env)
            stages.append((name, took))
            whole += took
        return whole, stages


@dataclass
class Figures:
    """Seconds per round of each measurement."""

    naive_cold: list[float]
    naive_rerun: list[float]
    cold: list[float]
    rerun: list[float]
    ci_case: list[float]
    own: list[float]
    naive_cpu: list[float]
    """The script's CPU time in each cold round."""
    cold_cpu: list[float]
    """minbuild's CPU time (its own, cargo's, the tests') in each cold round."""
    runs: list[RunRecord]
    ci_runs: list[RunRecord]
    naive_stages: list[tuple[str, Spent]]
    """The last cold round of the script, stage by stage."""


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


def measure(crate: Crate, work: Path, rounds: int, ci_case: bool) -> Figures:
    figures = Figures([], [], [], [], [], [], [], [], [], [], [])
    naive = Naive.planned(crate, work / "plan-state")
    (work / f"{crate.name}-naive.sh").write_text(naive.script())  # for a person to read
    cached = ("--cache", "sccache", "--cache-dir", str(work / "sccache"))
    # A CI runner checks out to the same path every time, so its fresh state dir has the same
    # path as the one that filled the cache: sccache keys a crate that include!s its build
    # script's output by that output's absolute path (sccache issue #2870).
    ci_state = work / "ci"
    if ci_case:
        min_build(crate, ci_state, *cached)  # fills the cache the CI case finds
    original = crate.changed.read_text()
    for number in range(rounds):
        target, state = work / f"naive-{number}", work / f"state-{number}"

        def script(target: Path = target) -> None:
            cold, figures.naive_stages = naive.run(target)
            figures.naive_cold.append(cold.wall)
            figures.naive_cpu.append(cold.cpu)
            figures.naive_rerun.append(naive.run(target)[0].wall)

        def mine(state: Path = state) -> None:
            cold_run(crate, state, figures)
            figures.rerun.append(min_build(crate, state).wall)

        for step in (mine, script) if number % 2 else (script, mine):
            step()
        if ci_case:
            crate.changed.write_text(f"{original}\n// bench round {number}: a one-line change\n")
            shutil.rmtree(ci_state)
            figures.ci_case.append(min_build(crate, ci_state, *cached).wall)
            figures.ci_runs.append(load(latest(ci_state / "runs")))
            crate.changed.write_text(original)
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
    return figures


def cold_run(crate: Crate, state: Path, figures: Figures) -> None:
    spawned = datetime.now().astimezone()
    took = min_build(crate, state)
    run = load(latest(state / "runs"))
    figures.cold.append(took.wall)
    figures.cold_cpu.append(took.cpu)
    figures.own.append(own_seconds(run, took.wall, spawned, cargo_check_spans(state, spawned)))
    figures.runs.append(run)


def report(name: str, f: Figures) -> list[str]:
    med = statistics.median
    cold, naive = med(f.cold), med(f.naive_cold)
    rerun, naive_rerun, own = med(f.rerun), med(f.naive_rerun), med(f.own)
    floor, naive_floor = med(f.cold_cpu) / CORES, med(f.naive_cpu) / CORES
    rows = [
        ("cold staircase, no cache", cold, naive, f"{cold / naive:.2f}x", "<= 0.80x"),
        ("  floor: CPU time / cores", floor, naive_floor, f"{floor / naive:.2f}x", ""),
    ]
    if f.ci_case:
        ci = med(f.ci_case)
        rows.append(
            ("CI case (fresh, warm sccache, 1-line)", ci, naive, f"{ci / naive:.2f}x", "<= 0.30x")
        )
    rows += [
        ("unchanged re-run", rerun, naive_rerun, f"{rerun - naive_rerun:+.2f}s", "<= +1 s"),
        ("minbuild's own time in a cold run", own, cold, f"{own / cold:.1%}", "<= 3%"),
    ]
    return [f"{f'{name}: {a}':<46} {b:8.1f}s {c:8.1f}s {d:>8} {e:>9}" for a, b, c, d, e in rows]


def naive_stages(stages: list[tuple[str, Spent]]) -> list[str]:
    """The script's stages one by one: how busy each kept the cores. A stage below 100%
    leaves the rest idle: its serial tail (the crate's own units, the link, build scripts)."""
    lines = []
    for name, took in stages:
        busy = took.cpu / took.wall / CORES if took.wall else 0.0
        lines.append(
            f"  {name:<24} wall {took.wall:6.1f}s  cpu {took.cpu:6.1f}s  cores busy {busy:4.0%}"
        )
    wall, cpu = sum(t.wall for _, t in stages), sum(t.cpu for _, t in stages)
    idle = wall * CORES - cpu
    busy = cpu / wall / CORES
    lines.append(f"  {'all':<24} wall {wall:6.1f}s  cpu {cpu:6.1f}s  cores busy {busy:4.0%}")
    lines.append(f"  idle: {idle:.1f} core-seconds, {idle / CORES:.1f}s of {CORES}-core wall time")
    return lines


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
    parser.add_argument("--crate", action="append", help="demo, hexyl or NAME@VERSION")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--before-std", action="store_true", help="every stage before the first build-std one"
    )
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    parser.add_argument(
        "--minbuild-arg", action="append", default=[], help="pass to every min-build too"
    )
    args = parser.parse_args()
    # minbuild as installed: pip compiles an installed package's bytecode, which a source
    # checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile again every run.
    compileall.compile_dir(Path(planner.__file__).parent.parent, quiet=1)
    work_root = args.keep or Path(tempfile.mkdtemp(prefix="minbuild-speed-"))
    case = "stages before build-std" if args.before_std else "every stage"
    print(f"{CORES} cores; {case}; {args.rounds} rounds each, alternating; medians")
    lines = [f"{'figure':<46} {'minbuild':>9} {'naive':>9} {'ratio':>8} {'target':>9}"]
    details: dict[str, list[str]] = {}
    for spec in args.crate or ["demo", "hexyl"]:
        name = spec.split("@")[0]
        work = work_root / name
        work.mkdir(parents=True, exist_ok=True)
        crate = (
            demo(work)
            if spec == "demo"
            else hexyl(work)
            if spec == "hexyl"
            else published(spec, work)
        )
        stages = before_std(crate, work / "plan-state") if args.before_std else None
        crate = dataclasses.replace(crate, extra=tuple(args.minbuild_arg), stages=stages)
        figures = measure(crate, work, args.rounds, ci_case=not args.before_std)
        lines += report(name, figures)
        details[f"{name}, the last cold run"] = breakdown(figures.runs[-1])
        details[f"{name}, the script's last cold run"] = naive_stages(figures.naive_stages)
        if figures.ci_case:
            slowest = max(range(len(figures.ci_case)), key=figures.ci_case.__getitem__)
            details[f"{name}, the slowest CI case (round {slowest + 1})"] = breakdown(
                figures.ci_runs[slowest]
            )
        details[f"{name}, every round"] = [
            *lane_loads("cold", figures.runs, figures.cold),
            *lane_loads("CI case", figures.ci_runs, figures.ci_case),
        ]
        numbers = {
            k: v for k, v in vars(figures).items() if not k.endswith("runs") and k != "naive_stages"
        }
        print(json.dumps({name: numbers}), flush=True)
    print("\n".join(lines))
    for title, rows in details.items():
        print(f"\n{title}, per stage:")
        print("\n".join(rows))
    if args.keep is None:
        shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
