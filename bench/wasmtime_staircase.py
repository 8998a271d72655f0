"""Benchmark: Wasmtime's CLI down Wasmtime's own staircase, minbuild against the naive script.

The crate is wasmtime-cli 48.0.8 from crates.io, with its own Cargo.lock, fetched through cargo
as `minbuild try` fetches; its project file is examples/wasmtime/cli (copied in beside the
crate's Cargo.toml, with the test programs). One invocation runs:

  minbuild   `minbuild min-build` of the stages asked for (default: all 13), built, measured
             and tested; with --shards N, as a CI matrix would: N runs of `--shard I/N`, one
             after another, each in its own state dir and timed, then `minbuild merge`
  naive      the same stages' `cargo build` lines as minbuild plans them, typed into a script:
             one target dir, no measuring, no testing

and closes with the ratio of the two wall times. `tables` writes docs/wasmtime.md's tables from
a run: our sizes beside the ones Wasmtime's documentation published.

Usage: python bench/wasmtime_staircase.py run [--work DIR] [--stages a,b] [--shards N] [--cache]
                                    [--no-naive]
       python bench/wasmtime_staircase.py tables --state-dir DIR [--docs docs/wasmtime.md]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from staircase_speed import Crate, breakdown, minbuild, naive_script, run_naive

from minbuild.report.anatomy import parts_cells
from minbuild.runs.records import RunRecord, latest, load
from minbuild.runs.rows import toolchain_label
from minbuild.rust import fetch, toolchains
from minbuild.util.text import md_table

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "examples" / "wasmtime" / "cli"
NAME, VERSION = "wasmtime-cli", "48.0.8"
DOCS = REPO / "docs" / "wasmtime.md"
BEGIN = "<!-- tables: begin (python bench/wasmtime_staircase.py tables) -->"
END = "<!-- tables: end -->"

# What "Building a Minimal Wasmtime embedding" published, in bytes as the page rounds them
# (M = 2**20, K = 2**10): the CLI's table (2023-10-18, macOS aarch64, wasmtime 14) and the C
# API's (2024-12-12, Linux x86_64, libwasmtime.so). None: the page has no such row.
M, K = 2**20, 2**10
PUBLISHED: dict[str, tuple[float | None, float | None]] = {
    "debug": (140 * M, 260 * M),
    "release": (33 * M, 19 * M),
    "no-default-features": (6.7 * M, 2.1 * M),
    "disable-logging": (6.7 * M, 2.1 * M),
    "opt-level-s": (6.8 * M, 2.4 * M),
    "panic-abort": (5.0 * M, 2.0 * M),
    "lto": (3.3 * M, 1.2 * M),
    "codegen-units-1": (3.3 * M, 1.2 * M),
    "strip-debuginfo": (2.4 * M, 1.2 * M),
    "location-detail": (2.4 * M, 1.2 * M),
    "build-std": (2.3 * M, 941 * K),
    "build-std-features": (2.1 * M, 784 * K),
    "panic-immediate-abort": (None, 698 * K),
}
FLAG_POINTS = 5.0
"""A step whose relative change differs from the page's by more than this is explained."""


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


def size(value: float | None) -> str:
    if value is None:
        return "—"
    for unit, scale in (("M", M), ("K", K)):
        if value >= scale:
            return f"{value / scale:.1f}{unit}"
    return f"{value:.0f}"


def step(before: float | None, now: float | None) -> float | None:
    """The stage's change against the stage above it, in percent."""
    if before is None or now is None or before == 0:
        return None
    return (now / before - 1) * 100


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.0f}%"


def tables(run: RunRecord) -> list[str]:
    """Markdown: each stage's size and step, ours beside the page's two tables; a step more
    than FLAG_POINTS away from the page's CLI step is marked (the text explains each). Every
    stage of the page has a row: one the run has not built (yet) says so."""
    headers = ["#", "stage", "ours", "step", "tests", "CLI 2023", "step", "C API 2024", "step"]
    headers.append("vs CLI step")
    built = {stage.name: stage for stage in run.stages}
    rows: list[list[str]] = []
    before: tuple[float | None, float | None, float | None] = (None, None, None)
    for number, (name, (cli, capi)) in enumerate(PUBLISHED.items()):
        stage = built.get(name)
        ours = float(stage.size_bytes) if stage and stage.size_bytes is not None else None
        ours_step, cli_step, capi_step = (
            step(before[0], ours),
            step(before[1], cli),
            step(before[2], capi),
        )
        if stage is None:
            tests = "not built yet"
        elif stage.tests_run:
            tests = f"{stage.tests_passed}/{stage.tests_run}"
        else:
            tests = stage.status
        apart = None if ours_step is None or cli_step is None else ours_step - cli_step
        mark = (
            "—"
            if apart is None
            else f"{apart:+.0f} pt{' **⚑**' if abs(apart) > FLAG_POINTS else ''}"
        )
        cells = [str(number), name, size(ours), percent(ours_step), tests]
        cells += [size(cli), percent(cli_step), size(capi), percent(capi_step), mark]
        rows.append(cells)
        before = (ours, cli, capi)
    return md_table(headers, rows, "l" * 10)


def tables_command(args: argparse.Namespace) -> None:
    run = load(latest(args.state_dir / "runs"))
    lines = [
        f"Run `{run.run_id}` ({toolchain_label(run.toolchain)}, {run.host}):",
        "",
        *tables(run),
    ]
    headers, named = parts_cells(run.stages)
    if named:  # the project file's parts: WASI, clap, formatting, the compiler
        lines += ["", "The project file's parts, stage by stage (code, % of it):", ""]
        lines += md_table(headers, named, "l" + "r" * (len(headers) - 1))
    text = "\n".join(lines)
    docs = args.docs.read_text()
    if BEGIN not in docs or END not in docs:
        sys.exit(f"{args.docs}: no {BEGIN} … {END} markers to write between")
    before, rest = docs.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    args.docs.write_text(f"{before}{BEGIN}\n{text}\n{END}{after}")
    print(text)


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
    table = commands.add_parser("tables", help="docs/wasmtime.md's tables from a run")
    table.add_argument("--state-dir", type=Path, required=True)
    table.add_argument("--docs", type=Path, default=DOCS)
    table.set_defaults(handler=tables_command)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
