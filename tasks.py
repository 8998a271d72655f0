"""invoke tasks for minbuild. Each one is a thin call into the package's command line."""

from __future__ import annotations

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task


def _minbuild(*args: str) -> None:
    from minbuild.cli.main import main  # imported late: `invoke --list` works before installing

    code = main(list(args))
    if code:
        raise Exit(code=code)


@task(
    iterable=["stage"],
    help={
        "run": "run id or path of a run document (default: the latest run)",
        "against": "compare with a run id, a path, or `baseline` (the committed baseline file)",
        "format": "terminal (default), markdown, json or csv",
        "output": "write the report to this file instead of printing it",
        "bytes": "exact sizes in bytes",
        "check": "enforce the project's budgets: exit 1 and say which broke, by how much",
        "ratchet": "lower baseline entries this run beat; never raises one",
        "history": "sizes across the last N runs",
        "stage": "with --history: only this stage (repeatable)",
        "target": "with --history: this target (default: the host)",
        "plot": "draw the staircase (or, with --history, sizes over time) to FILE.png|FILE.svg",
        "log_scale": "log-scale size axis for --plot",
        "config": "project file with budgets and baseline (default: the run's own)",
        "state_dir": "minbuild's state directory (default: .minbuild)",
    },
)
def size_report(
    c: Context,
    run: str = "",
    against: str = "",
    format: str = "terminal",
    output: str = "",
    bytes: bool = False,
    check: bool = False,
    ratchet: bool = False,
    history: int = 0,
    stage: list[str] | None = None,
    target: str = "",
    plot: str = "",
    log_scale: bool = False,
    config: str = "",
    state_dir: str = ".minbuild",
) -> None:
    """Render, compare, gate, chart and publish the sizes of a min-build run."""
    options = {
        "--run": run,
        "--against": against,
        "--output": output,
        "--target": target,
        "--plot": plot,
        "--config": config,
        "--history": str(history) if history else "",
    }
    flags = {"--bytes": bytes, "--check": check, "--ratchet": ratchet, "--log-scale": log_scale}
    _minbuild(
        "size-report",
        "--state-dir",
        state_dir,
        "--format",
        format,
        *(arg for name, value in options.items() if value for arg in (name, value)),
        *(name for name, on in flags.items() if on),
        *(arg for name in stage or [] for arg in ("--stage", name)),
    )


@task(
    help={
        "run": "run id or path (default: the latest run)",
        "config": "project file (default: the run's own)",
        "output": "where to write it (default: the project's size_baseline)",
        "state_dir": "minbuild's state directory (default: .minbuild)",
    }
)
def size_baseline(
    c: Context, run: str = "", config: str = "", output: str = "", state_dir: str = ".minbuild"
) -> None:
    """Write the reviewable baseline file (one entry per stage and target) for a team to commit."""
    options = {"--run": run, "--config": config, "--output": output}
    _minbuild(
        "size-baseline",
        "--state-dir",
        state_dir,
        *(arg for name, value in options.items() if value for arg in (name, value)),
    )


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


@task(
    iterable=["targets", "crates"],
    help={
        "targets": "also the packages of this cross target (repeatable), or `all`",
        "crates": "also Debian's sources of this crate (librust-NAME-dev; repeatable)",
        "dry_run": "only say what would be installed",
    },
)
def setup(
    c: Context,
    targets: list[str] | None = None,
    crates: list[str] | None = None,
    dry_run: bool = False,
) -> None:
    """Install what the build-std stages, the chosen targets and crates need; check the files."""
    _minbuild(
        "setup",
        *(arg for name in targets or [] for arg in ("--targets", name)),
        *(arg for name in crates or [] for arg in ("--crates", name)),
        *(["--dry-run"] if dry_run else []),
    )


@task(iterable=["target"], help={"target": "only this target (repeatable)"})
def doctor(c: Context, target: list[str] | None = None) -> None:
    """Can each stage and target run on this machine? If not: why, and the fix. Exit 1 if not."""
    _minbuild("doctor", *(arg for name in target or [] for arg in ("--target", name)))


@task(
    help={
        "format": "table (default) or json",
        "output": "write the report to this file",
        "max_use_site_cfgs": "exit 1 if more cfgs than this sit inside function bodies",
        "config": "project file (default: ./minbuild.yaml, else ./Cargo.toml, else the demo)",
        "manifest_path": "a crate's Cargo.toml, for a crate without a project file",
    }
)
def cfg_audit(
    c: Context,
    format: str = "table",
    output: str = "",
    max_use_site_cfgs: int = -1,
    config: str = "",
    manifest_path: str = "",
) -> None:
    """Count and classify the crate's cfgs (use sites vs definitions), flag undeclared names."""
    _minbuild(
        "cfg-audit",
        *(["--config", config] if config else []),
        *(["--manifest-path", manifest_path] if manifest_path else []),
        "--format",
        format,
        *(["--output", output] if output else []),
        *(["--max-use-site-cfgs", str(max_use_site_cfgs)] if max_use_site_cfgs >= 0 else []),
    )
