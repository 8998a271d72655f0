"""An optimize search as records: every trial (a point of the space, built, sized and tested),
the search's steps in order, the winner, the references and what each setting is worth. Kept
in the state dir: each trial alone (a repeated or interrupted search reuses it), and the whole
search as a versioned document (`minbuild.optimize/1`)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from minbuild.runs import select, statedir
from minbuild.runs.records import MAX_DOCUMENT_BYTES, StageRecord, stage_from_json, stage_json
from minbuild.util.errors import ConfigError
from minbuild.util.files import write_atomic
from minbuild.util.schemas import validated
from minbuild.util.yamlfile import Document, read_text

SCHEMA = "minbuild.optimize/1"

Role = Literal["start", "reference", "neighbour", "stack", "leave-one-out"]


@dataclass(frozen=True)
class Trial:
    """One point of the space, built, sized and tested (its stage record says how)."""

    key: str
    """What identifies its effective settings: two points that build alike share a trial."""
    point: Mapping[str, str]
    """The value of every setting, by label."""
    stage: StageRecord
    """The build: command, size, tests (status ok: accepted)."""
    bench_seconds: float | None = None
    """With --bench: the benchmark's best time on this binary (not kept with the trial:
    each search times again, its baseline beside it)."""

    @property
    def accepted(self) -> bool:
        """Built, sized, and every test passed (or failed as it does at the start point)."""
        return self.stage.status == "ok" and self.stage.size_bytes is not None

    @property
    def size(self) -> int | None:
        return self.stage.size_bytes

    @property
    def verdict(self) -> str:
        """accepted, or why not in a few words."""
        if self.accepted:
            return "accepted"
        if self.stage.status == "skipped":
            return f"skipped: {self.stage.reason.split(';')[0]}"
        if self.stage.size_bytes is None:
            return "rejected: build failed"
        return f"rejected: {self.stage.reason or 'tests failed'}"

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "point": dict(self.point),
            "stage": stage_json(self.stage),
            "bench_seconds": self.bench_seconds,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trial:
        stage = stage_from_json(data["stage"])
        return cls(data["key"], dict(data["point"]), stage, data.get("bench_seconds"))


@dataclass(frozen=True)
class Step:
    """One evaluation the search made, in order (several steps may share a trial)."""

    round: int
    """0: the start and the references; then each round of the search; the last round is
    the leave-one-out of the winner."""
    role: Role
    """Why it was evaluated."""
    change: str
    """What it changed from the point it came from: `opt-level=z`, or a reference's name."""
    key: str
    """Its trial."""
    reused: bool
    """Its trial was kept from an earlier search (nothing built)."""
    verdict: str
    """accepted, rejected: why, skipped: why."""
    size_bytes: int | None
    chosen: bool = False
    """The search moved to it."""


@dataclass(frozen=True)
class Contribution:
    """What one setting is worth at the winner: the winner with that setting at its release
    value, built and sized (leave-one-out, so it does not depend on any order)."""

    setting: str
    value: str
    """The winner's value."""
    release: str
    """The value it was put back to."""
    size_without: int | None
    """The leave-one-out build's size (None: it was not accepted)."""
    bytes_saved: int | None
    """size_without - the winner's size."""
    note: str = ""
    """Why no size, or what else it says (the same build as the winner: implied by others)."""
    removable: bool = False
    """Worth less than the threshold: the winner without it is as good."""


@dataclass(frozen=True)
class Export:
    """The winner as a user applies it by hand."""

    profile_name: str
    """The Cargo profile it is written as."""
    profile: Mapping[str, Any]
    """Keys of [profile.<profile_name>] besides `inherits = "release"`."""
    rustflags: tuple[str, ...]
    """RUSTFLAGS, for .cargo/config.toml's [build] rustflags."""
    unstable: Mapping[str, Any]
    """.cargo/config.toml's [unstable] (build-std, build-std-features, other -Z flags)."""
    command: str
    """The one cargo command that reproduces the winner's binary (with the profile in
    Cargo.toml and these flags on the command line)."""
    nightly: bool
    """The command needs a nightly cargo (or RUSTC_BOOTSTRAP=1)."""
    target: str | None = None
    """The foreign target the command builds for (None: the host)."""
    linker: str | None = None
    """The target's linker, for .cargo/config.toml's [target.<triple>]."""
    post_link: tuple[str, ...] = ()
    """Commands run after the cargo command, over the artifact it built (wasm-opt)."""


