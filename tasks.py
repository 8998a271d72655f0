"""invoke tasks for minbuild. Each one is a thin call into the package's command line."""

from __future__ import annotations

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task


def _minbuild(*args: str) -> None:
    from minbuild.cli import main  # imported late: `invoke --list` works before installing

    code = main(list(args))
    if code:
        raise Exit(code=code)


@task(
    help={
        "run": "run id or path of a run document (default: the latest)",
        "state_dir": "minbuild's state directory (default: .minbuild)",
    }
)
def show(c: Context, run: str = "", state_dir: str = ".minbuild") -> None:
    """Print the staircase table of a recorded min-build run."""
    _minbuild("show", "--state-dir", state_dir, *(["--run", run] if run else []))


@task(
    help={
        "config": "project file (default: config/demo.yaml)",
        "toolchain": "nightly, stable, debian or a rustup toolchain name",
    }
)
def plan(c: Context, config: str = "config/demo.yaml", toolchain: str = "") -> None:
    """Print each stage's exact cargo command and environment (a dry run); build nothing."""
    _minbuild(
        "min-build",
        "--dry-run",
        "--config",
        config,
        *(["--toolchain", toolchain] if toolchain else []),
    )


@task
def setup(c: Context) -> None:
    """Install Debian's rustc-web with std's source, for the build-std stages (root only)."""
    _minbuild("setup")
