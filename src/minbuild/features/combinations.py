"""Feature combinations: from cargo's feature table, deduplicated, partitioned, then checked."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from minbuild.project.config import Project
from minbuild.runs import statedir
from minbuild.runs.progress import Reporter
from minbuild.rust.cargo import Crate, enabled_features
from minbuild.rust.toolchains import Toolchain
from minbuild.rust.unitprogress import UnitProgress
from minbuild.util import command
from minbuild.util.errors import ConfigError
from minbuild.util.files import write_atomic
from minbuild.util.text import did_you_mean, format_table, texts


@dataclass(frozen=True)
class FeatureMatrixSpec:
    """How to combine a crate's features (the project file's feature_matrix)."""

    depth: int
    """Every combination of up to this many features (groups count as one)."""
    exclude: tuple[str, ...]
    """Features never combined."""
    groups: tuple[tuple[str, ...], ...]
    """Features that always go together."""
    exclusive: tuple[tuple[str, ...], ...]
    """Sets of which at most one feature may be on."""
    always: tuple[str, ...]
    """Features on in every combination."""


@dataclass(frozen=True)
class Combination:
    """One `--no-default-features --features ...` to check."""

    features: tuple[str, ...]
    """What is passed to --features (sorted); "default" means cargo's defaults are on."""
    effective: frozenset[str]
    """Every feature it turns on, implied ones included (what deduplication compares)."""

    @property
    def label(self) -> str:
        return ",".join(self.features) or "(none)"


def feature_matrix_spec(
    project: Project, depth: int | None = None, exclude: Sequence[str] = ()
) -> FeatureMatrixSpec:
    data = project.feature_matrix
    return FeatureMatrixSpec(
        depth=data["depth"] if depth is None else depth,
        exclude=(*texts(data["exclude"]), *exclude),
        groups=tuple(texts(group) for group in data["groups"]),
        exclusive=tuple(texts(group) for group in data["exclusive"]),
        always=texts(data["always"]),
    )


def validate_names(spec: FeatureMatrixSpec, crate: Crate) -> None:
    """Every feature the spec names must be one of the crate's."""
    known = sorted(name for name in crate.features if name != "default")
    named = [*spec.exclude, *spec.always, *(f for g in (*spec.groups, *spec.exclusive) for f in g)]
    for name in named:
        if name not in crate.features:
            raise ConfigError(
                f"feature_matrix: feature '{name}' is not declared by {crate.name}"
                f"{did_you_mean(name, known)} (features: {', '.join(known)})"
            )


def combinations(crate: Crate, spec: FeatureMatrixSpec) -> list[Combination]:
    """Nothing, each feature alone, the powerset up to spec.depth, then cargo's defaults, alone
    and with up to depth - 1 more (`default` counts as one feature of the powerset, as in
    cargo-hack's: defaults plus one optional feature is how most builds add one); minus
    combinations that break an exclusive set, and those that turn on the same features as an
    earlier one (through what features imply)."""
    grouped = {f for group in spec.groups for f in group}
    free = sorted(
        f
        for f in crate.features
        if f != "default" and f not in grouped and f not in spec.exclude and f not in spec.always
    )
    units = [tuple(sorted(group)) for group in spec.groups] + [(f,) for f in free]
    candidates = [
        *_powerset(units, spec.always, spec.depth),
        # the defaults take one place of the depth, and come alone even at depth 0
        *(("default", *chosen) for chosen in _powerset(units, spec.always, max(spec.depth, 1) - 1)),
    ]
    result: list[Combination] = []
    seen: set[frozenset[str]] = set()
    for features in candidates:
        extra = [f for f in features if f != "default"]
        # "default" is cargo's name for a set, not a feature a build has.
        effective = enabled_features(
            crate, default_features="default" in features, features=extra
        ) - {"default"}
        if any(len(effective & set(group)) > 1 for group in spec.exclusive):
            continue
        if effective not in seen:
            seen.add(effective)
            result.append(Combination(features, effective))
    return result


def _powerset(
    units: Sequence[tuple[str, ...]], always: Sequence[str], depth: int
) -> list[tuple[str, ...]]:
    """Every union of up to `depth` units, each with the always-on features, sorted."""
    return [
        tuple(sorted({*always, *(f for unit in chosen for f in unit)}))
        for size in range(depth + 1)
        for chosen in itertools.combinations(units, size)
    ]


def partition(items: Sequence[Combination], part: str) -> list[Combination]:
    """Part M of N ("M/N"): every N-th combination from the M-th, so N parts cover all once."""
    try:
        index, total = (int(x) for x in part.split("/"))
    except ValueError as error:
        raise ConfigError(f"--partition {part}: expected M/N, e.g. 1/3") from error
    if not 1 <= index <= total:
        raise ConfigError(f"--partition {part}: M must be between 1 and N")
    return [item for position, item in enumerate(items) if position % total == index - 1]


