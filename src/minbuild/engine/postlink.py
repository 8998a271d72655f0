"""Programs run over a linked artifact before it is sized and tested (wasm-opt): whether
they are here, and running them, each writing a file of its own beside the kept artifact."""

from __future__ import annotations

import shutil
from pathlib import Path

from minbuild.project.stages import Stage
from minbuild.util import command


def missing(stage: Stage) -> str | None:
    """Why the stage's post-link steps cannot run here, with the fix; None if they can."""
    absent = [step for step in stage.post_link if shutil.which(step.argv[0]) is None]
    if not absent:
        return None
    packages = " ".join(dict.fromkeys(step.package for step in absent))
    programs = ", ".join(dict.fromkeys(step.argv[0] for step in absent))
    return f"needs {programs}; install with: apt-get install -y {packages}"


def run_steps(
    stage: Stage,
    linked: Path,
    keep_dir: Path,
    log: Path,
    run: command.Runner,
    *,
    cwd: Path,
) -> tuple[Path, str | None]:
    """The stage's steps in order over `linked`, each writing `post-link-N/<name>` in
    `keep_dir`, each logged beside `log`: the last output, or why a step failed."""
    artifact = linked
    for number, step in enumerate(stage.post_link, 1):
        output = keep_dir / f"post-link-{number}" / linked.name
        output.parent.mkdir(parents=True, exist_ok=True)
        step_log = log.with_name(f"{stage.name}.post-link-{number}.log")
        done = run(
            step.command(str(artifact), str(output)), cwd=cwd, check=False, log_file=step_log
        )
        if done.returncode != 0 or not output.is_file():
            return linked, (
                f"post-link step {step.argv[0]} failed (exit {done.returncode}); "
                f"full log: {step_log}"
            )
        artifact = output
    return artifact, None
