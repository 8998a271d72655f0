"""Benchmark: Wasmtime's CLI down Wasmtime's own staircase, minbuild against the naive script.

The crate is wasmtime-cli 48.0.8 from crates.io, with its own Cargo.lock, fetched through cargo
as `minbuild try` fetches; its project file is examples/wasmtime/cli (copied in beside the
crate's Cargo.toml, with the test programs). One invocation runs:

  minbuild   `minbuild min-build` of the stages asked for (default: all 13), built, measured
             and tested; with --shards N, as a CI matrix would: N runs of `--shard I/N`, one
             after another, each in its own state dir and timed, then `minbuild merge`
  naive      the same stages' `cargo build` lines as minbuild plans them, typed into a script:
             one target dir, no measuring, no testing

and closes with the ratio of the two wall times. bench/wasmtime_tables.py writes
docs/wasmtime.md's tables from the runs.

Usage: python bench/wasmtime_staircase.py run [--work DIR] [--stages a,b] [--shards N] [--cache]
                                    [--no-naive]
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from pathlib import Path

from staircase_speed import Crate, breakdown, minbuild, naive_script, run_naive

from minbuild.runs.records import latest, load
from minbuild.rust import fetch, toolchains

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


def run_minbuild(
    crate: Crate, work: Path, stages: str | None, shards: int, cache: bool
) -> list[Timed]:
    """minbuild's run (or its shards, then their merge), each step timed."""
    picked = ["--stages", stages] if stages else []
    cached = ["--cache", "sccache", "--cache-dir", str(work / "sccache")] if cache else []
    config = ["--config", str(crate.config)]
    if shards <= 1:
        state = work / "state"
        seconds = minbuild(
            ["min-build", *config, "--state-dir", str(state), *picked, *cached], crate.config.parent
        )
        return [Timed("min-build", seconds)]
    timed, documents = [], []
    for index in range(1, shards + 1):
        state = work / f"shard-{index}"
        args = ["min-build", *config, "--state-dir", str(state), "--shard", f"{index}/{shards}"]
        seconds = minbuild([*args, *picked, *cached], crate.config.parent)
        timed.append(Timed(f"shard {index}/{shards}", seconds))
        documents.append(str(latest(state / "runs")))
    merged = ["merge", "--state-dir", str(work / "state"), *documents]
    timed.append(Timed("merge", minbuild(merged, crate.config.parent)))
    return timed


def run_command(args: argparse.Namespace) -> None:
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    directory = prepare(work)
    crate = Crate("wasmtime-cli", directory / "minbuild.yaml", directory / "src" / "lib.rs")
    print(f"{NAME} {VERSION} in {directory}", flush=True)
    timed = run_minbuild(crate, work, args.stages, args.shards, args.cache)
    for step in timed:
        print(f"  minbuild {step.what}: {step.seconds:.0f}s", flush=True)
    run = load(latest(work / "state" / "runs"))
    print("\n".join(breakdown(run)), flush=True)
    if args.no_naive:
        return
    script = work / "naive.sh"
    # planned in the run's state dir, whose toolchain check (a `cargo check`) it reuses
    lines = naive_script(crate, work / "state", args.stages)
    script.write_text("\n".join(lines) + "\n")
    target = work / "naive-target"
    shutil.rmtree(target, ignore_errors=True)
    naive = run_naive(script, target, directory)
    ours = sum(step.seconds for step in timed)
    print(f"naive script ({script}): {naive:.0f}s")
    print(f"minbuild / naive: {ours:.0f}s / {naive:.0f}s = {ours / naive:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="minbuild's staircase, then the naive script's")
    run.add_argument("--work", type=Path, default=Path("wasmtime-bench"))
    run.add_argument("--stages", help="these stages only (comma-separated; default: all)")
    run.add_argument("--shards", type=int, default=1, help="as N CI jobs, then merged")
    run.add_argument("--cache", action="store_true", help="through sccache (in --work)")
    run.add_argument("--no-naive", action="store_true", help="minbuild's run only")
    run.set_defaults(handler=run_command)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
