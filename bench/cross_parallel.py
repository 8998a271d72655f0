"""Benchmark: cross-build targets one at a time (cargo -j = all cores) vs N at once (-j split).

Both runs are the real job (build, measure, test) of the same stages and targets, cold, in
fresh state directories, in this one invocation; the result is a ratio. Usage:

    python bench/cross_parallel.py [--config config/demo.yaml] [--parallel 2]
                                   [--target TRIPLE]... [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.registry import BY_NAME
from minbuild.runs import records
from minbuild.runs.progress import Silent


def measure(config: Path, targets: tuple[str, ...], parallel: int) -> tuple[float, bool]:
    with tempfile.TemporaryDirectory(prefix=f"minbuild-bench-p{parallel}-") as scratch:
        options = BuildOptions(
            config=config, cross=True, targets=targets, parallel=parallel, state_dir=Path(scratch)
        )
        started = time.monotonic()
        cross_build = BY_NAME["cross-build"]
        outcome = cross_build.run(cross_build.resolve(options, os.environ), Silent())
        run = records.load(outcome.written[0])
        return time.monotonic() - started, all(s.status == "ok" for s in run.stages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/demo.yaml"))
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--target", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; targets: {', '.join(args.target) or 'all'}")
    seconds: dict[int, float] = {1: 0.0, args.parallel: 0.0}
    for round_number in range(args.repeat):
        order = (args.parallel, 1) if round_number % 2 else (1, args.parallel)
        for parallel in order:
            elapsed, ok = measure(args.config, tuple(args.target), parallel)
            seconds[parallel] += elapsed
            print(
                f"  round {round_number + 1}: parallel={parallel} {elapsed:7.1f}s "
                f"{'all ok' if ok else 'SOME FAILED'}"
            )
    print(
        json.dumps(
            {
                "serial_seconds": round(seconds[1], 1),
                f"parallel_{args.parallel}_seconds": round(seconds[args.parallel], 1),
                "serial_over_parallel": round(seconds[1] / seconds[args.parallel], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
