"""Running a project's test commands against a stage's artifact, and the fixtures they need."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.project.config import PLACEHOLDER, ArtifactKind, Fixture, TestSpec
from minbuild.project.integration import features_unmet
from minbuild.runs.records import TestResult, TestStatus
from minbuild.runs.reference import LACKS
from minbuild.runs.statedir import inside
from minbuild.util import command, leftovers
from minbuild.util.errors import CommandFailed, CommandTimedOut, ToolMissingError
from minbuild.util.files import write_atomic
from minbuild.util.text import excerpt


@dataclass(frozen=True)
class TestContext:
    """What placeholders in a stage's test commands stand for."""

    __test__ = False  # not a pytest test class, despite its name

    binary: Path
    """The stage's artifact ({binary})."""
    workdir: Path
    """A scratch directory of the stage's own ({workdir})."""
    crate_dir: Path
    """The directory of the crate's Cargo.toml ({crate_dir})."""
    config_dir: Path
    """The directory of the project file ({config_dir})."""
    fixtures: Mapping[str, Path]
    """Fixture files available to this stage ({fixture:NAME})."""
    runner: tuple[str, ...] = ()
    """What runs a foreign artifact (qemu, Wasmtime) or loads a host library, put in front of
    every command that starts the artifact itself."""

    def command(self, argv: tuple[str, ...], output: Path | None = None) -> list[str]:
        """A test's or fixture's argv, placeholders resolved; behind the target's runner when
        it starts with `{binary}`. One that starts with another program runs that program on
        the host, the artifact an argument of it: a C host of the project's own that loads a
        library, a checker that reads a file the stage built."""
        runner = self.runner if argv[:1] == ("{binary}",) else ()
        return [*runner, *self.substitute(argv, output)]

    def substitute(self, argv: tuple[str, ...], output: Path | None = None) -> list[str]:
        values = {
            "binary": self.binary,
            "workdir": self.workdir,
            "crate_dir": self.crate_dir,
            "config_dir": self.config_dir,
            "output": output,
            **{f"fixture:{name}": path for name, path in self.fixtures.items()},
        }
        return [PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), arg) for arg in argv]


