"""Which builds' tests wait for which fixtures: a build's tests run once every earlier build
of its target that makes a fixture is done (made, failed or skipped)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from minbuild.engine.invocations import Build


class FixtureGate:
    """The fixture makers of one run, in plan order, and whether each is done."""

    def __init__(self, builds: Sequence[Build], makes_fixtures: Callable[[Build], bool]) -> None:
        self._positions = {id(build): n for n, build in enumerate(builds)}
        self._done = {id(build): threading.Event() for build in builds if makes_fixtures(build)}
        self._makers = [build for build in builds if id(build) in self._done]

    def _makers_before(self, build: Build) -> Iterable[Build]:
        position = self._positions[id(build)]
        for maker in self._makers:
            if self._positions[id(maker)] < position and maker.target == build.target:
                yield maker

    def waiting_on(self, build: Build) -> Build | None:
        """The first earlier maker `build`'s tests would wait for now, if any."""
        return next((m for m in self._makers_before(build) if not self._done[id(m)].is_set()), None)

    def wait(self, build: Build, say: Callable[[str], None]) -> None:
        """Until every earlier maker of `build`'s target is done; `say` names each it waits on."""
        for maker in self._makers_before(build):
            if not self._done[id(maker)].is_set():
                say(waiting_line(maker))
            self._done[id(maker)].wait()

    def done(self, build: Build) -> None:
        """`build` will make no more fixtures (it made them, failed or was skipped)."""
        if id(build) in self._done:
            self._done[id(build)].set()

    def open_all(self) -> None:
        """Interrupted: nothing may wait for a fixture forever."""
        for event in self._done.values():
            event.set()


def waiting_line(maker: Build) -> str:
    return f"testing · waiting for {maker.label}'s fixtures"
