"""Progress, the CLI's `Reporter`. On a terminal, rich's Live keeps one line per running build
(every lane at once: the stage, cargo's units done of the last run's, the unit, elapsed and the
last run's time) redrawn in place, and prints what finished above them. Off a terminal (a CI
log, a pipe) each line is printed: a build's start and end, and a line every 30 s while it runs,
whether or not it reported anything new (a heartbeat: one crate that compiles for minutes, a
test that runs for minutes, still shows the build is alive).

rich, not enlighten or a hand-rolled escape sequence: its Live region redraws several lines
from one renderable, prints other lines above them from any thread, and crops to the
terminal's width, which two lanes' lines of a real crate's unit names need."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from minbuild.runs.records import StageRecord
from minbuild.runs.rows import tests_text
from minbuild.util.text import human_size

PLAIN_EVERY = 30.0
"""Off a terminal (a CI log, a pipe), seconds between two lines of one running build."""
_NAP = 0.1
"""Seconds the heartbeat sleeps at least between two looks (a line is at most this late)."""


@dataclass
class _Running:
    """One build being drawn: its label, what it does now and since when."""

    head: str
    action: str
    since: float


class ProgressPrinter:
    """Every build's progress, live in place on a terminal, as plain lines off one."""

    def __init__(
        self, stream: TextIO, *, voice: str = "minbuild", console: Console | None = None
    ) -> None:
        self.stream = stream
        self.voice = voice
        self.live = console is not None or stream.isatty()
        self._console = console or Console(file=stream, highlight=False, soft_wrap=False)
        self._region: Live | None = None
        self._running: dict[int, _Running] = {}  # position -> what it is doing, while it runs
        self._drawn: tuple[_Running, ...] = ()  # what the live region draws, by position
        self._labels: dict[int, str] = {}  # position -> "stage @ target", from progress()
        self._said: dict[int, tuple[str, float]] = {}  # position -> (what, when) last printed
        self._since: dict[int, float] = {}  # position -> when it began what it is doing
        self._lock = threading.RLock()  # lanes report from threads of their own
        self._heart: threading.Thread | None = None  # off a terminal: says what runs silently
        self._calm = threading.Event()  # set: the heartbeat stops

    def progress(self, position: int, total: int, stage: str, action: str) -> None:
        now = time.monotonic()
        kind = action.split(" ", 1)[0]  # building, testing: a new one is always said
        with self._lock:
            said = self._said.get(position)
            if said is None or said[0] != kind:
                self._since[position] = now
            self._labels[position] = stage
            head = _head(position, total, stage)
            self._running[position] = _Running(head, action, self._since[position])
            if self.live:
                self._said[position] = (kind, now)
                self._drawn = tuple(r for _, r in sorted(self._running.items()))
                # A new line is drawn at once; a line that only moves on (cargo's units, a
                # suite's tests: hundreds a second) waits for the region's own 4 redraws a
                # second, which read the snapshot.
                self._draw(at_once=said is None or said[0] != kind)
                return
            self._beating()
            if said and said[0] == kind and now - said[1] < PLAIN_EVERY:
                return  # off a terminal, a running build says how far it is twice a minute
            self._said[position] = (kind, now)
            self._say_running(self._running[position], now)

    def beat(self) -> float:
        """Off a terminal: say each running job that has said nothing for PLAIN_EVERY
        seconds, what it last reported and for how long; the seconds until one is due."""
        now = time.monotonic()
        due = PLAIN_EVERY
        if self.live:
            return due  # on a terminal the live region redraws every running line anyway
        with self._lock:
            for position, running in sorted(self._running.items()):
                kind, when = self._said.get(position, ("", now))
                if now - when >= PLAIN_EVERY:
                    self._said[position] = (kind, now)
                    self._say_running(running, now)
                    when = now
                due = min(due, when + PLAIN_EVERY - now)
        return max(due, 0.0)

    def _say_running(self, running: _Running, now: float) -> None:
        elapsed = now - running.since
        self._line(
            f"{running.head}: {running.action} …{f' {elapsed:.0f}s' if elapsed >= 1 else ''}"
        )

    def _beating(self) -> None:
        """Start the heartbeat (a thread of its own) if it is not running: a cargo that
        compiles one crate for minutes, or a test that runs for minutes, reports nothing."""
        if self._heart is not None:
            return
        calm = self._calm = threading.Event()
        self._heart = threading.Thread(target=self._pulse, args=(calm,), daemon=True)
        self._heart.start()

    def _pulse(self, calm: threading.Event) -> None:
        due = PLAIN_EVERY  # it starts as a job says its first line: nothing is due sooner
        while not calm.wait(max(due, _NAP)):
            with self._lock:
                if not self._running:  # nothing runs: the next progress() starts it again
                    self._heart = None
                    return
            due = self.beat()

    def finished(self, position: int, total: int, record: StageRecord) -> None:
        size = human_size(record.size_bytes) if record.size_bytes is not None else "no size"
        tests = f"{tests_text(record)} tests" if record.tests_run else "no tests"
        if record.test_seconds is not None and record.tests_run:
            tests += f" in {record.test_seconds:.1f}s"
        seconds = f"{record.build_seconds:.1f}s build" if record.build_seconds is not None else ""
        detail = "  ".join(part for part in (size, tests, seconds) if part)
        if record.status == "skipped":
            detail = record.reason.split(";")[0]
        with self._lock:
            label = self._labels.get(position, record.name)
        self.ended(position, total, label, f"{record.status}  {detail}")

    def ended(self, position: int, total: int, label: str, summary: str) -> None:
        with self._lock:
            self._running.pop(position, None)
            self._drawn = tuple(r for _, r in sorted(self._running.items()))
            self._said.pop(position, None)
            self._line(f"{_head(position, total, label)}: {summary}")
            if not self._running:
                self._stop()

    def restarting(self, reason: str) -> None:
        self.say(reason)

    def lanes(self, count: int) -> None:
        pass  # the live region draws every lane's line at once; plain lines need no layout

    def say(self, message: str) -> None:
        self._line(f"{self.voice}: {message}")

    def _line(self, text: str) -> None:
        """One line, above the live region if it is drawn; markup in names is never read."""
        with self._lock:
            if self.live:
                self._console.print(Text(text), overflow="fold", crop=False)
            else:
                self.stream.write(f"{text}\n")
                self.stream.flush()

    def _draw(self, *, at_once: bool) -> None:
        if self._region is None:
            self._region = Live(
                get_renderable=self._lines,
                console=self._console,
                refresh_per_second=4,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._region.start()
            at_once = True
        if at_once:
            self._region.refresh()

    def _lines(self) -> Group:
        """The live region, drawn from rich's own thread: it reads the snapshot and takes no
        lock, since stopping the region waits for that thread while holding ours."""
        now = time.monotonic()
        return Group(
            *(
                Text(
                    f"{r.head}: {r.action} … {now - r.since:.0f}s",
                    no_wrap=True,
                    overflow="ellipsis",
                )
                for r in self._drawn
            )
        )

    def _stop(self) -> None:
        if self._region is not None:
            self._region.stop()
            self._region = None

    def close(self) -> None:
        """Take the live region off the screen and stop the heartbeat (the command ended, or
        was interrupted)."""
        with self._lock:
            self._running.clear()
            self._drawn = ()
            self._stop()
            self._calm.set()
            self._heart = None


def _head(position: int, total: int, label: str) -> str:
    """`[ 5/13] label`; job 0 (the toolchain check, before the jobs) is its label alone."""
    return f"[{position:>2}/{total}] {label}" if position else label
