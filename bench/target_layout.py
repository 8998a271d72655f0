"""Benchmark: build stages in one shared target dir (minbuild's layout) vs one dir per stage.

Both layouts build the same stages with the same toolchain and the same command lines, cold,
in fresh temporary directories, in this one invocation; the result is a ratio, not a time
to assert. Usage:

    python bench/target_layout.py [--config config/demo.yaml] [--from release --to lto]
                                  [--repeat 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.resolve import build_request
from minbuild.engine import planner
from minbuild.engine.invocations import Invocation
from minbuild.util import command


@dataclasses.dataclass(frozen=True)
class Measurement:
    layout: str
    seconds: float
    units_built: int
    disk_bytes: int = 0


def build_all(invocations: list[Invocation], cwd: Path, target_dirs: list[Path]) -> Measurement:
    started, built = time.monotonic(), 0
    for invocation, target_dir in zip(invocations, target_dirs, strict=True):
        env = {**invocation.env, "CARGO_TARGET_DIR": str(target_dir)}
        done = command.run(invocation.argv, env=env, cwd=cwd)
        built += sum(
            1
            for line in done.stdout.splitlines()
            if line.startswith("{") and '"fresh":false' in line.replace(" ", "")
        )
    return Measurement("", round(time.monotonic() - started, 1), built)


def measure(plan: planner.Plan, layout: str) -> Measurement:
    invocations = [build.invocation for build in plan.builds]
    with tempfile.TemporaryDirectory(prefix=f"minbuild-bench-{layout}-") as scratch:
        root = Path(scratch)
        dirs = (
            [root / "shared"] * len(invocations)
            if layout == "shared"
            else [root / stage.name for stage in plan.stages]
        )
        result = build_all(invocations, plan.project.crate_dir, dirs)
        disk = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return dataclasses.replace(result, layout=layout, disk_bytes=disk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/demo.yaml"))
    parser.add_argument("--from", dest="first", default="release")
    parser.add_argument("--to", dest="last", default="lto")
    parser.add_argument("--toolchain", default=None)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    options = BuildOptions(
        config=args.config, first=args.first, last=args.last, toolchain=args.toolchain
    )
    plan = planner.prepare(build_request(options, os.environ))
    stages = [stage.name for stage in plan.stages]
    print(f"stages: {', '.join(stages)}; toolchain {plan.toolchain.label}")
    results: list[Measurement] = []
    for round_number in range(args.repeat):
        # Alternate the order so neither layout always runs on a warmer machine.
        order = ("naive", "shared") if round_number % 2 else ("shared", "naive")
        for layout in order:
            result = measure(plan, layout)
            results.append(result)
            print(
                f"  round {round_number + 1}: {layout:6} {result.seconds:7.1f}s "
                f"{result.units_built:4} units compiled {result.disk_bytes / 2**20:7.1f} MiB"
            )
    print(json.dumps(summary(stages, results)))


def summary(stages: list[str], results: list[Measurement]) -> dict[str, object]:
    def total(layout: str, field: str) -> float:
        return float(sum(getattr(r, field) for r in results if r.layout == layout))

    return {
        "stages": stages,
        "rounds": len(results) // 2,
        "seconds": {layout: round(total(layout, "seconds"), 1) for layout in ("shared", "naive")},
        "naive_over_shared_time": round(total("naive", "seconds") / total("shared", "seconds"), 2),
        "units_compiled_per_round": {r.layout: r.units_built for r in results},
        "disk_mib_per_round": {r.layout: round(r.disk_bytes / 2**20, 1) for r in results},
    }


if __name__ == "__main__":
    main()
