"""Benchmark: Wasmtime's CLI down Wasmtime's own staircase, minbuild against the naive script.

The crate is wasmtime-cli 48.0.8 from crates.io, with its own Cargo.lock, fetched through cargo
as `minbuild try` fetches; its project file is examples/wasmtime/cli (copied in beside the
crate's Cargo.toml, with the test programs). One invocation times, in this order:

  minbuild cold     `minbuild min-build` of the stages asked for (default: all 13) in a new
                    state dir, built, measured and tested (with --cache: through sccache, its
                    cache dir new too, so this run fills it)
  minbuild re-run   the same command again: every stage fresh, measured and tested again
  naive cold        the same stages' `cargo build` lines as minbuild plans them, typed into a
                    script: one new target dir, no measuring, no testing
  naive re-run      the script again
  CI shards         with --shards N (and --cache): the host jobs `minbuild ci-matrix --shards N`
                    gives (each its share of the stages, as a CI workflow runs them), one
                    after another as on fresh runners, each in a new state dir with the cache
                    the cold run filled, then `minbuild merge` of their run documents

and closes with the ratio of the two cold runs, the re-runs' difference (and with shards, the
slowest shard against the cold run).
bench/wasmtime_tables.py writes docs/wasmtime.md's tables from the runs.

Usage: python bench/wasmtime_staircase.py run [--work DIR] [--stages a,b] [--shards N] [--cache]
       python bench/wasmtime_staircase.py shards [--work DIR] [--stages a,b] [--shards N]
         (the CI phase again, over the cache a `run --cache` in the same --work filled)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from staircase_speed import Crate, Naive, breakdown, minbuild

from minbuild.runs.records import latest, load
from minbuild.rust import fetch, toolchains
from minbuild.util import command

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "examples" / "wasmtime" / "cli"
NAME, VERSION = "wasmtime-cli", "48.0.8"


def prepare(work: Path) -> Path:
    """The crate's directory under `work`: fetched through cargo (as `minbuild try` fetches)
    the first time, with the project file and its programs copied in every time."""
    directory = work / f"{NAME}-{VERSION}"
    if not fetch.holds(directory, NAME, VERSION):
        candidate = toolchains.resolve((), None).toolchain.candidate
        spec = fetch.parse_spec(f"{NAME}@{VERSION}")
        with fetch.workspace(work, NAME) as scratch:
            published = fetch.resolve(spec, scratch, candidate.cargo, candidate.env)
            fetch.copy_out(published, directory, scratch)
    shutil.copytree(PROJECT, directory, dirs_exist_ok=True)
    return directory


@dataclass(frozen=True)
class Timed:
    what: str
    seconds: float


def min_build(crate: Crate, state: Path, options: list[str]) -> float:
    """`minbuild min-build` of the crate into `state`; its wall time."""
    args = ["min-build", "--config", str(crate.config), "--state-dir", str(state), *options]
    return minbuild(args, crate.config.parent).wall


def ci_jobs(crate: Crate, work: Path, shards: int, stages: str | None) -> list[list[str]]:
    """The min-build arguments of each host job of `minbuild ci-matrix`, as a user's CI
    workflow takes them (each job its share of the stages)."""
    argv = [sys.executable, "-m", "minbuild", "ci-matrix", "--config", str(crate.config)]
    argv += ["--state-dir", str(work / "ci-matrix"), "--shards", str(shards)]
    argv += ["--stages", stages] if stages else []
    matrix = json.loads(command.run(argv, cwd=crate.config.parent).stdout)
    return [shlex.split(job["args"]) for job in matrix["include"] if job["command"] == "min-build"]


def ci_shards(crate: Crate, work: Path, jobs: list[list[str]], options: list[str]) -> list[Timed]:
    """Each job on a fresh runner (a new state dir, the cache kept), then the merge."""
    timed, documents = [], []
    for index, job in enumerate(jobs, start=1):
        state = work / f"ci-shard-{index}"
        shutil.rmtree(state, ignore_errors=True)
        seconds = min_build(crate, state, [*options, *job])
        run = load(latest(state / "runs"))
        built = ", ".join(f"{stage.name} {stage.build_seconds or 0:.0f}s" for stage in run.stages)
        timed.append(Timed(f"shard {index}/{len(jobs)} ({built})", seconds))
        documents.append(str(latest(state / "runs")))
    merged = ["merge", "--state-dir", str(work / "ci-merged"), *documents]
    timed.append(Timed("merge", minbuild(merged, crate.config.parent).wall))
    return timed


def shards_command(args: argparse.Namespace) -> float:
    """The CI phase: the jobs ci-matrix gives, through the cache an earlier cold run filled
    (`run --cache` in the same --work). Returns the slowest job's seconds."""
    work = args.work.resolve()
    crate = _crate(prepare(work))
    options = ["--cache", "sccache", "--cache-dir", str(work / "sccache")]
    jobs = ci_jobs(crate, work, args.shards, args.stages)
    print(f"CI: {len(jobs)} shards on fresh runners, the cache the cold run filled", flush=True)
    timed = ci_shards(crate, work, jobs, options)
    for step in timed:
        print(f"  {step.what}: {step.seconds:.0f}s", flush=True)
    return max(step.seconds for step in timed if step.what.startswith("shard"))


