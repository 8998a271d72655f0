"""Run documents: round trip, refusal of foreign or broken ones, atomic replacement."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from minbuild.runs import records
from minbuild.runs.composition import Composition, Section, Share
from minbuild.util.errors import ConfigError, StateDirError
from minbuild.util.files import write_atomic
from tests.unit.samples import sample_run


def test_round_trip(tmp_path: Path) -> None:
    run = sample_run()
    path = records.save(run, tmp_path)
    assert path.name == f"{run.run_id}.json"
    assert records.load(path) == run


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            "minbuild.run/0",
            "is older than minbuild.run/1, the oldest this minbuild reads: "
            "run `minbuild min-build` again",
        ),
        ("minbuild.run/99", f"is newer than {records.SCHEMA}: it was written by a newer minbuild"),
        ("something/else", "not a minbuild run document (schema 'something/else')"),
    ],
)
def test_other_schemas_are_refused_clearly(schema: str, message: str) -> None:
    text = records.to_json(sample_run()).replace(records.SCHEMA, schema)
    with pytest.raises(ConfigError) as caught:
        records.from_json(text, "x.json")
    assert str(caught.value).startswith("x.json: ") and message in str(caught.value)


def test_truncated_document_is_refused_with_its_name() -> None:
    text = records.to_json(sample_run())
    with pytest.raises(ConfigError, match=r"^broken\.json: not a readable run document"):
        records.from_json(text[: len(text) // 2], "broken.json")


def test_interrupted_write_leaves_the_old_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.json"
    write_atomic(path, "old\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_a_full_disk_is_one_line_and_leaves_the_old_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.json"
    write_atomic(path, "old\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StateDirError) as raised:
        write_atomic(path, "new\n" * 1000)
    message = str(raised.value)
    assert message.startswith(f"{path}: no space left on its disk (")
    assert "free; writing it needs 3.9 KiB): free some space, or pass --state-dir" in message
    assert "\n" not in message
    assert path.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_a_document_is_as_readable_as_any_file_the_user_writes(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_atomic(path, "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_latest_and_no_runs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `minbuild min-build` first"):
        records.latest(tmp_path)
    for run_id in ("20261101T000000Z-aaaa", "20261102T000000Z-0000"):
        (tmp_path / f"{run_id}.json").write_text("{}")
    assert records.latest(tmp_path).name == "20261102T000000Z-0000.json"


@pytest.mark.parametrize(
    ("staticlib", "written"),
    [
        (None, {}),
        (records.StaticlibRecord("/a/libx.a", 900), {"artifact": "/a/libx.a", "size_bytes": 900}),
        (
            records.StaticlibRecord("/a/libx.a", 900, 300, ("x_new", "x_run")),
            {
                "artifact": "/a/libx.a",
                "size_bytes": 900,
                "effective_size_bytes": 300,
                "exports": ["x_new", "x_run"],
            },
        ),
        (
            records.StaticlibRecord("/a/libx.a", 900, effective_error="cc: not found"),
            {"artifact": "/a/libx.a", "size_bytes": 900, "effective_error": "cc: not found"},
        ),
    ],
)
def test_a_staticlib_is_written_with_the_keys_it_has_and_read_back(
    staticlib: records.StaticlibRecord | None, written: dict[str, object]
) -> None:
    import dataclasses
    import json

    run = sample_run()
    run = dataclasses.replace(
        run, stages=(dataclasses.replace(run.stages[0], staticlib=staticlib), *run.stages[1:])
    )
    text = records.to_json(run)
    assert json.loads(text)["stages"][0]["staticlib"] == written
    assert records.from_json(text, "run.json").stages[0].staticlib == staticlib


@pytest.mark.parametrize(
    ("schema", "missing"),
    [
        (
            "minbuild.run/1",
            ("started", "ended", "lane", "cache", "composition", "composition_error"),
        ),
        ("minbuild.run/2", ("composition", "composition_error")),
    ],
)
def test_an_older_document_reads_with_the_newer_keys_defaulted(
    schema: str, missing: tuple[str, ...]
) -> None:
    import json

    data = json.loads(records.to_json(sample_run()))
    data["schema"] = schema
    for stage in data["stages"]:
        for key in missing:
            del stage[key]
    run = records.from_json(json.dumps(data), "old.json")
    assert run.schema == records.SCHEMA
    assert all(s.composition is None and s.composition_error == "" for s in run.stages)
    if "cache" in missing:
        assert all(s.started is None and s.lane is None and s.cache is None for s in run.stages)
    assert [s.size_bytes for s in run.stages] == [s.size_bytes for s in sample_run().stages]


def test_a_composition_round_trips(tmp_path: Path) -> None:
    import dataclasses

    composition = Composition(
        "elf",
        1000,
        900,
        ".text",
        600,
        (Section(".text", 600, True), Section(".bss", 8, True, in_file=False)),
        (Share("core", 400, origin="std"), Share("demo", 200, origin="crate")),
        (Share("core::fmt::write", 300, "core", "std"),),
        ".symtab",
    )
    run = sample_run()
    run = dataclasses.replace(
        run, stages=(dataclasses.replace(run.stages[0], composition=composition), *run.stages[1:])
    )
    assert records.load(records.save(run, tmp_path)) == run


def test_cache_counts_and_timing_round_trip(tmp_path: Path) -> None:
    import dataclasses

    run = sample_run()
    first = dataclasses.replace(
        run.stages[0],
        started="2026-01-01T00:00:00.000+00:00",
        ended="2026-01-01T00:00:02.500+00:00",
        lane=1,
        cache=records.CacheRecord("sccache", hits=3, misses=1, not_cacheable=2),
    )
    run = dataclasses.replace(run, stages=(first, *run.stages[1:]))
    path = records.save(run, tmp_path)
    assert records.load(path) == run


@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 40 + "1" + "}" * 40], ids=["deep", "nested"]
)
def test_a_document_nested_without_end_is_one_line(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^shard\.json: not a run document: nested deeper"):
        records.from_json(text, "shard.json")
