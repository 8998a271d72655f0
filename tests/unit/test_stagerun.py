"""One stage run on recorded cargo output: which artifact is kept and measured, unit counts,
failed builds, staticlibs, and the project's tests, with no process started.

The cargo output comes from tests/unit/recorded/ (real runs, see its README). The fake runner
moves the recording's paths under tmp_path and makes the files cargo reported there, so the
artifact StageRun copies and measures is a file this test wrote and knows the bytes of.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from minbuild.engine import cross
from minbuild.engine.invocations import Build, build_invocation
from minbuild.engine.stagerun import Context, StageRun, base_record
from minbuild.measure import libsize
from minbuild.project.config import Artifact, Project, load_project
from minbuild.project.stages import Stage, load_staircase
from minbuild.runs.records import StageRecord, StaticlibRecord
from minbuild.rust import cargo, unitgraph
from minbuild.rust.cargo import CargoTarget, Crate
from minbuild.rust.toolchains import Resolution
from minbuild.util import command
from minbuild.util.errors import CommandFailed
from minbuild.util.text import human_size
from tests.conftest import REPO
from tests.unit.helpers import crate, toolchain

RECORDED = Path(__file__).parent / "recorded"
RECORDED_ROOT = "/tmp/minbuild-rec"
"""Where the recordings were made: the crates' copies and minbuild's state dir were under it."""
RUN_ID = "20261121T120000Z-0001"

HELLO_PROJECT = load_project(REPO / "tests" / "crates" / "hello" / "minbuild.yaml")
HELLO_STAGES = {stage.name: stage for stage in load_staircase(HELLO_PROJECT)}
DEMO_PROJECT = load_project(REPO / "config" / "demo.yaml")
DEMO_STAGES = {stage.name: stage for stage in load_staircase(DEMO_PROJECT)}
LIB_PROJECT = load_project(REPO / "config" / "demo-lib.yaml")

# What the recorded hello binary printed for the project's tests (run by hand, once).
HELLO_PROGRAMS: dict[tuple[str, ...], tuple[int, str, str]] = {
    (): (0, "hello, world!\n", ""),
    ("debug", "x"): (0, 'Greeting { who: "world", times: 2 }\n', ""),
    ("panic",): (
        101,
        "",
        "thread 'main' (19129) panicked at src/main.rs:16:26:\nasked to panic with [\"panic\"]\n",
    ),
}


@dataclass(frozen=True)
class Call:
    argv: tuple[str, ...]
    env: Mapping[str, str] | None
    cwd: Path | None
    check: bool
    log_file: Path | None


class FakeRunner:
    """A `command.Runner`: cargo gets a recording, its paths moved from RECORDED_ROOT to
    `root` and every file it reports made there; any other program (a test command) gets the
    answer `programs` holds for its arguments."""

    def __init__(
        self,
        root: Path,
        recording: str,
        programs: Mapping[tuple[str, ...], tuple[int, str, str]] | None = None,
    ) -> None:
        self.root = root
        self.stdout = moved((RECORDED / f"{recording}.stdout.jsonl").read_text("utf-8"), root)
        self.stderr = (RECORDED / f"{recording}.stderr").read_text("utf-8")
        self.stderr = self.stderr.replace(RECORDED_ROOT, str(root))
        self.returncode = recorded_exit(recording)
        self.programs = dict(programs or {})
        self.calls: list[Call] = []
        self.files: dict[Path, bytes] = {}
        """Every file made for cargo's messages, with its bytes."""

    def __call__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float | None = None,
        check: bool = True,
        log_file: Path | None = None,
        stdin: str | None = None,
        reap: bool | str = False,
        on_line: Callable[[str], None] | None = None,
    ) -> command.Completed:
        words = tuple(str(arg) for arg in argv)
        self.calls.append(Call(words, env, cwd, check, log_file))
        if words[:2] == ("/usr/bin/cargo", "build"):
            self._make_reported_files()
            for line in self.stdout.splitlines(keepends=True):
                if on_line is not None:
                    on_line(line)
            return command.Completed(words, self.returncode, self.stdout, self.stderr, 3.14159)
        returncode, stdout, stderr = self.programs[words[1:]]
        if check and returncode != 0:
            raise CommandFailed(list(words), returncode, stderr)
        return command.Completed(words, returncode, stdout, stderr, 0.01)

    def programs_only(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float | None = None,
        check: bool = True,
        log_file: Path | None = None,
        reap: bool | str = False,
    ) -> command.Completed:
        """The runner for `command.run`, which testing.runner starts test programs with:
        cargo must come through the context's runner instead."""
        assert str(argv[0]) != "/usr/bin/cargo", "cargo was run through command.run"
        return self(argv, env=env, cwd=cwd, timeout=timeout, check=check, log_file=log_file)

    def _make_reported_files(self) -> None:
        for line in self.stdout.splitlines():
            if '"reason":"compiler-artifact"' not in line:
                continue
            for name in re.findall(r'"(/[^"]+)"', line.split('"filenames":', 1)[1]):
                path = Path(name)
                if path.is_relative_to(self.root) and path not in self.files:
                    # Sizes differ with the name, so the wrong file has the wrong size.
                    self.files[path] = f"{path.name} made by the fake cargo\n".encode() * 50
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(self.files[path])

    @property
    def programs_run(self) -> list[Call]:
        return [call for call in self.calls if call.argv[0] != "/usr/bin/cargo"]


