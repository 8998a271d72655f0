"""Progress on a terminal: a line per build, redrawn each second while it runs, with cargo's
units as they finish (the CLI's `Reporter`); off a terminal, a line when a build starts
building or testing, and one every 30 s while it runs."""

from __future__ import annotations

import threading
import time
from typing import TextIO

from minbuild.runs.records import StageRecord
from minbuild.runs.rows import tests_text
from minbuild.util.text import human_size

PLAIN_EVERY = 30.0
"""Off a terminal (a CI log, a pipe), seconds between two lines of one running build."""


class ProgressPrinter:
    """One line per stage: what it is doing and for how long; redrawn each second on a terminal."""

    def __init__(self, stream: TextIO, *, voice: str = "minbuild") -> None:
        self.stream = stream
        self.live = stream.isatty()  # until `lanes` says more than one lane reports
        self.voice = voice
        self._line = ""
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._labels: dict[int, str] = {}  # position -> "stage @ target", from progress()
        self._said: dict[int, tuple[str, float]] = {}  # position -> (what, when) last printed
        self._since: dict[int, float] = {}  # position -> when it began what it is doing
        self._writing = threading.Lock()

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        now = time.monotonic()
        kind = action.split(" ", 1)[0]  # building, testing: a new one is always said
        said = self._said.get(position)
        if not self.live and said and said[0] == kind and now - said[1] < PLAIN_EVERY:
            return  # off a terminal, a running build says how far it is twice a minute
        self._halt()
        self._labels[position] = stage
        if said is None or said[0] != kind:
            self._since[position] = now
        self._said[position] = (kind, now)
        self._line, self._started = (
            f"[{position:>2}/{total}] {stage}: {action}",
            self._since[position],
        )
        if self.live:
            self._stop = threading.Event()
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        else:
            elapsed = now - self._since[position]
            self._write(f"{self._line} …{f' {elapsed:.0f}s' if elapsed >= 1 else ''}\n")

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        self._halt()
        size = human_size(record.size_bytes) if record.size_bytes is not None else "no size"
        tests = f"{tests_text(record)} tests" if record.tests_run else "no tests"
        if record.test_seconds is not None and record.tests_run:
            tests += f" in {record.test_seconds:.1f}s"
        seconds = f"{record.build_seconds:.1f}s build" if record.build_seconds is not None else ""
        detail = "  ".join(part for part in (size, tests, seconds) if part)
        if record.status == "skipped":
            detail = record.reason.split(";")[0]
        label = self._labels.get(position, record.name)
        self._write(f"{self._erase()}[{position:>2}/{total}] {label}: {record.status}  {detail}\n")

    def restarting(self, reason: str) -> None:
        self.say(reason)

    def lanes(self, count: int) -> None:
        # Lanes in parallel interleave their lines: only one lane may redraw its line in place.
        self.live = self.live and count <= 1

    def step(self, number: int, total: int, label: str) -> None:
        self._halt()
        self._write(f"{self._erase()}[{number:>2}/{total}] {label}\n")

    def say(self, message: str) -> None:
        self._halt()
        self._write(f"{self._erase()}{self.voice}: {message}\n")

    def _write(self, text: str) -> None:
        """One write per line: lanes report from threads of their own, and print() writes a
        line and its newline apart, so two lanes' lines could run together."""
        with self._writing:
            self.stream.write(text)
            self.stream.flush()

    def _erase(self) -> str:
        """What takes the line being redrawn off the screen before another is printed."""
        return "\r\033[K" if self.live else ""

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            elapsed = time.monotonic() - self._started
            self._write(f"\r\033[K{self._line} … {elapsed:.0f}s")

    def _halt(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
