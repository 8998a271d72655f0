"""What `minbuild init` decides from cargo's view of a crate (no build, no process)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import yaml

from minbuild.commands import init as starter
from minbuild.engine.smoke import expectation
from minbuild.features.logging import disable_logging
from minbuild.features.smallest import candidates, smallest
from minbuild.rust.cargo import CargoTarget
from tests.unit.helpers import crate


def graph(direct: list[str], transitive: list[str], features: list[str] | None = None) -> Any:
    """cargo metadata (with dependencies): the crate -> direct -> a middle crate -> transitive."""
    names = ["tinyvm", "middle", *direct, *transitive]
    packages = [
        {"id": f"{n} 1.0", "name": n, "features": {f: [] for f in features or ["max_level_off"]}}
        for n in names
    ]
    normal = [{"kind": None}]

    def deps(targets: list[str]) -> list[dict[str, Any]]:
        return [{"pkg": f"{t} 1.0", "dep_kinds": normal} for t in targets]

    nodes = [
        {"id": "tinyvm 1.0", "deps": deps([*direct, "middle"])},
        {"id": "middle 1.0", "deps": deps(transitive)},
        *({"id": f"{n} 1.0", "deps": []} for n in [*direct, *transitive]),
    ]
    return {"packages": packages, "resolve": {"nodes": nodes}}


def test_direct_logging_crates_get_max_level_off() -> None:
    logged = dataclasses.replace(crate(), features={}, dependencies=("log", "tracing", "serde"))
    chosen, comment = disable_logging(logged, graph(["log", "tracing"], []))
    assert chosen == ["log/max_level_off", "tracing/max_level_off"]
    assert "depends on directly (log, tracing)" in comment[0]


def test_an_optional_logging_dependency_stays_off() -> None:
    logged = dataclasses.replace(
        crate(), features={}, dependencies=("log",), optional_dependencies=("log",)
    )
    chosen, _ = disable_logging(logged, graph(["log"], []))
    assert chosen == ["log?/max_level_off"]  # `log/...` would turn the optional dep on


def test_a_transitive_logger_gets_the_forwarding_recipe() -> None:
    plain = dataclasses.replace(crate(), features={})
    chosen, comment = disable_logging(plain, graph([], ["tracing"]))
    assert chosen == []
    assert 'disable-logging = ["tracing/max_level_off"]' in comment[1]


def test_the_crates_own_switch_wins() -> None:
    own = dataclasses.replace(crate(), dependencies=("log",))
    chosen, _ = disable_logging(own, graph(["log"], []))  # tinyvm: disable-logging
    assert chosen == ["disable-logging"]


def test_a_logger_without_the_switch_is_not_offered() -> None:
    plain = dataclasses.replace(crate(), features={}, dependencies=("log",))
    chosen, _ = disable_logging(plain, graph(["log"], [], features=["std"]))
    assert chosen == []


def test_the_bin_named_like_the_package_then_one_without_required_features() -> None:
    bins = (
        CargoTarget("aaa", ("bin",), ("bin",), ("fancy",)),
        CargoTarget("zzz", ("bin",), ("bin",)),
    )
    assert starter._artifact(dataclasses.replace(crate(), targets=bins)) == ("bin", "zzz")
    named = (*bins, CargoTarget("tinyvm", ("bin",), ("bin",)))
    assert starter._artifact(dataclasses.replace(crate(), targets=named)) == ("bin", "tinyvm")
    lib = (CargoTarget("tinyvm", ("cdylib", "rlib"), ("cdylib", "rlib")),)
    assert starter._artifact(dataclasses.replace(crate(), targets=lib)) == ("cdylib", None)


def test_the_smoke_expectation_survives_a_version_bump() -> None:
    assert expectation(["hexyl 0.8.0"], "hexyl") == r"^hexyl\b"
    assert re.search(expectation(["hexyl 0.8.0"], "hexyl"), "hexyl 0.9.1")
    usage = expectation(["A tool", "", "USAGE:", "  tool [FLAGS]"], "tool")
    assert re.search(usage, "A tool\n\nUSAGE:\n  x")


def test_flow_values_are_valid_yaml_whatever_the_text() -> None:
    for value in ["{binary}", "a: b", "^x\\b", "#hash", ["{binary}", "--version"], []]:
        assert yaml.safe_load(f"key: {starter._flow(value)}") == {"key": value}


def test_lints_are_capped_only_when_they_cost_stages() -> None:
    from minbuild.rust.candidates import DEBIAN, rustup
    from minbuild.rust.cargo import DENIED_LINT
    from minbuild.rust.toolchains import Resolution
    from tests.unit.helpers import toolchain

    stable = toolchain(rustup("stable"), source=False)
    lint = {"debian (rustc 1.96.0)": f"error: `Unknown` is ambiguous; {DENIED_LINT} (log)"}
    skips = {"build-std": "no std source"}
    assert starter._blocked_by_lints(Resolution(stable, skips, unbuildable=lint))
    hard = {"debian (rustc 1.96.0)": "error[E0635]: unknown feature (log)"}
    assert not starter._blocked_by_lints(Resolution(stable, skips, unbuildable=hard))
    assert not starter._blocked_by_lints(Resolution(toolchain(DEBIAN), {}, unbuildable={}))
    capped = Resolution(toolchain(DEBIAN), {})
    assert starter._rank(capped) < starter._rank(Resolution(stable, skips, unbuildable=lint))


# bat's shape: without a regex engine nothing builds; `minimal-application` is its own small set.
BAT_FEATURES = {
    "default": ["application"],
    "application": ["build-assets", "git", "minimal-application"],
    "minimal-application": ["paging", "regex-onig", "wild"],
    "git": ["dep:git2"],
    "paging": ["dep:shell-words"],
    "regex-onig": ["syntect/regex-onig"],
    "regex-fancy": ["syntect/regex-fancy"],
    "build-assets": ["syntect/yaml-load"],
    "wild": ["dep:wild"],
}


def test_the_crate_s_own_small_features_are_tried_first() -> None:
    tried = candidates(BAT_FEATURES, [])
    assert tried[0] == ["minimal-application"]
    assert tried[-1] == ["application"], "the feature that enables the most comes last"


def test_the_smallest_set_that_builds_is_chosen_saying_what_was_tried() -> None:
    checked: list[list[str]] = []

    def check(features: object) -> str | None:
        checked.append(list(features))  # type: ignore[call-overload]
        engine = {"minimal-application", "regex-onig", "regex-fancy"} & set(checked[-1])
        return None if engine else "error[E0433]: cannot find module or crate `regex_impl`"

    search = smallest(BAT_FEATURES, [], check)
    assert checked == [[], ["minimal-application"]]
    assert search.chosen == ("minimal-application",) and search.proved
    assert search.lines() == [
        "--features (none) does not build: error[E0433]: cannot find module or crate `regex_impl`",
        "minimal: ['minimal-application'] builds; written",
    ]


def test_when_nothing_smaller_builds_the_default_features_are_written() -> None:
    search = smallest(BAT_FEATURES, [], lambda features: "error: nope")
    assert not search.proved and search.chosen == ("application",)
    assert len(search.tried) == 6
    assert search.lines()[-1].startswith("nothing smaller built in 6 tries")


def test_a_set_that_builds_as_required_is_checked_once() -> None:
    search = smallest(BAT_FEATURES, ["run"], lambda features: None)
    assert search.chosen == ("run",) and search.tried == () and search.lines() == []