def moved(text: str, root: Path) -> str:
    """Recorded JSON lines with RECORDED_ROOT replaced by `root` (escaped as JSON spells it)."""
    return text.replace(RECORDED_ROOT, json.dumps(str(root))[1:-1])


def recorded_exit(recording: str) -> int:
    header = (RECORDED / f"{recording}.command").read_text("utf-8").splitlines()[1]
    match = re.match(r"# exit (-?\d+) after", header)
    assert match, header
    return int(match.group(1))


def hello_crate(root: Path) -> Crate:
    return dataclasses.replace(
        crate(),
        name="hello",
        version="0.1.0",
        manifest=root / "hello" / "Cargo.toml",
        workspace_root=root / "hello",
        features={"default": ("greeting",), "greeting": (), "shout": (), "broken": ()},
        targets=(CargoTarget("hello", ("bin",), ("bin",)),),
        dependencies=(),
    )


def demo_crate(root: Path) -> Crate:
    return dataclasses.replace(
        crate(), manifest=root / "demo" / "Cargo.toml", workspace_root=root / "demo"
    )


def library_crate(root: Path) -> Crate:
    return dataclasses.replace(
        crate(),
        name="tvm-wasm",
        manifest=root / "demo" / "crates" / "tvm-wasm" / "Cargo.toml",
        workspace_root=root / "demo",
        targets=(CargoTarget("tvm_wasm", ("cdylib", "staticlib"), ("cdylib", "staticlib")),),
    )


def host_build(stage: Stage, package: Crate, artifact: Artifact, root: Path) -> Build:
    """A host stage as the pipeline plans it: the shared target dir under the state dir."""
    invocation = build_invocation(stage, package, artifact, toolchain(), state(root) / "target")
    return Build(stage, None, package, artifact, invocation)


def state(root: Path) -> Path:
    return root / "state"


def stage_run(
    project: Project, build: Build, fake: FakeRunner
) -> tuple[StageRecord, StageRun, list[str]]:
    context = Context(project, toolchain(), state(fake.root), RUN_ID, run=fake)
    run = StageRun(context, build, base_record(context, build))
    progress: list[str] = []
    return run.run(progress.append), run, progress


def no_tests(project: Project, root: Path, manifest: str) -> Project:
    """The project moved to the recording's copy of its crate, without tests or fixtures."""
    return dataclasses.replace(
        project, manifest=root / manifest, tests=(), fixtures=(), integration_tests=None
    )


