"""A signal the kernel hands to another thread than the main one still stops the main
thread's wait: Python runs the handler only in the main thread, which a wait without a
timeout never lets it do (a SIGTERM to a two-lane build was lost so)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

PROGRAM = """
import os, signal, subprocess, sys, threading, time
from concurrent.futures import Future
from minbuild.util import waits

sleeper = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(30)"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
)
signal.signal(signal.SIGTERM, lambda *_: (sleeper.kill(), os._exit(7)))
future = Future()

def takes_the_signal():
    time.sleep(1)  # the main thread is in its wait by now
    signal.pthread_kill(threading.get_ident(), signal.SIGTERM)  # this thread, not main
    time.sleep(30)
    future.set_result(None)

thread = threading.Thread(target=takes_the_signal, daemon=True)
thread.start()
{wait}
os._exit(0)
"""

WAITS = {
    "result": "waits.result(future)",
    "join": "waits.join(thread)",
    "wait": "waits.wait(sleeper, None)",
    "communicate": "waits.communicate(sleeper)",
}


@pytest.mark.parametrize("wait", WAITS.values(), ids=WAITS.keys())
def test_a_signal_another_thread_took_stops_the_main_threads_wait(wait: str) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(wait=wait)], capture_output=True, timeout=60
    )
    assert done.returncode == 7, done.stderr
    assert time.monotonic() - started < 10  # not the 30 s until the wait would have ended


def test_without_a_tick_the_signal_waits_for_the_wait() -> None:
    """The case above is real: a plain `future.result()` sleeps through the handler."""
    program = PROGRAM.replace("sleep(30)", "sleep(3)").format(wait="future.result()")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60)
    assert done.returncode == 7, done.stderr
    assert time.monotonic() - started >= 4  # 1 s, then the 3 s wait


def test_outside_the_main_thread_a_wait_is_the_plain_one() -> None:
    """A lane's thread cannot run a handler, so it blocks once: the timeout still holds."""
    from concurrent.futures import ThreadPoolExecutor

    from minbuild.util import waits

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], text=True)
    try:
        with ThreadPoolExecutor(1) as pool:
            late = pool.submit(waits.wait, sleeper, 0.5)
            with pytest.raises(subprocess.TimeoutExpired):
                late.result(timeout=20)
    finally:
        sleeper.kill()
        sleeper.wait()
    quick = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"], text=True)
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(waits.wait, quick, None).result(timeout=20) == 3
