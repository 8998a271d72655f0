"""Generating feature combinations and partitioning them (no cargo is run)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import pytest

from minbuild.features.combinations import (
    Combination,
    FeatureMatrixSpec,
    combinations,
    partition,
    validate_names,
)
from minbuild.util.errors import ConfigError
from tests.unit.helpers import crate

DEMO = crate()  # features: compile, run, logging, disable-logging, tvm-asm, everything, default
PLAIN = dataclasses.replace(DEMO, features={"a": (), "b": (), "c": (), "d": (), "default": ("a",)})


def spec(**fields: object) -> FeatureMatrixSpec:
    base: dict[str, object] = {
        "depth": 2,
        "exclude": (),
        "groups": (),
        "exclusive": (),
        "always": (),
    }
    return FeatureMatrixSpec(**{**base, **fields})  # type: ignore[arg-type]


def labels(found: Sequence[Combination]) -> list[str]:
    return [c.label for c in found]


def test_none_each_alone_pairs_and_default_minus_duplicates() -> None:
    found = labels(combinations(PLAIN, spec()))
    assert found[:5] == ["(none)", "a", "b", "c", "d"]
    assert found[5:11] == ["a,b", "a,c", "a,d", "b,c", "b,d", "c,d"]
    assert "default" not in found, "cargo's default (a) is the same as `a` alone"


def test_depth_bounds_the_powerset() -> None:
    assert labels(combinations(PLAIN, spec(depth=1))) == ["(none)", "a", "b", "c", "d"]
    assert len(combinations(PLAIN, spec(depth=4))) == 16  # every subset of four features


def test_groups_go_together_and_exclusions_never_appear() -> None:
    found = labels(combinations(PLAIN, spec(groups=(("a", "b"),), exclude=("d",))))
    # default (a alone) is new here, and so is default with c (a and c, never b)
    assert found == ["(none)", "a,b", "c", "a,b,c", "default", "default,c"]


def test_defaults_count_as_one_feature_of_the_powerset_as_in_cargo_hack() -> None:
    """cargo hack --feature-powerset --depth 2 checks the defaults plus each feature they do
    not already turn on; feature-matrix --depth 2 did not (docs/compared.md measured it)."""
    found = labels(combinations(DEMO, spec(depth=2, exclude=("tvm-asm", "everything"))))
    assert "default,disable-logging" in found
    assert not [label for label in found if label.startswith("default,") and "logging," in label]
    assert "default,run" not in found  # the defaults turn run on already


def test_exclusive_sets_and_always_on_features() -> None:
    found = labels(combinations(PLAIN, spec(exclusive=(("a", "b"),), always=("d",))))
    assert all(not {"a", "b"} <= set(label.split(",")) for label in found)
    assert all("d" in label.split(",") for label in found)
    assert found[0] == "d"


def test_combinations_implying_the_same_features_are_dropped() -> None:
    found = combinations(DEMO, spec(depth=2, exclude=("tvm-asm",)))
    effective = [c.effective for c in found]
    assert len(effective) == len(set(effective))
    # `everything` implies run and compile: "compile,everything" adds nothing to it
    assert "compile,everything" not in labels(found) and "everything" in labels(found)


@pytest.mark.parametrize("parts", [1, 2, 3, 5, 13])
def test_partitions_cover_every_combination_exactly_once(parts: int) -> None:
    every = combinations(PLAIN, spec(depth=4))
    pieces = [partition(every, f"{m}/{parts}") for m in range(1, parts + 1)]
    flat = list(itertools.chain.from_iterable(pieces))
    assert sorted(c.label for c in flat) == sorted(c.label for c in every)
    assert max(map(len, pieces)) - min(map(len, pieces)) <= 1


def test_bad_partitions_and_unknown_features() -> None:
    with pytest.raises(ConfigError, match="expected M/N"):
        partition([], "2")
    with pytest.raises(ConfigError, match="M must be between 1 and N"):
        partition([], "4/3")
    with pytest.raises(ConfigError, match=r"feature 'loging' is not declared.*did you mean"):
        validate_names(spec(exclude=("loging",)), DEMO)