def same_spelling(words: list[str]) -> list[str]:
    """A command line with `--option value` spelled `--option=value`, as cargo reads both,
    without cargo's own --locked and --offline before `build`: the request's (a recording made
    with `--offline` has them; the requests these tests build have not)."""
    spelled: list[str] = []
    if "build" in words:
        at = words.index("build")
        words = [w for w in words[:at] if w not in ("--locked", "--offline")] + words[at:]
    for word in words:
        previous = spelled[-1] if spelled else ""
        if previous.startswith("--") and "=" not in previous and not word.startswith("-"):
            spelled[-1] = f"{previous}={word}"
        else:
            spelled.append(word)
    return spelled


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_recordings_are_of_the_commands_these_builds_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = Path(RECORDED_ROOT)
    release = HELLO_STAGES["release"]
    broken = dataclasses.replace(release, name="broken", features=("broken",))
    monkeypatch.setattr("minbuild.project.targets.Target.missing", lambda self: [])
    monkeypatch.setattr(cargo, "read_crate", lambda *args: library_crate(root))
    (wasm,) = cross.builds(
        DEMO_PROJECT,
        demo_crate(root),
        [DEMO_STAGES["release"]],
        Resolution(toolchain(), {}),
        ["wasm32-unknown-unknown"],
        state(root),
    )
    builds = {
        "hello-release": host_build(release, hello_crate(root), HELLO_PROJECT.artifact, root),
        "hello-broken": host_build(broken, hello_crate(root), HELLO_PROJECT.artifact, root),
        "demo-no-default-features": host_build(
            DEMO_STAGES["no-default-features"], demo_crate(root), DEMO_PROJECT.artifact, root
        ),
        "demo-lib-release": host_build(
            DEMO_STAGES["release"], library_crate(root), LIB_PROJECT.artifact, root
        ),
        "demo-wasm32-release": wasm,
    }
    for recording, build in builds.items():
        header = (RECORDED / f"{recording}.command").read_text("utf-8").splitlines()[0]
        recorded = same_spelling(shlex.split(header.removeprefix("$ ")))
        assert recorded == same_spelling(shlex.split(build.invocation.shell())), recording


def test_the_packages_bin_is_kept_and_measured_among_its_dependencies(tmp_path: Path) -> None:
    fake = FakeRunner(tmp_path, "demo-no-default-features")
    project = no_tests(DEMO_PROJECT, tmp_path, "demo/Cargo.toml")
    stage = DEMO_STAGES["no-default-features"]
    build = host_build(stage, demo_crate(tmp_path), DEMO_PROJECT.artifact, tmp_path)
    record, _, progress = stage_run(project, build, fake)

    built = fake.files[state(tmp_path) / "target" / "minbuild" / "tinyvm"]
    kept = state(tmp_path) / "artifacts" / "no-default-features" / "tinyvm"
    assert record.status == "ok", record.reason
    assert record.artifact == str(kept)
    assert kept.read_bytes() == built
    assert record.size_bytes == len(built)
    assert record.sha256 == sha256(built)
    # Every other file cargo reported is a dependency's rlib/rmeta, none of them the artifact.
    assert len(fake.files) == 7 and len({len(data) for data in fake.files.values()}) > 1
    assert record.staticlib is None
    assert record.build_seconds == 3.14
    # cargo's units as they finish, each of the recording's burst: the last said is the truth
    assert progress == [
        "building",
        "building 1 unit done · tvm_isa",
        "building 2 units done · minilog",
        "building 3 units done · tvm_core",
        "building 4 units done · tinyvm",
        f"measuring tinyvm ({human_size(len(built))})",  # a 1 GiB debug .a takes minutes
        "testing",
    ]


def test_the_cargo_build_is_run_through_the_context_as_planned(tmp_path: Path) -> None:
    fake = FakeRunner(tmp_path, "demo-no-default-features")
    project = no_tests(DEMO_PROJECT, tmp_path, "demo/Cargo.toml")
    stage = DEMO_STAGES["no-default-features"]
    build = host_build(stage, demo_crate(tmp_path), DEMO_PROJECT.artifact, tmp_path)
    record, run, _ = stage_run(project, build, fake)

    # A first build asks cargo for its units (the progress's total), then builds.
    query, call = fake.calls
    assert list(query.argv) == unitgraph.query(build.invocation.argv)
    assert query.env == unitgraph.environment(build.invocation.env)
    assert query.env["RUSTC_BOOTSTRAP"] == "1" and query.env["CARGO_CACHE_RUSTC_INFO"] == "0"
    assert call.argv == build.invocation.argv and call.env == build.invocation.env
    assert call.cwd == tmp_path / "demo" and call.check is False
    assert (
        call.log_file
        == run.log
        == state(tmp_path) / "logs" / RUN_ID / "host" / ("no-default-features.log")
    )
    assert record.log == str(run.log)
    assert record.command == build.invocation.argv


