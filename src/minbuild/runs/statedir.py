"""The state directory: every path minbuild writes or deletes lies inside it, one run at a
time holds it, and runs are numbered in the order they got it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from minbuild.util.errors import ConfigError, StateDirError

LOCK = "lock"
SEQUENCE = "sequence"


def inside(state_dir: Path, *parts: str) -> Path:
    """`state_dir/parts...`, refused unless it resolves to a path inside `state_dir` (names
    from input are checked at load; this is the last guard before the disk)."""
    root = state_dir.resolve()
    path = root.joinpath(*parts).resolve()
    if path == root or not path.is_relative_to(root):
        raise ConfigError(f"refusing to touch {path}: it is not inside the state dir {root}")
    return path


def fresh_dir(state_dir: Path, *parts: str) -> Path:
    """An empty directory inside the state dir (what was there is deleted)."""
    path = inside(state_dir, *parts)
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
    first ends. The kernel drops the lock when a process dies, so it never goes stale."""
    root = usable(state_dir)
    try:
        handle = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StateDirError(f"state dir {root} is not usable: {error.strerror}") from error
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(handle, 400, 0).decode("utf-8", "replace").strip() or "another run"
            waiting(f"state dir {root} is in use by {owner}; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.ftruncate(handle, 0)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(handle, f"{holder} (pid {os.getpid()}, since {started})\n".encode(), 0)
        yield
    finally:
        os.close(handle)  # releases the lock


def next_sequence(state_dir: Path) -> int:
    """One more than the last run's number (call it holding the state dir: `exclusive`)."""
    root = usable(state_dir)
    path = root / SEQUENCE
    try:
        last = int(path.read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        last = 0
    number = last + 1
    temporary = root / f".{SEQUENCE}.{os.getpid()}"
    temporary.write_text(f"{number}\n", encoding="ascii")
    temporary.replace(path)
    return number
