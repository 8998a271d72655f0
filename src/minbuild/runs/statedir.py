"""The state directory: every path minbuild writes or deletes lies inside it, one run at a
time holds it, and runs are numbered in the order they got it."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from minbuild.runs import records
from minbuild.util import leftovers
from minbuild.util.errors import ConfigError, MinbuildError, StateDirError
from minbuild.util.files import FULL, disk_full, write_atomic

LOCK = "lock"
SEQUENCE = "sequence"


def inside(state_dir: Path, *parts: str) -> Path:
    """`state_dir/parts...`, refused unless it resolves to a path inside `state_dir` (names
    from input are checked at load; this is the last guard before the disk). A symbolic link
    on the way that leads out of the state dir (a state dir restored from a shared cache can
    hold one) is refused in one line that names it."""
    root = state_dir.resolve()
    path = root.joinpath(*parts).resolve()
    if path == root or not path.is_relative_to(root):
        link = _link_on_the_way(root, parts)
        if link is not None:
            raise StateDirError(
                f"refusing to write through {link}: it is a symbolic link to "
                f"{link.readlink()}, outside the state dir {root} (remove the link)"
            )
        raise ConfigError(f"refusing to touch {path}: it is not inside the state dir {root}")
    return path


@dataclasses.dataclass(frozen=True)
class Layout:
    """The state dir's folders, each named here once; every path is made by `inside`, the
    guard, so that no name from input reaches the disk outside the state dir."""

    root: Path

    def runs(self) -> Path:
        """Run documents, which size-report reads."""
        return inside(self.root, "runs")

    def logs(self, *parts: str) -> Path:
        """Every command's output, by run and lane."""
        return inside(self.root, "logs", *parts)

    def artifacts(self, *parts: str) -> Path:
        """What each stage built, kept."""
        return inside(self.root, "artifacts", *parts)

    def work(self, *parts: str) -> Path:
        """A stage's scratch dir for its tests, emptied before it."""
        return inside(self.root, "work", *parts)

    def fixtures(self) -> Path:
        """The files the tests use, made once and kept."""
        return inside(self.root, "fixtures")

    def progress(self, name: str) -> Path:
        """What a long job took last time (units, seconds), for the next one's progress."""
        return inside(self.root, "progress", name)

    def target(self, name: str = "target") -> Path:
        """A cargo target dir: a group of stages' (`target`, `target-2`, `target-std`...) or a
        job's own (`target-tests`, `feature-target`)."""
        return inside(self.root, name)

    def cross(self, triple: str) -> Path:
        """A foreign target's own target dir."""
        return inside(self.root, "cross", triple)

    def platforms(self, *parts: str) -> Path:
        """A custom platform's host libraries."""
        return inside(self.root, "platforms", *parts)

    def probes(self, name: str) -> Path:
        """A custom target's probe builds of std."""
        return inside(self.root, "probes", name)

    def compositions(self, name: str) -> Path:
        """What a stage's binary is made of, by crate."""
        return inside(self.root, "compositions", name)

    def checks(self, name: str) -> Path:
        """Broken budgets a check let through."""
        return inside(self.root, "checks", name)

    def feature_matrix(self, name: str) -> Path:
        """feature-matrix's records."""
        return inside(self.root, "feature-matrix", name)

    def optimize(self, *parts: str) -> Path:
        """optimize's searches: their documents, `trials` and the trials' `runs`."""
        return inside(self.root, "optimize", *parts)


def folder(name: str) -> str:
    """A stage's name (feature-cost's `lto:full-shout`) as a folder of the state dir. A path
    with ':' in it breaks the lists PATH, LD_LIBRARY_PATH and a linker's rpath are made of
    (a test's host linked with `-rpath` to `lto:full-shout/` loaded the library of `lto/`)."""
    return name.replace(":", ".")


def _link_on_the_way(root: Path, parts: tuple[str, ...]) -> Path | None:
    place = root
    for part in Path(*parts).parts if parts else ():
        place = place / part
        if place.is_symlink():
            return place
    return None


def _own_file(path: Path, flags: int) -> int:
    """A descriptor for one of the state dir's own files, never through a symbolic link and
    never anything but a regular file (a FIFO would block, a link would write elsewhere)."""
    try:
        handle = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise StateDirError(
                f"refusing to write through {path}: it is a symbolic link to "
                f"{path.readlink()} (remove the link)"
            ) from error
        raise StateDirError(f"state dir file {path} is not usable: {error.strerror}") from error
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise StateDirError(f"refusing to use {path}: it is not a regular file (remove it)")
    os.set_blocking(handle, True)
    return handle


def fresh_dir(path: Path) -> Path:
    """`path`, a directory of the state dir's `Layout`, empty (what was there is deleted)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def usable(state_dir: Path) -> Path:
    """The state dir, created if need be; one line (exit 3) if it cannot be written."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        probe = state_dir / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise StateDirError(
            f"state dir {state_dir} is not usable: {error.strerror or error}"
            " (give another with --state-dir)"
        ) from error
    return state_dir.resolve()


