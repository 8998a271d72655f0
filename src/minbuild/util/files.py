"""Files written so a reader never sees half of one, and a full disk said as what it is."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from minbuild.util.errors import StateDirError
from minbuild.util.text import human_size

FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
"""What a write returns when the disk (or the user's quota) is full."""
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import, before any thread: os.umask can only set it


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader sees the old file or the new, never half;
    on a full disk the old file stays and a StateDirError says where and how much."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide documents from others
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        if error.errno in FULL:
            raise disk_full(path, len(data)) from error
        raise
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def disk_full(path: Path, needed: int | None = None) -> StateDirError:
    """The one line for a write that found the disk full: the path, what is free, what the
    write needed, and what to do."""
    want = f"; writing it needs {human_size(needed)}" if needed else ""
    return StateDirError(
        f"{path}: no space left on its disk ({free_space(path)} free{want}): free some space, "
        "or pass --state-dir on a larger disk"
    )


def free_space(path: Path) -> str:
    """What is free on the disk of `path` (or of its nearest existing parent)."""
    for place in (path, *path.parents):
        if place.exists():
            return human_size(shutil.disk_usage(place).free)
    return "unknown"


def says_disk_full(output: str) -> bool:
    """Whether a program's output says a write found the disk full (cargo, rustc, the linker:
    `No space left on device (os error 28)`)."""
    return "No space left on device" in output or "Disk quota exceeded" in output


def sha256(path: Path) -> str:
    """The file's SHA-256, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
