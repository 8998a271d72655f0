"""The state dir's own files and folders: nothing minbuild writes resolves outside it, whatever
links a restored cache left inside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minbuild.runs import records, statedir
from minbuild.util.errors import StateDirError
from tests.unit.samples import sample_run


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    place = tmp_path / "outside"
    place.mkdir()
    (place / "secret.txt").write_text("keep me\n", encoding="utf-8")
    return place


@pytest.fixture
def state(tmp_path: Path) -> Path:
    place = tmp_path / "state"
    place.mkdir()
    return place


def _hold(state: Path) -> None:
    with statedir.exclusive(state, "test", lambda line: None):
        pass


def test_a_lock_that_links_elsewhere_is_refused_and_its_target_untouched(
    state: Path, outside: Path
) -> None:
    (state / statedir.LOCK).symlink_to(outside / "secret.txt")
    with pytest.raises(StateDirError, match=r"lock: it is a symbolic link to .*secret\.txt"):
        _hold(state)
    assert (outside / "secret.txt").read_text(encoding="utf-8") == "keep me\n"


def test_a_lock_that_is_a_fifo_is_refused_without_waiting(state: Path) -> None:
    os.mkfifo(state / statedir.LOCK)
    with pytest.raises(StateDirError, match="not a regular file"):
        _hold(state)


def test_a_sequence_that_links_elsewhere_is_refused(state: Path, outside: Path) -> None:
    (state / statedir.SEQUENCE).symlink_to(outside / "secret.txt")
    with pytest.raises(StateDirError, match="sequence: it is a symbolic link"):
        statedir.next_sequence(state)
    assert (outside / "secret.txt").read_text(encoding="utf-8") == "keep me\n"


def test_the_sequence_counts_up_and_leaves_no_temporary_file(state: Path) -> None:
    assert [statedir.next_sequence(state) for _ in range(3)] == [1, 2, 3]
    assert sorted(p.name for p in state.iterdir()) == [statedir.SEQUENCE]


@pytest.mark.parametrize("parts", [("runs",), ("logs", "run-1"), ("target",), ("checks",)])
def test_a_folder_that_links_outside_is_refused_naming_the_link(
    state: Path, outside: Path, parts: tuple[str, ...]
) -> None:
    link = state.joinpath(*parts)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    with pytest.raises(StateDirError, match=rf"{link}: it is a symbolic link to {outside}"):
        statedir.inside(state, *parts, "file.json")


def test_a_link_that_stays_inside_is_followed(state: Path) -> None:
    (state / "elsewhere").mkdir()
    (state / "runs").symlink_to(state / "elsewhere")
    assert statedir.inside(state, "runs", "x.json") == state / "elsewhere" / "x.json"


def test_a_run_document_is_never_written_through_a_linked_runs_folder(
    state: Path, outside: Path
) -> None:
    (state / "runs").symlink_to(outside)
    with pytest.raises(StateDirError, match="symbolic link"):
        records.save(sample_run(), statedir.inside(state, "runs"))
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_only_a_holder_that_never_ended_is_reported_to_the_next(state: Path) -> None:
    heard: list[str] = []
    with pytest.raises(RuntimeError), statedir.exclusive(state, "min-build", heard.append):
        raise RuntimeError("a run that fails still ends: its line is emptied")
    with statedir.exclusive(state, "min-build", heard.append):
        pass
    assert heard == [] and (state / statedir.LOCK).read_text(encoding="utf-8") == ""
    killed = "min-build (pid 4242, since 2026-12-05T10:00:00+00:00; token " + "a" * 32 + ")\n"
    (state / statedir.LOCK).write_text(killed, encoding="utf-8")
    with statedir.exclusive(state, "size-report", heard.append):
        pass
    (said,) = heard
    assert said.startswith(
        "the run before this one (min-build (pid 4242, since 2026-12-05T10:00:00+00:00)) "
        "ended without finishing (killed, or the machine stopped)"
    )
