"""What runs after cargo, before an artifact is sized and tested: programs over what was
linked (wasm-opt), each writing a file of its own beside the kept artifact; the link of a
custom platform's staticlib into the .so its host loads, and that host's own library."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

from minbuild.engine.invocations import Build
from minbuild.measure import libsize
from minbuild.project.stages import Stage
from minbuild.project.targets import Target
from minbuild.util import command
from minbuild.util.errors import UnreadableArtifact
from minbuild.util.files import write_atomic


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


def for_target(
    build: Build,
    archive: Path,
    exports: Sequence[str],
    strip: object,
    log: Path,
    run: command.Runner,
) -> tuple[Path, str | None]:
    """What a custom platform needs after cargo: its host library built, and with `link:
    shared` the .so linked from the staticlib cargo made; the artifact, or why it failed."""
    target, library = build.target, build.platform_library
    if target is None:
        return archive, None
    failure = build_platform(target, library, log, run) if library else None
    if failure or not target.link:
        return archive, failure
    return link_shared(target, archive, exports, strip, log, run)


def link_shared(
    target: Target,
    archive: Path,
    exports: Sequence[str],
    strip: object,
    log: Path,
    run: command.Runner,
) -> tuple[Path, str | None]:
    """A `link: shared` target's .so, linked from its staticlib beside it, stripped as the
    stage's profile strips; or why the link failed."""
    output = archive.with_name(archive.name.removesuffix(".a") + ".so")
    try:
        kept = libsize.present(archive, exports)
    except UnreadableArtifact as error:
        return archive, str(error)
    script = archive.with_name(archive.name + ".exports.map")
    write_atomic(script, libsize.version_script(kept))
    flags = {"symbols": ("-s",), "true": ("-s",), "debuginfo": ("-Wl,--strip-debug",)}
    argv = libsize.shared_link_argv(
        target.link_program, archive, script, output, flags.get(str(strip).lower(), ())
    )
    step_log = log.with_name(f"{log.stem}.link.log")
    done = run(argv, check=False, log_file=step_log)
    if done.returncode != 0 or not output.is_file():
        return archive, f"linking the .so failed (exit {done.returncode}); full log: {step_log}"
    return output, None


def build_platform(target: Target, library: Path, log: Path, run: command.Runner) -> str | None:
    """The custom platform's host library from its C sources, built again only when they or
    the command change: None, or why it failed."""

    def argv(output: Path) -> list[str]:
        sources = [str(source) for source in target.platform]
        return [target.link_program, "-shared", "-fPIC", "-O2", "-o", str(output), *sources]

    digest = hashlib.sha256(json.dumps(argv(library)).encode())
    for source in target.platform:
        digest.update(source.read_bytes())
    stamp = library.with_name(library.name + ".sha256")
    if library.is_file() and stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return None
    library.parent.mkdir(parents=True, exist_ok=True)
    # Two runs on one state dir may build it at once: each its own file, then one rename.
    partial = library.with_name(f".{library.name}.{os.getpid()}.{threading.get_ident()}")
    step_log = log.with_name(f"{log.stem}.platform.log")
    done = run(argv(partial), check=False, log_file=step_log)
    if done.returncode != 0:
        return (
            f"the platform's host library did not build (exit {done.returncode}); "
            f"full log: {step_log}"
        )
    partial.replace(library)
    write_atomic(stamp, digest.hexdigest())
    return None
