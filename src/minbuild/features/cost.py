"""What each optional feature costs: the minimal stage, then one feature added or removed."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from minbuild.project.stages import Stage
from minbuild.runs.records import RunRecord
from minbuild.rust.cargo import Crate, enabled_features
from minbuild.util.errors import ConfigError
from minbuild.util.text import format_table


@dataclass(frozen=True)
class Variant:
    """The base stage with one feature added to it, or removed from the full set."""

    stage: Stage
    feature: str | None  # None: the base itself, or the full set
    change: str  # base | added | full | removed


def optional_features(crate: Crate, exclude: Sequence[str] = ()) -> list[str]:
    return sorted(
        f
        for f in crate.features
        if f != "default" and f not in exclude and f not in crate.dependencies
    )


def variants(base: Stage, crate: Crate, exclude: Sequence[str] = ()) -> list[Variant]:
    """The base stage; base + f for each optional f it lacks; the full set; full - f for each."""
    if base.default_features:
        raise ConfigError(
            f"stage {base.name} keeps cargo's default features; feature costs "
            "start from a stage with default_features off (no-default-features "
            "or later)"
        )
    features = optional_features(crate, exclude)
    have = enabled_features(crate, default_features=False, features=base.features)
    found = [Variant(base, None, "base")]
    for name in features:
        if name not in have:
            found.append(
                _variant(base, [*base.features, name], f"{base.name}+{name}", name, "added")
            )
    found.append(_variant(base, features, f"{base.name}:full", None, "full"))
    for name in features:
        found.append(
            _variant(
                base,
                [f for f in features if f != name],
                f"{base.name}:full-{name}",
                name,
                "removed",
            )
        )
    return found


def _variant(
    base: Stage, features: Sequence[str], name: str, feature: str | None, change: str
) -> Variant:
    return Variant(dataclasses.replace(base, name=name, features=tuple(features)), feature, change)


def render(run: RunRecord, chosen: Sequence[Variant]) -> str:
    """feature -> bytes it adds to the base, and bytes removing it saves from the full set."""
    size = {stage.name: stage.size_bytes for stage in run.stages}
    tests = {stage.name: f"{stage.tests_passed}/{stage.tests_run}" for stage in run.stages}
    base = next(v for v in chosen if v.change == "base")
    full = next(v for v in chosen if v.change == "full")
    rows = []
    for feature in sorted({v.feature for v in chosen if v.feature}):
        added = next((v for v in chosen if v.change == "added" and v.feature == feature), None)
        removed = next(v for v in chosen if v.change == "removed" and v.feature == feature)
        rows.append(
            [
                feature,
                _change(
                    size.get(added.stage.name) if added else None,
                    size.get(base.stage.name),
                    "in base",
                ),
                tests.get(added.stage.name, "") if added else "",
                _change(size.get(full.stage.name), size.get(removed.stage.name), ""),
                tests.get(removed.stage.name, ""),
            ]
        )
    head = (
        f"base {base.stage.name}: {size.get(base.stage.name) or 0:,} B; "
        f"full set: {size.get(full.stage.name) or 0:,} B"
    )
    table = format_table(
        ["feature", "cost alone (on base)", "tests", "cost in full set", "tests"],
        rows,
        {1, 2, 3, 4},
    )
    return f"{head}\n\n{table}\n"


def _change(with_it: int | None, without: int | None, otherwise: str) -> str:
    if with_it is None or without is None:
        return otherwise or "—"
    delta = with_it - without
    return f"{delta:+,} B ({100 * delta / without:+.1f}%)"