def test_unit_counts_come_from_cargos_fresh_flags(tmp_path: Path) -> None:
    # no-default-features after release: tvm-isa is unchanged, minilog, tvm-core, tinyvm not.
    fake = FakeRunner(tmp_path, "demo-no-default-features")
    project = no_tests(DEMO_PROJECT, tmp_path, "demo/Cargo.toml")
    stage = DEMO_STAGES["no-default-features"]
    build = host_build(stage, demo_crate(tmp_path), DEMO_PROJECT.artifact, tmp_path)
    record, _, _ = stage_run(project, build, fake)
    assert (record.units_fresh, record.units_built) == (1, 3)

    # tvm-wasm's release after tinyvm's: three shared dependencies fresh.
    fake = FakeRunner(tmp_path / "lib", "demo-lib-release")
    project = no_tests(LIB_PROJECT, fake.root, "demo/Cargo.toml")
    project = dataclasses.replace(project, staticlib_exports=())
    build = host_build(
        DEMO_STAGES["release"], library_crate(fake.root), LIB_PROJECT.artifact, fake.root
    )
    record, _, _ = stage_run(project, build, fake)
    assert (record.units_fresh, record.units_built) == (3, 2)


def test_a_failed_build_records_cargos_first_error_and_the_log(tmp_path: Path) -> None:
    fake = FakeRunner(tmp_path, "hello-broken", HELLO_PROGRAMS)
    project = dataclasses.replace(HELLO_PROJECT, manifest=tmp_path / "hello" / "Cargo.toml")
    broken = dataclasses.replace(HELLO_STAGES["release"], name="broken", features=("broken",))
    build = host_build(broken, hello_crate(tmp_path), HELLO_PROJECT.artifact, tmp_path)
    record, _, progress = stage_run(project, build, fake)

    assert record.status == "failed"
    assert record.first_error == (
        "error: the `broken` feature does not compile (on purpose, for minbuild's tests)"
    )
    log = state(tmp_path) / "logs" / RUN_ID / "host" / "broken.log"
    assert record.reason == f"build failed (exit 101); full log: {log}"
    assert record.log == str(log) and record.build_seconds == 3.14
    assert record.artifact is None and record.size_bytes is None and record.sha256 is None
    assert record.tests == () and fake.programs_run == [] and progress == ["building"]
    assert not (state(tmp_path) / "artifacts").exists()


def test_a_build_without_the_artifact_is_a_failure(tmp_path: Path) -> None:
    """cargo succeeded, but reported no bin of the name the project asks for."""
    fake = FakeRunner(tmp_path, "hello-release", HELLO_PROGRAMS)
    project = dataclasses.replace(HELLO_PROJECT, manifest=tmp_path / "hello" / "Cargo.toml")
    built = host_build(
        HELLO_STAGES["release"], hello_crate(tmp_path), HELLO_PROJECT.artifact, tmp_path
    )
    build = dataclasses.replace(built, artifact=Artifact("bin", "hello-cli"))
    record, _, _ = stage_run(project, build, fake)

    log = state(tmp_path) / "logs" / RUN_ID / "host" / "release.log"
    assert record.status == "failed"
    assert record.reason == (
        f"cargo reported no bin 'hello-cli' artifact for hello (bin hello); full log: {log}"
    )
    assert record.first_error is None and record.size_bytes is None and record.artifact is None
    assert record.tests == () and fake.programs_run == []