@contextlib.contextmanager
def exclusive(state_dir: Path, holder: str, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold the state dir for one command: a second one waits (after saying so) until the
    first ends. The kernel drops the lock when a process dies, so it never goes stale; the
    lock's line stays, though, when its holder was killed (a clean end empties it), and names
    the token its processes carry: the next holder ends what is left of it and marks its run
    document interrupted, and says so (`waiting` hears it)."""
    root = usable(state_dir)
    handle = _own_file(root / LOCK, os.O_RDWR | os.O_CREAT)
    before, held = os.environ.get(leftovers.RUN_VARIABLE), False
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holding = os.pread(handle, 400, 0).decode("utf-8", "replace").strip()
            owner = _LEFT_BEHIND.sub(")", holding) or "another run"
            waiting(f"state dir {root} is in use by {owner}; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        left_behind = os.pread(handle, 400, 0).decode("utf-8", "replace").strip()
        found = _LEFT_BEHIND.search(left_behind)
        inode = os.fstat(handle).st_ino
        if found is not None:  # before its line is overwritten: an interrupted repair repeats
            waiting(_recovered(root, left_behind[: found.start()] + ")", found, inode))
        token = leftovers.new_token()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        line = f"{holder} (pid {os.getpid()}, since {started}; token {token} {inode})\n"
        try:
            os.ftruncate(handle, 0)
            os.pwrite(handle, line.encode(), 0)
        except OSError as error:
            if error.errno in FULL:
                raise disk_full(root / LOCK, len(line)) from error
            raise
        os.environ[leftovers.RUN_VARIABLE] = token  # every process it starts inherits it
        held = True
        yield
    finally:
        if held:  # any end Python sees (an error, Ctrl-C, SIGTERM) stopped what it started
            with contextlib.suppress(OSError):
                os.ftruncate(handle, 0)
        if before is None:
            os.environ.pop(leftovers.RUN_VARIABLE, None)
        else:
            os.environ[leftovers.RUN_VARIABLE] = before
        os.close(handle)  # releases the lock


_LEFT_BEHIND = re.compile(r";\s*token ([0-9a-f]{32}) (\d+)\)")
_HOLDER = re.compile(r"\(pid (\d+), since ([0-9T:+-]+)")


def _recovered(root: Path, holder: str, found: re.Match[str], inode: int) -> str:
    """End what a killed holder left running and mark its unfinished run documents. Only
    when the line was written to this very lock file by a process now gone: a state dir
    copied while a run held it names a run that is alive elsewhere."""
    said = (
        f"the run before this one ({holder}) ended without finishing "
        "(killed, or the machine stopped)"
    )
    holder_found = _HOLDER.search(holder)
    pid = int(holder_found.group(1)) if holder_found else 0
    if int(found.group(2)) != inode or _alive(pid):
        return said + "; its processes, if any, are not this state dir's to end (a copied lock)"
    ended = leftovers.end(found.group(1), leftovers.RUN_VARIABLE)
    since = holder_found.group(2) if holder_found else ""
    marked = []
    runs = inside(root, "runs")
    for path in sorted(runs.glob("*.json")) if runs.is_dir() else ():
        if not _started_since(path.stem, since):
            continue  # an older run's document: not the killed run's
        try:
            run = records.load(path)
        except MinbuildError:
            continue  # not ours to repair
        if not (run.complete or run.interrupted or run.finished):
            records.save(dataclasses.replace(run, interrupted=True), runs)
            marked.append(path.name)
    if ended:
        programs = {process.command.split()[0].rsplit("/", 1)[-1] for process in ended}
        said += f"; ended {len(ended)} process(es) it left running ({', '.join(sorted(programs))})"
    if marked:
        said += f"; its run document {', '.join(marked)} is marked interrupted"
    return said


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _started_since(run_id: str, since: str) -> bool:
    """Whether a run id (`20261205T231708Z-000001`) names a start no earlier than `since`
    (the lock line's ISO time, to the second)."""
    try:
        holder_start = datetime.fromisoformat(since).astimezone(UTC)
    except ValueError:
        return True  # unknown: look at every document
    return run_id[:16] >= holder_start.strftime("%Y%m%dT%H%M%SZ")


def next_sequence(state_dir: Path) -> int:
    """One more than the last run's number (call it holding the state dir: `exclusive`)."""
    root = usable(state_dir)
    path = root / SEQUENCE
    last = 0
    if path.exists() or path.is_symlink():
        handle = _own_file(path, os.O_RDONLY)
        with os.fdopen(handle, "rb") as stream:
            text = stream.read(64).decode("ascii", "replace").strip()
        last = int(text) if text.isdigit() else 0
    number = last + 1
    write_atomic(path, f"{number}\n")  # a full disk: one line with the path, no temporary left
    return number
