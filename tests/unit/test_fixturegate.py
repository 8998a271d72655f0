"""Which builds' tests wait for which fixtures, and what their progress line says meanwhile."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from minbuild.engine.fixturegate import FixtureGate
from minbuild.engine.invocations import Build, build_invocation
from minbuild.project.config import Artifact, load_project
from minbuild.project.stages import load_staircase
from minbuild.project.targets import project_targets
from tests.conftest import REPO
from tests.unit.helpers import crate, toolchain

PROJECT = load_project(REPO / "config" / "demo.yaml")
STAGES = {stage.name: stage for stage in load_staircase(PROJECT)}
BIN = Artifact("bin", "tinyvm")


def host(name: str) -> Build:
    stage = STAGES[name]
    invocation = build_invocation(stage, crate(), BIN, toolchain(), Path("/state/target"))
    return Build(stage, None, crate(), BIN, invocation)


DEBUG, RELEASE, NODEFAULT, LTO = (
    host(n) for n in ("debug", "release", "no-default-features", "lto")
)
FOREIGN_DEBUG = dataclasses.replace(DEBUG, target=project_targets(PROJECT)[0])
PLAN = (DEBUG, FOREIGN_DEBUG, RELEASE, NODEFAULT, LTO)


def gate(*makers: Build) -> FixtureGate:
    return FixtureGate(PLAN, lambda build: any(build is m for m in makers))


def test_a_build_waits_on_the_earlier_makers_of_its_own_target_only() -> None:
    fixtures = gate(DEBUG, FOREIGN_DEBUG, NODEFAULT)
    assert fixtures.waiting_on(DEBUG) is None  # nothing before it
    assert fixtures.waiting_on(RELEASE) is DEBUG  # not the foreign target's maker
    assert fixtures.waiting_on(LTO) is DEBUG
    fixtures.done(DEBUG)
    assert fixtures.waiting_on(RELEASE) is None
    assert fixtures.waiting_on(LTO) is NODEFAULT  # a later maker is waited on too
    fixtures.done(NODEFAULT)
    assert fixtures.waiting_on(LTO) is None


def test_wait_names_each_maker_it_waits_on_and_returns_once_they_are_done() -> None:
    fixtures, said = gate(DEBUG, NODEFAULT), list[str]()
    waiter = threading.Thread(target=fixtures.wait, args=(LTO, said.append))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive() and said == ["testing · waiting for debug's fixtures"]
    fixtures.done(DEBUG)
    fixtures.done(RELEASE)  # not a maker: changes nothing
    waiter.join(0.2)
    assert waiter.is_alive()
    assert said[-1] == "testing · waiting for no-default-features's fixtures"
    fixtures.done(NODEFAULT)
    waiter.join(5)
    assert not waiter.is_alive()


def test_an_interrupted_run_lets_every_waiter_go() -> None:
    fixtures = gate(DEBUG)
    waiter = threading.Thread(target=fixtures.wait, args=(LTO, lambda line: None))
    waiter.start()
    fixtures.open_all()
    waiter.join(5)
    assert not waiter.is_alive() and fixtures.waiting_on(LTO) is None