def _crate(directory: Path) -> Crate:
    return Crate("wasmtime-cli", directory / "minbuild.yaml", directory / "src" / "lib.rs")


def run_command(args: argparse.Namespace) -> None:
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    directory = prepare(work)
    crate = _crate(directory)
    options = ["--stages", args.stages] if args.stages else []
    if args.cache:
        shutil.rmtree(work / "sccache", ignore_errors=True)
        options += ["--cache", "sccache", "--cache-dir", str(work / "sccache")]
    state = work / "state"
    shutil.rmtree(state, ignore_errors=True)
    print(f"{NAME} {VERSION} in {directory}: {args.stages or 'all stages'}", flush=True)

    cold = min_build(crate, state, options)
    print(f"minbuild cold: {cold:.0f}s", flush=True)
    print("\n".join(breakdown(load(latest(state / "runs")))), flush=True)
    rerun = min_build(crate, state, options)
    print(f"minbuild re-run: {rerun:.1f}s", flush=True)

    script = work / "naive.sh"
    # planned in the run's state dir, whose toolchain check (a `cargo check`) it reuses
    naive = Naive.planned(dataclasses.replace(crate, stages=args.stages), state)
    script.write_text(naive.script())
    target = work / "naive-target"
    shutil.rmtree(target, ignore_errors=True)
    naive_cold = naive.run(target)[0].wall
    print(f"naive cold ({script}): {naive_cold:.0f}s", flush=True)
    naive_rerun = naive.run(target)[0].wall
    print(f"naive re-run: {naive_rerun:.1f}s", flush=True)

    closing = [
        f"cold: minbuild / naive = {cold:.0f}s / {naive_cold:.0f}s = {cold / naive_cold:.2f}x",
        f"re-run: minbuild - naive = {rerun - naive_rerun:+.1f}s",
    ]
    print("\n".join(closing), flush=True)
    if args.shards > 1 and args.cache:
        slowest = shards_command(args)
        closing.append(f"CI: slowest shard / minbuild cold = {slowest / cold:.2f}x")
        print("\n".join(closing))  # the closing figures again, after the shards' lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="minbuild's staircase, then the naive script's")
    run.add_argument("--work", type=Path, default=Path("wasmtime-bench"))
    run.add_argument("--stages", help="these stages only (comma-separated; default: all)")
    run.add_argument(
        "--shards", type=int, default=1, help="with --cache: then as N CI jobs, and merged"
    )
    run.add_argument("--cache", action="store_true", help="through sccache (in --work)")
    run.set_defaults(handler=run_command)
    shards = commands.add_parser("shards", help="the CI phase only, after `run --cache`")
    shards.add_argument("--work", type=Path, default=Path("wasmtime-bench"))
    shards.add_argument("--stages", help="these stages only (comma-separated; default: all)")
    shards.add_argument("--shards", type=int, default=2, help="CI jobs")
    shards.set_defaults(handler=shards_command)
    args = parser.parse_args()
    if args.command == "run" and args.shards > 1 and not args.cache:
        parser.error("--shards needs --cache: the CI jobs start from the cache the cold run fills")
    args.handler(args)


if __name__ == "__main__":
    main()
