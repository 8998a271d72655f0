"""Run documents: frozen records, versioned JSON, written atomically."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from minbuild.runs.composition import Composition
from minbuild.util.errors import ConfigError
from minbuild.util.files import write_atomic
from minbuild.util.schemas import validated
from minbuild.util.yamlfile import Document, read_text

SCHEMA = "minbuild.run/5"
READABLE = ("minbuild.run/1", "minbuild.run/2", "minbuild.run/3", "minbuild.run/4", SCHEMA)
"""Schemas this minbuild reads: /1 lacks the stages' timing, lane and cache, /1 and /2 their
artifacts' composition, /1 to /3 the shard and merge keys, /1 to /4 the integration tests'
keys; those keys default."""
StageStatus = Literal["ok", "failed", "skipped"]
"""ok: built (and every test that ran passed); failed: the build or a test failed; skipped:
not built, with the reason."""
TestStatus = Literal["passed", "failed", "skipped"]
MAX_DOCUMENT_BYTES = 64 << 20
MAX_STAGES = 10_000
"""Thirteen stages for each target of a CI matrix: a document with more was not minbuild's."""
MAX_VALUES = 500_000
"""JSON values: bat's 13 stages with 227 tests each hold ~45,000, and the schema's validator
takes ~28 s a million on 2 cores, so a bigger document is refused before it looks."""
MAX_DEPTH = 32
"""A run document nests 6 levels deep; one deeper than this was not written by minbuild, and
checking it would cost the schema's validator its recursion."""
"""Run documents are tens of KiB: output tails are bounded."""


@dataclass(frozen=True)
class TestResult:
    """One test command run against one stage's artifact."""

    __test__ = False  # not a pytest test class, despite its name

    name: str
    status: TestStatus
    seconds: float
    output_tail: str
    reason: str = ""
    suite: str = ""
    """The crate's integration test target that holds it; empty for a project-file command."""
    expected: str = ""
    """Why it fails here by design (integration_tests.expected_failures): not a regression."""
    already_failing_at: str = ""
    """The reference stage where it failed too: a failure the stage did not cause."""

    @property
    def regression(self) -> bool:
        """A failure this stage is to blame for."""
        return self.status == "failed" and not self.expected and not self.already_failing_at


@dataclass(frozen=True)
class StaticlibRecord:
    """The .a a build made beside its artifact (a crate-type staticlib), kept and measured."""

    artifact: str
    """Where the kept copy is."""
    size_bytes: int
    """The archive's raw size."""
    effective_size_bytes: int | None = None
    """What a --gc-sections link of the project's declared exports keeps (host builds)."""
    exports: tuple[str, ...] = ()
    """The exports that link kept."""
    effective_error: str | None = None
    """Why the effective size could not be measured (the link's output tail)."""
    composition: Composition | None = None
    """Its members' sections and code by crate (everything: nothing is linked away)."""

    def to_json(self) -> dict[str, Any]:
        """The document's form: the keys that have a value (older documents have no others)."""
        data = dataclasses.asdict(self)
        if self.composition is not None:
            data["composition"] = self.composition.to_json()
        return {key: value for key, value in data.items() if value not in (None, ())}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StaticlibRecord | None:
        if not data:
            return None
        composition = Composition.from_json(data.get("composition"))
        return cls(
            **{**data, "exports": tuple(data.get("exports", ())), "composition": composition}
        )


@dataclass(frozen=True)
class CacheRecord:
    """What the compile cache did during one build (sccache's counters, zeroed before it)."""

    tool: str
    """The cache, as RUSTC_WRAPPER: sccache."""
    hits: int
    """Compilations answered from the cache."""
    misses: int
    """Compilations the cache ran and stored."""
    not_cacheable: int
    """Calls it could not cache: bin, cdylib and proc-macro crates (they link), and the like."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CacheRecord | None:
        return cls(**data) if data else None


@dataclass(frozen=True)
class StageRecord:
    """What one stage built, how big it is, and whether its tests passed."""

    name: str
    description: str
    status: StageStatus
    reason: str = ""
    toolchain: Mapping[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    shell: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    effective_profile: Mapping[str, Any] = field(default_factory=dict)
    features: tuple[str, ...] = ()
    target: str | None = None
    runner: tuple[str, ...] = ()
    same_settings_as: str | None = None
    artifact: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    build_seconds: float | None = None
    staticlib: StaticlibRecord | None = None
    units_built: int | None = None
    units_fresh: int | None = None
    log: str | None = None
    first_error: str | None = None
    lacking: str | None = None
    """What this machine lacked for the build (a linker, disk space), with the fix: the stage
    failed through no fault of the crate, and the command exits 3."""
    fixtures: Mapping[str, str] = field(default_factory=dict)
    tests: tuple[TestResult, ...] = ()
    started: str | None = None
    """When the build began (ISO 8601, UTC, milliseconds): with `ended`, the run's overlap."""
    ended: str | None = None
    """When its tests ended."""
    test_seconds: float | None = None
    """How long its tests took (fixtures, commands and integration tests, their build too)."""
    lane: int | None = None
    """Which of the run's concurrent lanes built it."""
    cache: CacheRecord | None = None
    """The compile cache's counts for this build, when a cache was used."""
    composition: Composition | None = None
    """What the artifact is made of: sections, code by crate, the largest symbols."""
    composition_error: str = ""
    """Why the composition could not be read."""

    @property
    def tests_passed(self) -> int:
        return sum(test.status == "passed" for test in self.tests)

    @property
    def tests_run(self) -> int:
        return sum(test.status != "skipped" for test in self.tests)

    @property
    def tests_excused(self) -> int:
        """Failed tests the stage is not to blame for (expected, or failing at the reference)."""
        return sum(test.status == "failed" and not test.regression for test in self.tests)