def test_the_staticlib_is_kept_and_measured_with_its_effective_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probes: list[tuple[Path, tuple[str, ...], Path]] = []

    def effective_size(archive: Path, exports: Sequence[str], workdir: Path) -> int:
        probes.append((archive, tuple(exports), workdir))
        return 4242

    monkeypatch.setattr(libsize, "effective_size", effective_size)
    monkeypatch.setattr(libsize, "present", lambda archive, exports: tuple(exports))
    fake = FakeRunner(tmp_path, "demo-lib-release")
    project = no_tests(LIB_PROJECT, tmp_path, "demo/Cargo.toml")
    build = host_build(
        DEMO_STAGES["release"], library_crate(tmp_path), LIB_PROJECT.artifact, tmp_path
    )
    record, _, _ = stage_run(project, build, fake)

    out = state(tmp_path) / "target" / "minbuild"
    kept = state(tmp_path) / "artifacts" / "release"
    assert record.status == "ok", record.reason
    assert record.artifact == str(kept / "libtvm_wasm.so")
    assert record.size_bytes == len(fake.files[out / "libtvm_wasm.so"])
    archive = fake.files[out / "libtvm_wasm.a"]
    assert (kept / "libtvm_wasm.a").read_bytes() == archive
    exports = list(LIB_PROJECT.staticlib_exports)
    assert record.staticlib == StaticlibRecord(
        str(kept / "libtvm_wasm.a"), len(archive), 4242, tuple(exports)
    )
    probe = state(tmp_path) / "work" / "host" / "release" / "probe"
    assert probes == [(kept / "libtvm_wasm.a", tuple(exports), probe)]


def test_a_staticlib_whose_probe_fails_keeps_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def effective_size(archive: Path, exports: Sequence[str], workdir: Path) -> int:
        raise CommandFailed(["cc", "probe.c"], 1, "undefined reference to `tvm_alloc'")

    monkeypatch.setattr(libsize, "effective_size", effective_size)
    monkeypatch.setattr(libsize, "present", lambda archive, exports: tuple(exports))
    fake = FakeRunner(tmp_path, "demo-lib-release")
    project = no_tests(LIB_PROJECT, tmp_path, "demo/Cargo.toml")
    build = host_build(
        DEMO_STAGES["release"], library_crate(tmp_path), LIB_PROJECT.artifact, tmp_path
    )
    record, _, _ = stage_run(project, build, fake)

    assert record.status == "ok"
    assert record.staticlib is not None
    assert record.staticlib.effective_error == "undefined reference to `tvm_alloc'"
    assert record.staticlib.effective_size_bytes is None


def staticlib_must_not_be_probed(monkeypatch: pytest.MonkeyPatch) -> None:
    def effective_size(*args: Any) -> int:
        raise AssertionError("no effective size was wanted")

    monkeypatch.setattr(libsize, "effective_size", effective_size)


def test_a_staticlib_without_exports_has_only_its_raw_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staticlib_must_not_be_probed(monkeypatch)
    fake = FakeRunner(tmp_path, "demo-lib-release")
    project = no_tests(LIB_PROJECT, tmp_path, "demo/Cargo.toml")
    project = dataclasses.replace(project, staticlib_exports=())
    build = host_build(
        DEMO_STAGES["release"], library_crate(tmp_path), LIB_PROJECT.artifact, tmp_path
    )
    record, _, _ = stage_run(project, build, fake)

    archive = fake.files[state(tmp_path) / "target" / "minbuild" / "libtvm_wasm.a"]
    kept = state(tmp_path) / "artifacts" / "release" / "libtvm_wasm.a"
    assert record.staticlib == StaticlibRecord(str(kept), len(archive))


