"""invoke tasks for minbuild. Each one is a command of minbuild's CLI: its arguments and their
help are derived from the same option declarations (minbuild.cli.tasks), so `invoke --help
size-report` and `minbuild size-report --help` say the same."""

from __future__ import annotations

from minbuild.cli.tasks import task

size_report = task("size-report")
size_baseline = task("size-baseline")
plan = task(
    "min-build",
    name="plan",
    only=("config", "toolchain", "stages", "state_dir"),
    fixed=("--dry-run",),
    doc="Print each stage's exact cargo command and environment (a dry run); build nothing.",
)
setup = task("setup")
optimize = task("optimize")
doctor = task("doctor")
cfg_audit = task("cfg-audit")
try_crate = task("try")