class FixtureStore:
    """Fixture files kept across runs, each with the stage (and run) whose binary made it."""

    _standalone = threading.Lock()  # every store: one run's lanes have one store each

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        return inside(self.directory, name)

    def provenance(self, fixtures: Sequence[Fixture]) -> dict[str, str]:
        """Fixture name -> the build that made it, for every fixture that exists."""
        return {f.name: made for f in fixtures if (made := self.made_by(f))}

    def made_by(self, fixture: Fixture) -> str | None:
        """The stage that made the kept file, or None: none is kept, or it was made by another
        command than the fixture's now (the project file changed its flags, say)."""
        name = fixture.name
        try:
            data = json.loads(inside(self.directory, f"{name}.made-by.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("argv") != list(fixture.argv):
            return None
        return str(data["stage"]) if self.path(name).is_file() else None

    def make(self, fixture: Fixture, context: TestContext, stage: str, run_id: str) -> None:
        """Run the fixture's command with this stage's binary; raises CommandFailed on failure.
        One that runs no artifact is made once: the lanes that need it wait for the first."""
        if fixture.runs_artifact:
            self._make(fixture, context, stage, run_id)
            return
        with self._standalone:
            if self.made_by(fixture) is None:
                self._make(fixture, context, stage, run_id)

    def _make(self, fixture: Fixture, context: TestContext, stage: str, run_id: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Lanes make fixtures at once: the temporary name is the process's and the thread's.
        temporary = inside(
            self.directory, f".{fixture.name}.{os.getpid()}.{threading.get_ident()}.partial"
        )
        command.run(
            context.command(fixture.argv, output=temporary),
            cwd=context.workdir,
            timeout=fixture.timeout,
        )
        if not temporary.is_file():
            raise CommandFailed(list(fixture.argv), 0, f"did not write {{output}} ({temporary})")
        temporary.replace(self.path(fixture.name))
        write_atomic(
            inside(self.directory, f"{fixture.name}.made-by.json"),
            json.dumps({"stage": stage, "run_id": run_id, "argv": list(fixture.argv)}) + "\n",
        )


def not_applicable(
    test: TestSpec,
    stage: str,
    features: Collection[str],
    kind: ArtifactKind = "bin",
    target: str | None = None,
) -> str | None:
    """Why `test` does not apply to this stage (and artifact kind, and target), or None."""
    if test.stages and stage not in test.stages:
        return f"applies only to stages {', '.join(test.stages)}"
    if kind not in test.kinds:
        return f"applies only to {', '.join(test.kinds)} artifacts, not {kind}"
    if test.targets and (target or "host") not in test.targets:
        return f"applies only to targets {', '.join(test.targets)}"
    return features_unmet(test.needs_features, test.unless_features, features)


def missing_fixture(test: TestSpec, context: TestContext) -> str | None:
    for name in PLACEHOLDER.findall(" ".join(test.argv)):
        if name.startswith("fixture:") and name.removeprefix("fixture:") not in context.fixtures:
            return (
                f"{{{name}}} has not been made yet: no stage with its features has run "
                f"(run a fuller stage first, e.g. `--from release`)"
            )
    return None


def run_test(test: TestSpec, context: TestContext) -> TestResult:
    """Run one test command and judge its exit code and stdout."""
    result, left = _run_reaped(test, context)
    if not left:
        return result
    said = (
        f"left {len(left)} process(es) running after it ended, now ended: "
        + ", ".join(left[:3])
        + (" …" if len(left) > 3 else "")
    )
    if result.status == "failed":
        return dataclasses.replace(result, reason=f"{result.reason}; {said}")
    status: TestStatus = "failed" if test.leftovers == "fail" else result.status
    return dataclasses.replace(result, status=status, reason=said)


def _run_reaped(test: TestSpec, context: TestContext) -> tuple[TestResult, tuple[str, ...]]:
    """The test's result, and what it left running (ended since)."""
    argv, token = context.command(test.argv), leftovers.new_token()
    try:
        done = command.run(
            argv, env=test.env, cwd=context.workdir, timeout=test.timeout, check=False, reap=token
        )
    except CommandTimedOut as error:  # the reaper has ended what it left (unnamed here)
        why = f"killed after {test.timeout:g}s timeout"
        return TestResult(test.name, "failed", test.timeout, error.output_tail, why), ()
    except CommandFailed as error:
        return TestResult(test.name, "failed", 0.0, error.output_tail, str(error)), ()
    except ToolMissingError as error:
        if _not_installed(argv[0], test.env):  # the machine's fault, not the build's
            return TestResult(test.name, "skipped", 0.0, "", f"{LACKS}{error}"), ()
        return TestResult(test.name, "failed", 0.0, "", str(error)), ()  # a path, a mode bit
    problem = judge(test, done.returncode, done.stdout)
    status: TestStatus = "failed" if problem else "passed"
    result = TestResult(test.name, status, round(done.seconds, 3), done.tail(), problem or "")
    return result, done.left


def _not_installed(program: str, env: Mapping[str, str]) -> bool:
    """A program named bare (a runner, a tool) that no directory of PATH holds: what the
    machine lacks. A path the project names (`{crate_dir}/x`), not executable or missing,
    is the project's fault."""
    path = env.get("PATH", os.environ.get("PATH", ""))
    return "/" not in program and shutil.which(program, path=path) is None


def judge(test: TestSpec, returncode: int, stdout: str) -> str | None:
    """What is wrong with a test's outcome, or None."""
    if returncode != test.exit_code:
        return f"exit code {returncode}, expected {test.exit_code}"
    expected = test.stdout
    if test.stdout_file is not None:
        expected = test.stdout_file.read_text(encoding="utf-8")
    if expected is not None and stdout != expected:
        return "stdout differs: " + _first_difference(expected, stdout)
    if test.stdout_regex is not None and not re.search(test.stdout_regex, stdout, re.MULTILINE):
        return f"stdout does not match /{test.stdout_regex}/"
    return None


def _first_difference(expected: str, actual: str) -> str:
    wanted, got = expected.splitlines(), actual.splitlines()
    for number, (left, right) in enumerate(zip(wanted, got, strict=False), start=1):
        if left != right:
            return f"line {number}: expected {excerpt(left)}, got {excerpt(right)}"
    if len(wanted) != len(got):
        return f"expected {len(wanted)} lines, got {len(got)}"
    return "trailing newline differs"