def test_a_foreign_targets_staticlib_is_kept_in_its_lane_without_an_effective_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staticlib_must_not_be_probed(monkeypatch)
    monkeypatch.setattr("minbuild.project.targets.Target.missing", lambda self: [])
    monkeypatch.setattr(cargo, "read_crate", lambda *args: library_crate(tmp_path))
    # Exports declared: only the target keeps the probe (a host link) from running.
    project = no_tests(DEMO_PROJECT, tmp_path, "demo/Cargo.toml")
    project = dataclasses.replace(project, staticlib_exports=LIB_PROJECT.staticlib_exports)
    (build,) = cross.builds(
        project,
        demo_crate(tmp_path),
        cross.needing_build_std([DEMO_STAGES["release"]]),
        Resolution(toolchain(), {}),
        ["wasm32-unknown-unknown"],
        state(tmp_path),
    )
    fake = FakeRunner(tmp_path, "demo-wasm32-release")
    record, run, _ = stage_run(project, build, fake)

    triple = "wasm32-unknown-unknown"
    out = state(tmp_path) / "cross" / triple / triple / "minbuild"
    kept = state(tmp_path) / "artifacts" / triple / "release"
    assert record.status == "ok", record.reason
    assert record.target == triple
    assert record.artifact == str(kept / "tvm_wasm.wasm")
    assert record.size_bytes == len(fake.files[out / "tvm_wasm.wasm"])
    assert record.sha256 == sha256(fake.files[out / "tvm_wasm.wasm"])
    assert record.staticlib == StaticlibRecord(
        str(kept / "libtvm_wasm.a"), len(fake.files[out / "libtvm_wasm.a"])
    )
    assert run.log == state(tmp_path) / "logs" / RUN_ID / triple / "release.log"
    # The trimmed recording keeps core and std of std's 27 units, all 7 rebuilt (build-std).
    assert (record.units_fresh, record.units_built) == (0, 7)


def test_the_projects_tests_run_on_the_kept_binary_or_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeRunner(tmp_path, "hello-release", HELLO_PROGRAMS)
    # testing.runner starts test programs with command.run: they get the fake's answers.
    monkeypatch.setattr(command, "run", fake.programs_only)
    project = dataclasses.replace(HELLO_PROJECT, manifest=tmp_path / "hello" / "Cargo.toml")
    build = host_build(
        HELLO_STAGES["release"], hello_crate(tmp_path), HELLO_PROJECT.artifact, tmp_path
    )
    record, _, _ = stage_run(project, build, fake)

    kept = state(tmp_path) / "artifacts" / "release" / "hello"
    assert record.status == "ok", record.reason
    assert [(t.name, t.status) for t in record.tests] == [
        ("greets", "passed"),
        ("debug-format", "passed"),
        ("panic-unwinds", "passed"),
        ("panic-aborts", "skipped"),
    ]
    assert record.tests[3].reason == (
        "applies only to stages panic-abort, lto, codegen-units-1, strip-debuginfo, location-detail"
    )
    workdir = state(tmp_path) / "work" / "host" / "release"
    assert [(call.argv, call.cwd) for call in fake.programs_run] == [
        ((str(kept),), workdir),
        ((str(kept), "debug", "x"), workdir),
        ((str(kept), "panic"), workdir),
    ]
    assert record.fixtures == {}


def test_a_failing_test_fails_the_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    programs = {**HELLO_PROGRAMS, (): (0, "HELLO, WORLD!\n", "")}
    fake = FakeRunner(tmp_path, "hello-release", programs)
    monkeypatch.setattr(command, "run", fake.programs_only)
    project = dataclasses.replace(HELLO_PROJECT, manifest=tmp_path / "hello" / "Cargo.toml")
    build = host_build(
        HELLO_STAGES["release"], hello_crate(tmp_path), HELLO_PROJECT.artifact, tmp_path
    )
    record, _, _ = stage_run(project, build, fake)

    assert record.status == "failed" and record.reason == "tests failed: greets"
    greets = record.tests[0]
    assert greets.reason == "stdout differs: line 1: expected 'hello, world!', got 'HELLO, WORLD!'"
    # The build itself is still recorded in full.
    assert record.size_bytes == len(fake.files[state(tmp_path) / "target" / "minbuild" / "hello"])


def test_config_dir_is_absolute_when_the_project_file_was_found_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run in their own work dir, so a `{config_dir}` relative to where minbuild was
    started (`minbuild.yaml` found in the crate) would name nothing there."""
    monkeypatch.chdir(tmp_path)
    project = dataclasses.replace(LIB_PROJECT, path=Path("minbuild.yaml"))
    build = host_build(
        DEMO_STAGES["release"], library_crate(tmp_path), LIB_PROJECT.artifact, tmp_path
    )
    context = Context(project, toolchain(), state(tmp_path), RUN_ID)
    run = StageRun(context, build, base_record(context, build))
    made = run._test_context(tmp_path / "lib.so")
    assert made.config_dir == tmp_path and made.substitute(("{config_dir}/x",)) == [f"{tmp_path}/x"]
