"""Budgets, the baseline file, and the ratchet that never loosens."""

from __future__ import annotations

import dataclasses
import json
import random
import textwrap
from pathlib import Path

import pytest

from minbuild.budgets.baseline import (
    BASELINE_SCHEMA,
    baseline_from_run,
    load_baseline,
    ratchet,
    save_baseline,
)
from minbuild.budgets.limits import broken_budgets
from minbuild.project.config import load_project
from minbuild.project.declared_budgets import Budget
from minbuild.runs.rows import Reference, rows
from minbuild.util.errors import ConfigError
from tests.unit.samples import later_run, sample_run

HOST = "x86_64-unknown-linux-gnu"


def project_with(tmp_path: Path, budget_yaml: str) -> Path:
    path = tmp_path / "project.yaml"
    path.write_text(
        "schema: 1\ncrate: {manifest: Cargo.toml}\nbudgets:\n"
        + textwrap.indent(textwrap.dedent(budget_yaml), "  ")
    )
    return path


def budgets_of(tmp_path: Path, budget_yaml: str) -> tuple[Budget, ...]:
    return load_project(project_with(tmp_path, budget_yaml)).budgets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000", 1000),
        ("'140 KiB'", 140 * 1024),
        ("140K", 140 * 1024),
        ("'1.5 MiB'", 1572864),
        ("2MB", 2_000_000),
        ("'512 B'", 512),
    ],
)
def test_sizes_in_bytes_or_units(tmp_path: Path, text: str, expected: int) -> None:
    (budget,) = budgets_of(tmp_path, f"- {{stage: lto, max_size: {text}}}\n")
    assert budget.max_size == expected


def test_bad_size_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        budgets_of(tmp_path, "- {stage: lto, max_size: 1}\n- {stage: lto, max_size: lots}\n")
    assert str(caught.value) == (
        f"{tmp_path / 'project.yaml'}:5: budgets.1.max_size: expected "
        "a size: bytes (a whole number >= 0) or text like '140 KiB' (K/KiB = 1024, KB = 1000), "
        "got text 'lots'"
    )


def test_a_budget_must_limit_something(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sets no limit"):
        budgets_of(tmp_path, "- {stage: lto}\n")


def test_unknown_budget_key_suggests(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean 'max_size'"):
        budgets_of(tmp_path, "- {stage: lto, max_sise: 10}\n")


def test_max_size_says_by_how_much_and_where(tmp_path: Path) -> None:
    found, warnings = broken_budgets(
        rows(sample_run()), budgets_of(tmp_path, "- {stage: lto, max_size: 400000}\n"), None
    )
    assert warnings == []
    (violation,) = found
    assert violation.rule == "max_size"
    assert violation.message == (
        f"lto [{HOST}]: 500,000 B is over max_size 400,000 B by 100,000 B (25.0%) "
        f"(budget at {tmp_path / 'project.yaml'}:4)"
    )


def test_growth_rules_against_the_baseline(tmp_path: Path) -> None:
    baseline = Reference(
        "baseline b.json (run R, commit C)", {("release", HOST): 700_000, ("lto", HOST): 500_000}
    )
    rules = budgets_of(tmp_path, "- {stage: '*', max_growth: 10000, max_growth_percent: 2}\n")
    found, warnings = broken_budgets(rows(later_run()), rules, baseline)
    assert [(v.stage, v.rule) for v in found] == [
        ("release", "max_growth"),
        ("release", "max_growth_percent"),
    ]
    assert found[0].message.startswith(
        f"release [{HOST}]: grew +20,000 B (+2.9%) vs baseline b.json (run R, commit C): "
        "700,000 B; max_growth 10,000 B exceeded by 10,000 B"
    )
    assert "max_growth_percent 2% exceeded by 0.9 points" in found[1].message
    assert f"debug [{HOST}]: no baseline entry, so growth was not checked" in warnings[0]


def test_growth_within_limits_passes(tmp_path: Path) -> None:
    baseline = Reference("b", {("release", HOST): 715_000})
    rules = budgets_of(tmp_path, "- {stage: release, max_growth: 10000}\n")
    assert broken_budgets(rows(later_run()), rules, baseline) == ([], [])


def test_unchecked_budgets_are_reported(tmp_path: Path) -> None:
    rules = budgets_of(
        tmp_path, "- {stage: build-std, max_size: 1}\n- {stage: nothing-*, max_size: 1}\n"
    )
    found, warnings = broken_budgets(rows(sample_run()), rules, None)
    assert found == []
    assert warnings[0].startswith(f"build-std [{HOST}]: skipped, so its budget at")
    assert "matches no stage of this run" in warnings[1]


def test_baseline_file_is_stable_and_round_trips(tmp_path: Path) -> None:
    baseline = baseline_from_run(sample_run())
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    save_baseline(first, baseline)
    save_baseline(second, load_baseline(first))
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert list(data) == sorted(data) and data["schema"] == BASELINE_SCHEMA
    assert [(e["stage"], e["target"]) for e in data["entries"]] == [
        ("debug", HOST),
        ("release", HOST),
        ("opt-level-s", HOST),
        ("lto", HOST),
        ("strip", HOST),
    ]
    assert data["entries"][0]["toolchain"] == "debian (rustc 1.96.0)"


def test_missing_or_foreign_baseline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no baseline yet: write one with `invoke size-b"):
        load_baseline(tmp_path / "none.json")
    (tmp_path / "x.json").write_text('{"schema": "other"}')
    with pytest.raises(ConfigError, match=r"not a minbuild\.baseline/2 file"):
        load_baseline(tmp_path / "x.json")


def test_ratchet_tightens_and_adds_but_never_loosens() -> None:
    old = baseline_from_run(sample_run())
    tightened, changes = ratchet(old, later_run())
    sizes = {e.stage: e.size_bytes for e in tightened.entries}
    assert sizes["opt-level-s"] == 705_000  # shrank: tightened
    assert sizes["release"] == 700_000  # grew to 720,000: kept
    assert sizes["strip"] == 500_000  # vanished from the run: kept
    assert sizes["tiny"] == 120_000  # new: added
    assert changes == [
        f"opt-level-s [{HOST}]: 710,000 B -> 705,000 B",
        f"tiny [{HOST}]: new entry, 120,000 B",
    ]


def test_ratchet_never_loosens_whatever_the_sizes() -> None:
    generator = random.Random(7)
    base = sample_run()
    for _ in range(200):
        stages = tuple(
            dataclasses.replace(s, size_bytes=generator.randint(1, 2_000_000))
            if s.size_bytes
            else s
            for s in base.stages
        )
        before = baseline_from_run(base)
        after, _ = ratchet(before, dataclasses.replace(base, stages=stages))
        for old, new in zip(before.entries, after.entries, strict=False):
            assert new.size_bytes <= old.size_bytes