SCHEMA = "minbuild.features/1"


@dataclass(frozen=True)
class Checked:
    """How one combination fared."""

    features: tuple[str, ...]
    status: Literal["ok", "failed"]
    seconds: float
    first_error: str | None
    log: str


def cargo_argv(
    toolchain: Toolchain, crate: Crate, combination: Combination, *, test: bool
) -> list[str]:
    argv = [
        *toolchain.candidate.cargo,
        "test" if test else "check",
        "--manifest-path",
        str(crate.manifest),
        "--package",
        crate.name,
    ]
    if "default" not in combination.features:
        argv.append("--no-default-features")
    extra = [f for f in combination.features if f != "default"]
    if extra:
        argv += ["--features", ",".join(extra)]
    return [*argv, "--message-format=json-render-diagnostics"]


def check_all(
    toolchain: Toolchain,
    crate: Crate,
    combinations: Sequence[Combination],
    state_dir: Path,
    *,
    test: bool,
    reporter: Reporter,
) -> list[Checked]:
    """Check (or test) each combination in one shared target dir; failures do not stop it.
    `reporter` hears each start, cargo's units as they finish, and each end."""
    env = {
        **toolchain.candidate.env,
        "CARGO_TARGET_DIR": str(statedir.Layout(state_dir).target("feature-target")),
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results = []
    for number, combination in enumerate(combinations, start=1):
        label, total = combination.label, len(combinations)
        reporter.progress(number, total, label, "testing" if test else "checking")
        said = functools.partial(reporter.progress, number, total, label)
        units = UnitProgress(said, None, verb="building" if test else "checking")
        log = statedir.Layout(state_dir).logs(f"features-{stamp}", f"{number:03}.log")
        done = command.run(
            cargo_argv(toolchain, crate, combination, test=test),
            env=env,
            cwd=crate.manifest.parent,
            check=False,
            log_file=log,
            on_line=_CargoTest(units, said) if test else units,
        )
        first_error = done.first_error()
        outcome = "ok" if done.returncode == 0 else f"failed: {first_error}"
        reporter.ended(number, total, label, f"{outcome}  {done.seconds:.1f}s")
        results.append(
            Checked(
                combination.features,
                "ok" if done.returncode == 0 else "failed",
                round(done.seconds, 2),
                first_error,
                str(log),
            )
        )
    return results


_RUNNING = re.compile(r"running (\d+) tests?$")
_ENDED = re.compile(r"test .* \.\.\. (?:ok|FAILED|ignored)")


class _CargoTest:
    """`cargo test`'s standard output: cargo's JSON messages while it builds (its units),
    then each test executable's own lines as its tests end (`running tests: 12/40 done`,
    out of the tests the executables started so far announced), so a long suite is seen
    running."""

    def __init__(self, units: UnitProgress, progress: Callable[[str], None]) -> None:
        self.units, self.progress = units, progress
        self.announced = self.done = 0

    def __call__(self, line: str) -> None:
        if line.startswith("{"):
            self.units(line)
            return
        text = line.strip()
        if started := _RUNNING.fullmatch(text):
            self.announced += int(started.group(1))
        elif _ENDED.fullmatch(text):
            self.done += 1
        else:
            return
        self.progress(f"running tests: {self.done}/{self.announced} done")


def save(
    results: Sequence[Checked],
    crate: Crate,
    spec: FeatureMatrixSpec,
    *,
    test: bool,
    part: str | None,
    state_dir: Path,
) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = statedir.Layout(state_dir).feature_matrix(f"{stamp}.json")
    document = {
        "schema": SCHEMA,
        "crate": crate.name,
        "command": "test" if test else "check",
        "partition": part,
        "spec": dataclasses.asdict(spec),
        "results": [dataclasses.asdict(result) for result in results],
    }
    write_atomic(path, json.dumps(document, indent=2) + "\n")
    return path


def render(results: Sequence[Checked]) -> str:
    rows = [
        [",".join(r.features) or "(none)", r.status, f"{r.seconds:.1f}s", r.first_error or ""]
        for r in results
    ]
    failed = sum(r.status == "failed" for r in results)
    table = format_table(["combination", "result", "seconds", "first error"], rows, {2})
    return f"{table}\n\n{len(results) - failed} of {len(results)} combinations ok\n"


def listing(items: Sequence[Combination]) -> str:
    return "".join(f"{item.label}\n" for item in items)
