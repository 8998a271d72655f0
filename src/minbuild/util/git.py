"""What git says of a directory: the commit a run was built from, and whether it was edited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minbuild.util import command
from minbuild.util.errors import ToolMissingError


@dataclass(frozen=True)
class Revision:
    """A directory's commit and whether its files differ from it."""

    commit: str
    """HEAD's full hash."""
    dirty: bool
    """Files under the directory are changed, added or untracked."""


def revision(directory: Path) -> Revision | None:
    """The directory's revision; None outside a git work tree, or without git (it is optional)."""
    git = ["git", "-C", str(directory)]
    try:
        head = command.run([*git, "rev-parse", "HEAD"], check=False)
        if head.returncode != 0:
            return None
        status = command.run([*git, "status", "--porcelain", "--", "."], check=False)
    except ToolMissingError:
        return None
    return Revision(head.stdout.strip(), bool(status.stdout.strip()))
