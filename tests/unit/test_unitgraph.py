"""A first build's progress total: the units cargo plans (`--unit-graph`), asked before it
builds."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from minbuild.rust import unitgraph
from minbuild.rust.unitprogress import Expected, UnitProgress
from minbuild.util.command import Completed
from minbuild.util.errors import CommandTimedOut

BUILD = ["cargo", "--locked", "build", "--release", "--message-format=json-render-diagnostics"]


def graph(*modes: str) -> str:
    units = [{"pkg_id": f"p{n}", "mode": mode} for n, mode in enumerate(modes)]
    return json.dumps({"version": 1, "units": units, "roots": [0]})


def test_the_query_is_the_build_asking_for_its_graph_instead() -> None:
    assert unitgraph.query(BUILD) == [
        "cargo", "--locked", "build", "--unit-graph", "-Z", "unstable-options", "--release",
    ]  # fmt: skip
    assert unitgraph.query(["cargo", "test", "--no-run"]) is None


def test_a_build_scripts_run_reports_no_artifact_and_is_not_counted() -> None:
    # cargo's compiler-artifact lines: the lib, the build script's compile, the bin; its run
    # is a build-script-executed line instead.
    assert unitgraph.compiled_units(graph("build", "build", "run-custom-build", "build")) == 3
    assert unitgraph.compiled_units("error: not json") is None
    assert unitgraph.compiled_units('{"units": 3}') is None


class Answer:
    """A runner that answers every command with `stdout` and `returncode`, or raises."""

    def __init__(self, stdout: str, returncode: int = 0, error: Exception | None = None):
        self.stdout, self.returncode, self.error = stdout, returncode, error
        self.env: Mapping[str, str] = {}

    def __call__(self, argv: Sequence[str], **kwargs: Any) -> Completed:
        if self.error:
            raise self.error
        self.env = kwargs["env"]
        return Completed(tuple(argv), self.returncode, self.stdout, "", 0.1)


def test_a_first_build_counts_against_the_planned_units(tmp_path: Path) -> None:
    runner = Answer(graph("build", "run-custom-build", "build", "build"))
    expected = unitgraph.expected(runner, BUILD, {"RUSTFLAGS": "-Cx"}, tmp_path)
    assert expected == Expected(3, None)
    assert runner.env == {"RUSTFLAGS": "-Cx", "RUSTC_BOOTSTRAP": "1", "CARGO_CACHE_RUSTC_INFO": "0"}
    said: list[str] = []
    progress = UnitProgress(said.append, expected)
    progress(json.dumps({"reason": "compiler-artifact", "target": {"name": "itoa"}}))
    assert said == ["building 1/3 units · itoa"]


def test_a_cargo_that_cannot_say_leaves_the_count_open(tmp_path: Path) -> None:
    failed = Answer("", returncode=101)
    timed_out = Answer("", error=CommandTimedOut(["cargo"], 120.0, ""))
    for runner in (failed, timed_out, Answer("not a graph")):
        assert unitgraph.expected(runner, BUILD, {}, tmp_path) is None
    assert unitgraph.expected(failed, ["cargo", "test"], {}, tmp_path) is None
