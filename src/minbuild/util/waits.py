"""Waits that a signal can interrupt, whichever thread the kernel hands the signal to.

Python runs a signal's handler (Ctrl-C's KeyboardInterrupt, SIGTERM's) in the main thread, at
its next bytecode. When the kernel delivers the signal to another thread (a lane reading
cargo's output, say), nothing wakes a main thread blocked in a lock, a `join` or `waitpid`
without a timeout: the handler waits until that wait ends, which for a lane is the whole
staircase. Every wait here wakes up each TICK seconds in the main thread, so the handler runs
within a TICK; in any other thread it blocks as the plain wait does (Popen.wait with a timeout
polls waitpid every 50 ms, which a lane's thread has no reason to pay)."""

from __future__ import annotations

import concurrent.futures
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

TICK = 0.2
"""Seconds a wait may block before it looks for a pending signal."""

T = TypeVar("T")


def result(future: Future[T]) -> T:
    """`future.result()`, interruptible."""
    while _in_main_thread() and not concurrent.futures.wait([future], timeout=TICK).done:
        pass
    return future.result()


def join(thread: threading.Thread) -> None:
    """`thread.join()`, interruptible."""
    while _in_main_thread() and thread.is_alive():
        thread.join(TICK)
    thread.join()


def communicate(
    process: subprocess.Popen[str], stdin: str | None = None, timeout: float | None = None
) -> tuple[str, str]:
    """`process.communicate(stdin, timeout)`, interruptible; raises TimeoutExpired as it
    does (output read so far is kept by the process object, as communicate documents)."""
    calls = 0

    def once(seconds: float | None) -> tuple[str, str]:
        nonlocal calls
        calls += 1  # stdin goes with the first call only: communicate refuses it again
        return process.communicate(stdin if calls == 1 else None, timeout=seconds)

    return _in_ticks(once, timeout)


def wait(process: subprocess.Popen[str], timeout: float | None) -> int:
    """`process.wait(timeout)`, interruptible; raises TimeoutExpired as it does."""
    return _in_ticks(lambda seconds: process.wait(timeout=seconds), timeout)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _in_ticks(call: Callable[[float | None], T], timeout: float | None) -> T:
    """`call(seconds)`, which raises TimeoutExpired when its seconds pass, again each TICK
    until it returns; TimeoutExpired once `timeout` (None: never) has passed. Outside the
    main thread, `call(timeout)` once."""
    if not _in_main_thread():
        return call(timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = TICK if deadline is None else min(TICK, deadline - time.monotonic())
        try:
            return call(max(left, 0))
        except subprocess.TimeoutExpired:
            if deadline is not None and time.monotonic() >= deadline:
                raise
