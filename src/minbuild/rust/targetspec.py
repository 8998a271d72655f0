"""Whether the toolchain can build for a custom target (a target spec file): rustc reads the
spec (asked at every plan: it takes a tenth of a second), and, when the target asks for std,
std builds for it: built once per toolchain and spec, the answer kept in the state dir for
every later stage and run."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from minbuild.project.targets import Target
from minbuild.runs.progress import Job
from minbuild.runs.statedir import Layout
from minbuild.rust.toolchains import Toolchain
from minbuild.rust.unitprogress import UnitProgress
from minbuild.util import command
from minbuild.util.files import write_atomic

PROBE_VERSION = 1
_STD_PATH = re.compile(r"-->\s*(\S*library/(?:std|core|alloc)/\S+)")
_NO_STD = "a no_std crate can take build_std: [core, alloc] in the targets file instead"


def problem(
    target: Target,
    toolchain: Toolchain,
    state_dir: Path,
    run: command.Runner = command.run,
    *,
    say: Callable[[str], None] = lambda line: None,
    job: Job | None = None,
) -> str | None:
    """Why `toolchain` cannot build for the custom `target`, in one line; None if it can (or
    the target is one Rust knows). `job` hears the build of std as it goes, if it runs."""
    if target.spec is None:
        return None
    unread = unreadable(target, toolchain, run)
    if unread:
        return unread
    if "std" not in (target.build_std or ("std",)):
        return None
    return _std_problem(target, toolchain, state_dir, run, say, job)


def unreadable(
    target: Target, toolchain: Toolchain, run: command.Runner = command.run
) -> str | None:
    """Why rustc cannot read the target's spec file (in one line), or None."""
    if target.spec is None:
        return None
    env = {**toolchain.candidate.env, **target.env}
    rustc = toolchain.candidate.rustc
    done = run(
        [*rustc, "-Z", "unstable-options", "--print", "cfg", "--target", str(target.spec)],
        env=env,
        check=False,
        timeout=120,
    )
    if done.returncode == 0:
        return None
    return (
        f"target {target.triple}: rustc {toolchain.release} cannot read {target.spec}: "
        f"{_error_line(done.stderr)}"
    )


def _std_problem(
    target: Target,
    toolchain: Toolchain,
    state_dir: Path,
    run: command.Runner,
    say: Callable[[str], None],
    job: Job | None,
) -> str | None:
    """Build std alone for the target (an empty crate over it), once: its first error."""
    assert target.spec is not None
    key = hashlib.sha256(
        json.dumps(
            [
                PROBE_VERSION,
                toolchain.record(),
                target.spec.read_text(encoding="utf-8"),
                target.build_std,
                dict(target.env),
                target.rustflags,
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()[:16]
    probe = Layout(state_dir).probes(f"{target.triple}-{key}")
    answer = probe / "answer.json"
    try:
        kept = json.loads(answer.read_text(encoding="utf-8"))["problem"]
        return None if kept is None else str(kept)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not probed yet with this toolchain and spec
    write_atomic(
        probe / "Cargo.toml",
        '[package]\nname = "minbuild-std-probe"\nversion = "0.0.0"\nedition = "2021"\n'
        "[workspace]\n",
    )
    write_atomic(probe / "src" / "lib.rs", "pub fn probe() -> Vec<u8> { std::vec![1] }\n")
    build_std = ",".join(target.build_std or ("std", "panic_abort"))
    argv: Sequence[str] = [
        *toolchain.candidate.cargo,
        "build",
        "--manifest-path",
        str(probe / "Cargo.toml"),
        "--target-dir",
        str(probe / "target"),
        "--release",
        "--target",
        str(target.spec),
        "-Z",
        f"build-std={build_std}",
        *(["-Z", "json-target-spec"] if "json-target-spec" in toolchain.cargo_z else []),
        *toolchain.offline_std_args(),
        "--message-format=json-render-diagnostics",
    ]
    env = {**toolchain.candidate.env, **target.env, "RUSTFLAGS": " ".join(target.rustflags)}
    say(
        f"{target.triple}: does {build_std} build for this custom target with "
        f"{toolchain.label}? building it once (std takes about a minute; kept for later runs)"
    )
    # std's units, said as they finish (about a minute of silence otherwise), counted
    # against the last probe of this target with any toolchain.
    memory = Layout(state_dir).progress(f"std-probe-{target.triple}.json")
    said = (lambda action: job(f"{target.triple}: {action}")) if job else (lambda action: None)
    units = UnitProgress(said, None, memory=memory)
    done = run(
        argv, env=env, check=False, timeout=1800, log_file=probe / "build.log", on_line=units
    )
    units.keep(done.seconds)
    if job is not None:
        job.end(f"{target.triple}: {build_std} {'builds' if done.returncode == 0 else 'fails'}")
    found = None
    if done.returncode != 0:
        where = _std_location(done.stderr)
        found = (
            f"target {target.triple}: {build_std} does not build for it with "
            f"{toolchain.label}: {_error_line(done.stderr)}{f' ({where})' if where else ''}; "
            f"{_NO_STD} (log: {probe / 'build.log'})"
        )
    write_atomic(answer, json.dumps({"problem": found}))
    return found


def _error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    first = next((line for line in lines if line.startswith("error")), lines[-1] if lines else "")
    return first.removeprefix("error: ")


def _std_location(stderr: str) -> str:
    found = _STD_PATH.search(stderr)
    return found.group(1) if found else ""
