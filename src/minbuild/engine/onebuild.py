"""One planned stage built on its own, outside a run (what `init` builds to learn about the
crate): the same command line, so the run that follows finds its units built."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from minbuild.engine.invocations import Build
from minbuild.rust.artifacts import artifact_messages, find_artifact
from minbuild.util import command


def build_one(
    build: Build, cwd: Path, log: Path, on_line: Callable[[str], None]
) -> tuple[command.Completed, Path | None]:
    """Build `build` as a run would (cargo's JSON lines to `on_line`); what cargo did, and
    the artifact it made (None when it failed or made none)."""
    done = command.run(
        build.invocation.argv,
        env=build.invocation.env,
        cwd=cwd,
        check=False,
        log_file=log,
        on_line=on_line,
    )
    if done.returncode != 0:
        return done, None
    return done, find_artifact(artifact_messages(done.stdout), build.crate, build.artifact)
