"""A compiler or linker that a signal ended (a file size limit, the OOM killer, a kill -9):
cargo's output says so deep in its log; a stage's reason says it first."""

from __future__ import annotations

import re
import signal

# collect2 (gcc's linker driver): "ld terminated with signal 25 [File size limit exceeded]";
# cargo: "process didn't exit successfully: `…/rustc --crate-name …` (signal: 9, SIGKILL: kill)"
_LINKER = re.compile(r"\b([\w.+-]+) terminated with signal (\d+)")
_PROCESS = re.compile(r"process didn't exit successfully: `(\S+)[^`]*` \(signal: (\d+)")


def killed_by_signal(output: str) -> str | None:
    """Which program a signal ended and which signal, with what usually sends it, or None."""
    found = _LINKER.search(output)
    role = "the linker"
    if found is None:
        found = _PROCESS.search(output)
        role = "the compiler" if found and found.group(1).endswith("rustc") else "a build program"
    if found is None:
        return None
    program, number = found.group(1).rsplit("/", 1)[-1], int(found.group(2))
    return f"{role} ({program}) was killed by {_describe(number)}"


def _describe(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    why = {
        "SIGXFSZ": "a file size limit (ulimit -f) was reached",
        "SIGKILL": "killed outright (out of memory, or kill -9)",
        "SIGSEGV": "it crashed",
        "SIGXCPU": "a CPU time limit (ulimit -t) was reached",
    }.get(name, signal.strsignal(number) or "")
    return f"{name} (signal {number}: {why})"
