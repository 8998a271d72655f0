"""docs/wasmtime.md's tables from real runs: our sizes beside the ones Wasmtime's documentation
published ("Building a Minimal Wasmtime embedding").

Each table takes, for every stage, the newest record of a state dir's runs (a long staircase
is built over several runs: stopped, resumed, a few stages at a time), and names the runs.

Usage: python bench/wasmtime_tables.py [--cli DIR] [--capi DIR] [--platform DIR]
                                       [--docs docs/wasmtime.md]

DIR is the state dir of a run of examples/wasmtime/cli (wasmtime-cli from crates.io), of
examples/wasmtime/capi (libwasmtime) or of examples/wasmtime/platform (the custom platform,
target x86_64-wasmtime-none). Each table is written between its own markers in the page.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.report.anatomy import parts_cells
from minbuild.runs.records import RunRecord, StageRecord, documents, load
from minbuild.runs.rows import toolchain_label
from minbuild.util.text import md_table

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "wasmtime.md"
PLATFORM_TARGET = "x86_64-wasmtime-none"

# What the page published, in bytes as it rounds them (M = 2**20, K = 2**10): the CLI's table
# (2023-10-18, macOS aarch64, wasmtime 14) and the C API's (2024-12-12, Linux x86_64,
# libwasmtime.so). None: the page has no such row.
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
CLI_PAGE, CAPI_PAGE = ("CLI 2023", 0), ("C API 2024", 1)
MIN_PLATFORM = 400 * K
"""The page's examples/min-platform: "about 400K on Linux" (its .so)."""
FLAG_POINTS = 5.0
"""A step whose relative change differs from the page's by more than this is explained."""


@dataclass(frozen=True)
class Staircase:
    """The newest record of each stage for one target, over a state dir's runs."""

    stages: dict[str, StageRecord]
    runs: tuple[RunRecord, ...]
    """The runs those records come from, oldest first."""


def newest(state_dir: Path, target: str | None = None) -> Staircase:
    """Each stage's newest record for `target` (None: the host's) that was built, else its
    newest record at all, over every run in `state_dir`: the page's stages only, not the
    variants a feature-cost run builds beside them (`location-detail+winch`)."""
    stages: dict[str, StageRecord] = {}
    sources: dict[str, RunRecord] = {}
    for path in documents(state_dir / "runs"):
        run = load(path)
        for stage in run.stages:
            if (stage.target or run.host) != (target or run.host) or stage.name not in PUBLISHED:
                continue
            kept = stages.get(stage.name)
            if kept is None or stage.size_bytes is not None or kept.size_bytes is None:
                stages[stage.name], sources[stage.name] = stage, run
    runs = {run.run_id: run for run in sources.values()}
    return Staircase(stages, tuple(runs[key] for key in sorted(runs)))


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


def tests_cell(stage: StageRecord | None) -> str:
    if stage is None:
        return "not built yet"
    if stage.tests_run:
        return f"{stage.tests_passed}/{stage.tests_run}"
    return stage.status


def effective(stage: StageRecord | None) -> float | None:
    archive = stage.staticlib if stage else None
    value = archive.effective_size_bytes if archive else None
    return float(value) if value is not None else None


def table(
    staircase: Staircase, pages: Sequence[tuple[str, int]], *, archive: bool = False
) -> list[str]:
    """Markdown: each stage's size and step beside the pages' (`pages`: a column name and an
    index into PUBLISHED); a step more than FLAG_POINTS away from the first page's is marked,
    and the text explains each. With `archive`, the .a's effective size too. Every stage of
    the page has a row: one not built (yet) says so."""
    headers = ["#", "stage", "ours", "step", *([".a effective"] if archive else []), "tests"]
    for name, _ in pages:
        headers += [name, "step"]
    if pages:
        headers.append(f"vs {pages[0][0].split()[0]} step")
    rows = []
    before: list[float | None] = [None] * (1 + len(pages))
    for number, name in enumerate(PUBLISHED):
        stage = staircase.stages.get(name)
        ours = float(stage.size_bytes) if stage and stage.size_bytes is not None else None
        now = [ours, *(PUBLISHED[name][index] for _, index in pages)]
        steps = [step(b, n) for b, n in zip(before, now, strict=True)]
        cells = [str(number), name, size(ours), percent(steps[0])]
        cells += [size(effective(stage))] if archive else []
        cells.append(tests_cell(stage))
        for value, change in zip(now[1:], steps[1:], strict=True):
            cells += [size(value), percent(change)]
        if pages:
            apart = None if steps[0] is None or steps[1] is None else steps[0] - steps[1]
            flag = " **⚑**" if apart is not None and abs(apart) > FLAG_POINTS else ""
            cells.append("—" if apart is None else f"{apart:+.0f} pt{flag}")
        rows.append(cells)
        before = now
    return md_table(headers, rows, "l" * len(headers))