@dataclass(frozen=True)
class ShardRecord:
    """Which share of a sharded run a document holds (`min-build --shard I/N`)."""

    index: int
    count: int
    own: tuple[str, ...]
    """Its own builds, by `build_key`. A build it made only for the fixtures its tests use is
    not among them: `merge` takes that stage from the shard that owns it."""
    staircase: tuple[str, ...] = ()
    """Every stage's name, in staircase order: `merge` puts the shares back in it."""

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


def build_key(stage: StageRecord, host: str) -> str:
    """A build's name within a run: its stage, and `@triple` for a foreign target."""
    return key_of(stage.name, stage.target, host)


def key_of(name: str, target: str | None, host: str) -> str:
    """`build_key` of a stage `name` built for `target` on `host`."""
    return name if target in (None, host) else f"{name}@{target}"


@dataclass(frozen=True)
class RunRecord:
    """One `min-build` invocation: where, when, with what, and every stage's record."""

    run_id: str
    started: str
    finished: str | None
    complete: bool
    host: str
    crate: Mapping[str, Any]
    minbuild_version: str
    config_hash: str
    toolchain: Mapping[str, str]
    stages: tuple[StageRecord, ...] = ()
    interrupted: bool = False
    config: str | None = None
    toolchain_choice: tuple[str, ...] = ()
    """Why this toolchain: the candidates passed over and what each lacked."""
    sequence: int | None = None
    """The state dir's run counter: orders runs started within one second."""
    shard: ShardRecord | None = None
    """The share of a sharded run this document holds."""
    merged_from: tuple[str, ...] = ()
    """A run `merge` made: the shards' run ids, in shard order."""
    schema: str = SCHEMA


def to_json(run: RunRecord) -> str:
    """The document, compact: it is rewritten after every stage, and with every stage's
    composition in it, indenting (Python's slow encoder) and `asdict`'s deep copies cost a
    re-run a few tenths of a second. Each stage record is encoded once (`_stage_text`)."""
    data = _shallow(run)
    del data["stages"]
    data["shard"] = _shallow(run.shard) if run.shard else None
    head = json.dumps(data, separators=(",", ":"))
    stages = ",".join(map(_stage_text, run.stages))
    return f'{head[:-1]},"stages":[{stages}]}}\n'


_ENCODED: dict[int, tuple[StageRecord, str]] = {}
"""Stage records encoded lately, by identity (the entry holds the record, so its id cannot be
reused while it is here): a run's document is rewritten after every stage, its records
unchanged."""
_ENCODED_KEPT = 256


def _stage_text(record: StageRecord) -> str:
    kept = _ENCODED.get(id(record))
    if kept is not None and kept[0] is record:
        return kept[1]
    text = json.dumps(stage_json(record), separators=(",", ":"))
    if len(_ENCODED) >= _ENCODED_KEPT:
        _ENCODED.clear()
    _ENCODED[id(record)] = (record, text)
    return text


def _shallow(record: Any) -> dict[str, Any]:
    return {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}


def stage_from_json(stage: Mapping[str, Any]) -> StageRecord:
    """A stage record from its JSON (checked against the run schema by the caller); a key
    that does not fit raises TypeError or KeyError."""
    return StageRecord(
        **{
            **stage,
            "command": tuple(stage["command"]),
            "features": tuple(stage["features"]),
            "runner": tuple(stage.get("runner", ())),
            "tests": tuple(TestResult(**t) for t in stage["tests"]),
            "staticlib": StaticlibRecord.from_json(stage.get("staticlib", {})),
            "cache": CacheRecord.from_json(stage.get("cache", {})),
            "composition": Composition.from_json(stage.get("composition")),
        }
    )


