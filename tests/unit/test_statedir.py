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


def _gone_pid() -> int:
    """A pid no process has now."""
    return max(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()) + 100_000


def test_only_a_holder_that_never_ended_is_reported_to_the_next(state: Path) -> None:
    heard: list[str] = []
    with pytest.raises(RuntimeError), statedir.exclusive(state, "min-build", heard.append):
        raise RuntimeError("a run that fails still ends: its line is emptied")
    with statedir.exclusive(state, "min-build", heard.append):
        pass
    lock = state / statedir.LOCK
    assert heard == [] and lock.read_text(encoding="utf-8") == ""
    gone = _gone_pid()  # once: a process started meanwhile moves the highest pid
    killed = (
        f"min-build (pid {gone}, since 2026-12-05T10:00:00+00:00; "
        f"token {'a' * 32} {lock.stat().st_ino})\n"
    )
    lock.write_text(killed, encoding="utf-8")
    with statedir.exclusive(state, "size-report", heard.append):
        pass
    (said,) = heard
    assert said == (
        f"the run before this one (min-build (pid {gone}, since "
        "2026-12-05T10:00:00+00:00)) ended without finishing (killed, or the machine stopped)"
    )


def test_a_copied_lock_never_ends_the_processes_of_the_run_it_names(state: Path) -> None:
    """A state dir copied while a run held it names a live run: its line is another file's
    (another inode), or its pid is alive, and nothing is ended."""
    heard: list[str] = []
    lock = state / statedir.LOCK
    for pid, inode in ((_gone_pid(), 1), (os.getpid(), None)):  # another file; a live pid
        lock.write_text("", encoding="utf-8")
        number = inode or lock.stat().st_ino
        line = f"min-build (pid {pid}, since 2026-12-05T10:00:00+00:00; token {'b' * 32} {number})"
        lock.write_text(line + "\n", encoding="utf-8")
        with statedir.exclusive(state, "min-build", heard.append):
            pass
    assert len(heard) == 2
    assert all(said.endswith("are not this state dir's to end (a copied lock)") for said in heard)