@dataclass(frozen=True)
class OptimizeRecord:
    """One `minbuild optimize` invocation."""

    run_id: str
    started: str
    finished: str | None
    complete: bool
    host: str
    crate: Mapping[str, Any]
    minbuild_version: str
    toolchain: Mapping[str, str]
    start: str
    """The staircase stage the search started from (its features are every trial's)."""
    start_point: Mapping[str, str]
    """The start stage's settings as the space expresses them."""
    space: Mapping[str, tuple[str, ...]]
    """Every searched setting and its values, release value first."""
    left_out: Mapping[str, str] = field(default_factory=dict)
    """Settings of the space not searched, with why."""
    fixed: Mapping[str, str] = field(default_factory=dict)
    """The value every trial keeps of each setting not searched (the start point's)."""
    excluded: Mapping[str, str] = field(default_factory=dict)
    """`setting=value` never tried, or dropped after its first trial, with why (the
    toolchain does not accept it, its build failed alone)."""
    trials: tuple[Trial, ...] = ()
    steps: tuple[Step, ...] = ()
    references: Mapping[str, str] = field(default_factory=dict)
    """release, start, cargo-wizard: each reference's trial key."""
    winner: str | None = None
    """The winner's trial key."""
    contributions: tuple[Contribution, ...] = ()
    threshold_percent: float = 0.5
    """A setting worth less than this share of the winner's size is named removable."""
    bench: tuple[str, ...] = ()
    """With --bench: the command timed on every accepted trial."""
    max_slowdown: float | None = None
    """With --max-slowdown: how much slower than the release settings a trial may be."""
    stopped: str = ""
    """Why the search stopped: a local optimum, --trials, --time, or an interruption."""
    export: Export | None = None
    interrupted: bool = False
    target: str | None = None
    """The foreign target every trial was built for and tested on (None: the host)."""
    schema: str = SCHEMA

    def trial(self, key: str) -> Trial:
        return next(t for t in self.trials if t.key == key)

    @property
    def winning(self) -> Trial | None:
        return self.trial(self.winner) if self.winner else None

    def reference(self, name: str) -> Trial | None:
        key = self.references.get(name)
        return self.trial(key) if key else None


def to_json(run: OptimizeRecord) -> str:
    data = {f.name: getattr(run, f.name) for f in dataclasses.fields(run)}
    data["trials"] = [trial.to_json() for trial in run.trials]
    data["steps"] = [dataclasses.asdict(step) for step in run.steps]
    data["contributions"] = [dataclasses.asdict(c) for c in run.contributions]
    data["export"] = dataclasses.asdict(run.export) if run.export else None
    data["space"] = {name: list(values) for name, values in run.space.items()}
    data["bench"] = list(run.bench)
    return json.dumps(data, separators=(",", ":")) + "\n"


def from_json(text: str, source: str) -> OptimizeRecord:
    """Parse an optimize document; a broken or foreign one is a ConfigError naming `source`."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"not a readable optimize document ({error})", file=source) from error
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ConfigError(f"not a minbuild optimize document (schema {found!r})", file=source)
    validated(Document(Path(source), data), "optimize")
    try:
        export = data.pop("export")
        return OptimizeRecord(
            **{
                **data,
                "space": {name: tuple(values) for name, values in data["space"].items()},
                "bench": tuple(data.get("bench", ())),
                "trials": tuple(Trial.from_json(t) for t in data["trials"]),
                "steps": tuple(Step(**s) for s in data["steps"]),
                "contributions": tuple(Contribution(**c) for c in data["contributions"]),
                "export": Export(
                    **{
                        **export,
                        "rustflags": tuple(export["rustflags"]),
                        "post_link": tuple(export.get("post_link", ())),
                    }
                )
                if export
                else None,
            }
        )
    except (TypeError, KeyError) as error:
        raise ConfigError(f"not a readable optimize document ({error})", file=source) from error


def save(run: OptimizeRecord, directory: Path) -> Path:
    path = directory / f"{run.run_id}.json"
    write_atomic(path, to_json(run))
    return path


def load(path: Path) -> OptimizeRecord:
    return from_json(read_text(path, MAX_DOCUMENT_BYTES), str(path))


class TrialStore:
    """Every trial ever finished in a state dir, one file each by key, written atomically:
    a search interrupted or started again reuses them all."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str) -> Trial | None:
        path = self.directory / f"{key}.json"
        try:
            return Trial.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # not kept, or from another minbuild: build it again

    def put(self, trial: Trial) -> None:
        raw = dataclasses.replace(trial, bench_seconds=None)
        write_atomic(self.directory / f"{trial.key}.json", json.dumps(raw.to_json()))


def find_search(reference: str | None, state_dir: Path) -> OptimizeRecord:
    """The latest optimize search (None or `latest`), its id, or its document's path."""
    directory = statedir.Layout(state_dir).optimize()
    found = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if reference in (None, "latest") and not found:
        raise ConfigError(f"no optimize searches in {directory}: run `minbuild optimize` first")
    return load(select.document(reference, directory, found, "optimize search"))