def provenance(staircase: Staircase) -> str:
    runs = ", ".join(f"`{run.run_id}`" for run in staircase.runs) or "none yet"
    labels = sorted({toolchain_label(run.toolchain) for run in staircase.runs})
    return f"Runs {runs} ({', '.join(labels) or 'no toolchain'}):"


def parts_lines(staircase: Staircase) -> list[str]:
    """The project file's parts (the page's open questions), stage by stage, if it has any."""
    ordered = [staircase.stages[name] for name in PUBLISHED if name in staircase.stages]
    headers, named = parts_cells(ordered)
    if not named:
        return []
    lines = ["", "The project file's parts, stage by stage (code, % of it):", ""]
    return lines + md_table(headers, named, "l" + "r" * (len(headers) - 1))


def cli_block(state_dir: Path) -> list[str]:
    staircase = newest(state_dir)
    lines = [provenance(staircase), "", *table(staircase, [CLI_PAGE, CAPI_PAGE])]
    return lines + parts_lines(staircase)


def capi_block(state_dir: Path) -> list[str]:
    staircase = newest(state_dir)
    lines = [provenance(staircase), "", *table(staircase, [CAPI_PAGE], archive=True)]
    return lines + parts_lines(staircase)


def platform_block(state_dir: Path) -> list[str]:
    staircase = newest(state_dir, PLATFORM_TARGET)
    last = staircase.stages.get("panic-immediate-abort")
    ours = float(last.size_bytes) if last and last.size_bytes is not None else None
    closing = (
        f"The page's min-platform: about 400K on Linux; ours at the last stage "
        f"{size(ours)} ({percent(step(MIN_PLATFORM, ours))}), its .a effectively "
        f"{size(effective(last))}."
    )
    return [provenance(staircase), "", *table(staircase, [], archive=True), "", closing]


BLOCKS = {"cli": cli_block, "capi": capi_block, "platform": platform_block}


def markers(name: str) -> tuple[str, str]:
    return (
        f"<!-- {name} table: begin (python bench/wasmtime_tables.py --{name} DIR) -->",
        f"<!-- {name} table: end -->",
    )


def write_between(docs: str, name: str, lines: Sequence[str]) -> str:
    begin, end = markers(name)
    if begin not in docs or end not in docs:
        sys.exit(f"no {begin} … {end} markers to write between")
    before, rest = docs.split(begin, 1)
    return f"{before}{begin}\n" + "\n".join(lines) + f"\n{end}{rest.split(end, 1)[1]}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in BLOCKS:
        parser.add_argument(f"--{name}", type=Path, metavar="DIR", help=f"the {name}'s state dir")
    parser.add_argument("--docs", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    chosen: Mapping[str, Path] = {n: d for n in BLOCKS if (d := getattr(args, n)) is not None}
    if not chosen:
        parser.error("name at least one state dir: --cli, --capi or --platform")
    if not args.docs.is_file():
        parser.error(f"--docs {args.docs}: no such file (the page to write the tables into)")
    docs = args.docs.read_text()
    for name, state_dir in chosen.items():
        lines = BLOCKS[name](state_dir)
        docs = write_between(docs, name, lines)
        print("\n".join(lines) + "\n")
    args.docs.write_text(docs)


if __name__ == "__main__":
    main()
