"""Processes a command left running after it ended. A token in each command's environment
marks everything it starts: children inherit it through fork and exec, and `setsid`, `nohup`
or a double fork do not shed it, so /proc finds them where a process group would not."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

VARIABLE = "MINBUILD_PROCESS_TOKEN"
"""Marks what one test command starts."""
RUN_VARIABLE = "MINBUILD_RUN_TOKEN"
"""Marks everything a run holding a state dir starts (cargo, rustc, build scripts, tests)."""
PROC = Path("/proc")
GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL."""
GIVE_UP = 5.0
"""Seconds after SIGKILL before what is still listed is left (a process in uninterruptible
sleep, on a hung mount, ends when the kernel lets it)."""


@dataclass(frozen=True)
class Leftover:
    pid: int
    command: str
    """Its command line, cut to a few words."""

    def __str__(self) -> str:
        return f"{self.command} (pid {self.pid})"


def new_token() -> str:
    return uuid.uuid4().hex


def marked(token: str, variable: str = VARIABLE) -> list[Leftover]:
    """Every live process whose environment carries `token` in `variable`, but this one."""
    needle = f"{variable}={token}\0".encode()
    found = []
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            if needle not in environ and not environ.endswith(needle[:-1]):
                continue
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # it ended meanwhile, or is not ours to read
            continue
        command = " ".join(w.decode("utf-8", "replace") for w in words[:4] if w)
        if command:  # a zombie has no command line: it has ended already
            found.append(Leftover(int(entry.name), command[:120]))
    return found


def end(token: str, variable: str = VARIABLE) -> list[Leftover]:
    """End what carries `token` (SIGTERM, then SIGKILL after GRACE), including what it forks
    meanwhile, and say what it was (each process by its latest command line)."""
    seen: dict[int, Leftover] = {}
    deadline = time.monotonic() + GRACE
    settled = False
    while time.monotonic() < deadline + GIVE_UP:  # one stuck in the kernel (D) never goes
        found = marked(token, variable)
        seen.update((process.pid, process) for process in found)
        if not found:
            if settled:
                return list(seen.values())
            settled = True  # once more, for a fork that had not shown yet
        else:
            settled = False
            sent = signal.SIGTERM if time.monotonic() < deadline else signal.SIGKILL
            for process in found:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(process.pid, sent)
        time.sleep(0.05)
    return list(seen.values())