def stage_json(record: StageRecord) -> dict[str, Any]:
    """A stage record as JSON (`stage_from_json` reads it back)."""
    data = _shallow(record)
    data["tests"] = [_shallow(test) for test in record.tests]
    data["staticlib"] = record.staticlib.to_json() if record.staticlib else {}
    data["cache"] = _shallow(record.cache) if record.cache else {}
    data["composition"] = record.composition.to_json() if record.composition else {}
    return data


def from_json(text: str, source: str) -> RunRecord:
    """Parse a run document; a broken, foreign or ill-typed one is a ConfigError naming
    `source` and the first key that is wrong."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"not a readable run document ({error})", file=source) from error
    except RecursionError:  # a document a pull request wrote may nest without end
        raise ConfigError(
            f"not a run document: nested deeper than {MAX_DEPTH} levels", file=source
        ) from None
    depth, values = shape(data)
    if depth > MAX_DEPTH:
        raise ConfigError(f"not a run document: nested deeper than {MAX_DEPTH} levels", file=source)
    if values > MAX_VALUES:
        raise ConfigError(
            f"not a run document: more than {MAX_VALUES:,} values (checking it would take minutes)",
            file=source,
        )
    stages = data.get("stages") if isinstance(data, dict) else None
    if isinstance(stages, list) and len(stages) > MAX_STAGES:
        raise ConfigError(
            f"stages: {len(stages):,} of them, more than the {MAX_STAGES:,} a run holds",
            file=source,
        )
    if not isinstance(data, dict):
        raise ConfigError(f"not a run document (a JSON {type(data).__name__})", file=source)
    _validate_schema(data.get("schema"), source)
    validated(Document(Path(source), data), "run")
    try:
        stages = tuple(stage_from_json(stage) for stage in data.pop("stages"))
        choice = tuple(data.pop("toolchain_choice", ()))
        shard = data.pop("shard", None)
        data["merged_from"] = tuple(data.get("merged_from", ()))
        data["schema"] = SCHEMA  # read as this minbuild's records (older keys default)
        return RunRecord(
            **data,
            stages=stages,
            toolchain_choice=choice,
            shard=ShardRecord(
                shard["index"], shard["count"], tuple(shard["own"]), tuple(shard["staircase"])
            )
            if shard
            else None,
        )
    except (TypeError, KeyError) as error:  # the schema and the records disagree: a bug
        raise ConfigError(f"not a readable run document ({error})", file=source) from error


def _validate_schema(schema: object, source: str) -> None:
    if schema in READABLE:
        return
    version = re.fullmatch(r"minbuild\.run/(\d+)", str(schema))
    if version is None:
        raise ConfigError(f"not a minbuild run document (schema {schema!r})", file=source)
    ours = int(SCHEMA.rsplit("/", 1)[1])
    if int(version.group(1)) < ours:
        raise ConfigError(
            f"run document schema {schema} is older than {READABLE[0]}, the oldest this "
            "minbuild reads: run `minbuild min-build` again",
            file=source,
        )
    raise ConfigError(
        f"run document schema {schema} is newer than {SCHEMA}: it was written "
        "by a newer minbuild; upgrade minbuild to read it",
        file=source,
    )


def save(run: RunRecord, runs_dir: Path) -> Path:
    path = runs_dir / f"{run.run_id}.json"
    write_atomic(path, to_json(run))
    return path


def shape(value: object) -> tuple[int, int]:
    """How deep `value` nests (a scalar: 0) and how many values it holds, counted without
    recursion and given up past the bounds (so the count costs no more than they allow)."""
    deepest, count, pending = 0, 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        count += 1
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH or count > MAX_VALUES:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest, count + len(pending)


def load(path: Path) -> RunRecord:
    return from_json(read_text(path, MAX_DOCUMENT_BYTES), str(path))


def run_order(path: Path) -> tuple[str, int, str]:
    """Sorts run documents by start time, then by the state dir's run counter (a run id is
    STARTED-SEQUENCE; older ids ended in a random hex suffix, which sorts first)."""
    started, _, suffix = path.stem.partition("-")
    return started, int(suffix) if suffix.isdigit() else -1, path.stem


def documents(runs_dir: Path) -> list[Path]:
    """Every run document in `runs_dir`, oldest first."""
    return sorted(runs_dir.glob("*.json"), key=run_order) if runs_dir.is_dir() else []


def latest(runs_dir: Path) -> Path:
    """The newest run document."""
    runs = documents(runs_dir)
    if not runs:
        raise ConfigError(f"no runs in {runs_dir}: run `minbuild min-build` first")
    return runs[-1]
