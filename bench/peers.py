"""Benchmark: minbuild beside the tools Rust users already trust, on the same bytes.

For each crate (the demo, and published crates fetched as `minbuild try` fetches them), in one
invocation: the staircase, then cargo-bloat, llvm-size, twiggy, cargo-hack, cargo-wizard and
cargo size asked the question minbuild answers, every figure measured in this run. Prints a
markdown page (docs/compared.md is its output).

The peers, once per machine (a missing one is skipped with one line):
    cargo install cargo-bloat twiggy cargo-hack cargo-wizard cargo-binutils
    apt-get install llvm          # llvm-size

Usage: python bench/peers.py [--crate demo] [--crate ripgrep@15.2.0] [--crate sd@1.0.0]
                             [--work DIR] [--output FILE] [--optimize-time 5m]
                             [--optimize-trials 6]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peer_builds
import peer_bytes
from peer_common import PEERS, Page, Subject, minbuild, version

from minbuild.runs.records import RunRecord, latest, load

REPO = Path(__file__).resolve().parent.parent


def prepare(spec: str, work: Path) -> Subject:
    """The demo copied (its project files beside it), or a published crate as `try` fetches it."""
    name = spec.split("@")[0]
    state, scratch = work / f"{name}-state", work / f"{name}-scratch"
    if spec == "demo":
        for folder in ("demo", "config"):
            if not (work / folder).exists():
                shutil.copytree(
                    REPO / folder, work / folder, ignore=shutil.ignore_patterns("target")
                )
        return Subject("demo", work / "config" / "demo.yaml", work / "demo", state, scratch)
    crate_dir = work / name
    if not (crate_dir / "minbuild.yaml").exists():
        minbuild(
            ["try", spec, "--dir", str(crate_dir), "--state-dir", str(state), "--stage", "release"],
            work,
        )
    return Subject(name, crate_dir / "minbuild.yaml", crate_dir, state, scratch)


def staircase(subject: Subject) -> tuple[RunRecord, float]:
    _, seconds = minbuild(
        ["min-build", "--config", str(subject.config), "--state-dir", str(subject.state)],
        subject.config.parent,
        check=False,
    )
    return load(latest(subject.state / "runs")), seconds


def compare(spec: str, work: Path, budget: tuple[str, ...], page: Page) -> None:
    """Every comparison for one crate; one that fails says so on the page, the others run."""
    subject = prepare(spec, work)
    shutil.rmtree(subject.scratch, ignore_errors=True)
    run, seconds = staircase(subject)
    page.add(f"## {run.crate['name']} {run.crate.get('version', '')}", "")
    page.add(f"The staircase: {len(run.stages)} stages in {seconds:.0f} s, run {run.run_id}.", "")
    steps: list[Callable[[], None]] = [
        lambda: peer_bytes.attribution(subject, run, page),
        lambda: peer_bytes.stage_diff(subject, run, page),
        lambda: peer_bytes.wasm(subject, page) if spec == "demo" else None,
        lambda: peer_bytes.cargo_size(run, subject.scratch, page),
        lambda: peer_builds.features(subject, run, page),
        lambda: peer_builds.presets(subject, run, budget, page),
        lambda: peer_builds.limits(run, subject.scratch, page),
    ]
    for step in steps:
        try:
            step()
        except Exception as error:  # the page says which one failed, and the others run
            said = (str(error).splitlines() or [""])[0][:300]
            page.add(f"(this comparison failed: {type(error).__name__}: {said})", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crate", action="append", default=[], help="demo or NAME@VERSION")
    parser.add_argument(
        "--work", type=Path, help="keep crates and builds here (default: a temp dir)"
    )
    parser.add_argument("--output", type=Path, help="write the page here too")
    parser.add_argument("--optimize-time", default="5m", help="optimize's --time per crate")
    parser.add_argument("--optimize-trials", default="6", help="optimize's --trials per crate")
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="peers-"))
    work.mkdir(parents=True, exist_ok=True)
    page = Page()
    page.add(
        "<!-- made by: python bench/peers.py " + " ".join(sys.argv[1:]) + " -->",
        "",
        "# minbuild beside the tools Rust users already trust",
        "",
        "cargo-bloat, twiggy, LLVM's size tools, cargo-hack and cargo-wizard asked the questions "
        "minbuild answers, on the same binaries, in one run of `python bench/peers.py` (this "
        "page is its output, unedited). Every figure was measured in that run: sizes in bytes, "
        "differences in points of the code section (.text), times in seconds of wall time on "
        "this machine (2 cores). Where two tools disagree, the rule that parts them is named "
        "beside the bytes, with the largest function it moves as the evidence. bloaty is not "
        "packaged for Debian bookworm and is left out: llvm-size and cargo-bloat answer its "
        "questions here.",
        "",
        "The peers:",
        "",
    )
    for tool, install in PEERS.items():
        found = shutil.which(tool) is not None
        said = version(tool) if found else f"not installed, skipped (`{install}`)"
        page.add(f"- {tool}: {said}")
    page.add("")
    for spec in options.crate or ["demo", "ripgrep@15.2.0", "sd@1.0.0"]:
        budget = ("--time", options.optimize_time, "--trials", options.optimize_trials)
        compare(spec, work, budget, page)
    if options.output:
        options.output.write_text("\n".join(page.lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
