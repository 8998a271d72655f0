"""Waits that a signal can interrupt, whichever thread the kernel hands the signal to.

Python runs a signal's handler (Ctrl-C's KeyboardInterrupt, SIGTERM's) in the main thread, at
its next bytecode. When the kernel delivers the signal to another thread (a lane reading
cargo's output, say), nothing wakes a main thread blocked in a lock, a `join` or `waitpid`
without a timeout: the handler waits until that wait ends, which for a lane is the whole
staircase. Every wait here wakes up each TICK seconds, so the handler runs within a TICK."""

from __future__ import annotations

import concurrent.futures
import subprocess
import threading
import time
from concurrent.futures import Future
from typing import TypeVar

TICK = 0.2
"""Seconds a wait may block before it looks for a pending signal."""

T = TypeVar("T")


def result(future: Future[T]) -> T:
    """`future.result()`, interruptible."""
    while not concurrent.futures.wait([future], timeout=TICK).done:
        pass
    return future.result()


def join(thread: threading.Thread) -> None:
    """`thread.join()`, interruptible."""
    while thread.is_alive():
        thread.join(TICK)


def communicate(
    process: subprocess.Popen[str], stdin: str | None = None, timeout: float | None = None
) -> tuple[str, str]:
    """`process.communicate(stdin, timeout)`, interruptible; raises TimeoutExpired as it
    does (output read so far is kept by the process object, as communicate documents)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    given = stdin
    while True:
        left = TICK if deadline is None else min(TICK, deadline - time.monotonic())
        try:
            return process.communicate(given, timeout=max(left, 0))
        except subprocess.TimeoutExpired:
            if deadline is not None and time.monotonic() >= deadline:
                raise
        given = None  # sent with the first call: communicate refuses it again


def wait(process: subprocess.Popen[str], timeout: float | None) -> int:
    """`process.wait(timeout)`, interruptible; raises TimeoutExpired as it does."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = TICK if deadline is None else min(TICK, deadline - time.monotonic())
        try:
            return process.wait(timeout=max(left, 0))
        except subprocess.TimeoutExpired:
            if deadline is not None and time.monotonic() >= deadline:
                raise
