"""A stage's artifact read again for every symbol, where its run document kept the largest
(TOP_SYMBOLS): a diff of two stages then compares each symbol on both sides, where the kept
lists alone would call a symbol new that was only below the other side's cut."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from minbuild.measure.binaries import Origins, read_composition
from minbuild.runs.composition import TOP_SYMBOLS, Composition
from minbuild.runs.records import StageRecord
from minbuild.util.errors import CommandFailed, ToolMissingError, UnreadableArtifact
from minbuild.util.files import sha256


def with_every_symbol(stage: StageRecord) -> StageRecord:
    """The stage with every symbol of its artifact, when its list was cut and the file is
    still the one it measured (the same sha256: the next run of the stage replaces it);
    else the stage as it was."""
    kept = stage.composition
    if kept is None or not stage.artifact or len(kept.symbols) < TOP_SYMBOLS:
        return stage
    path = Path(stage.artifact)
    try:
        if sha256(path) != stage.sha256:
            return stage
        fresh = read_composition(path, _origins(kept), top=None)
    except (OSError, UnreadableArtifact, CommandFailed, ToolMissingError):
        return stage
    return dataclasses.replace(stage, composition=dataclasses.replace(kept, symbols=fresh.symbols))


def _origins(kept: Composition) -> Origins:
    """The origins the stage was measured with, as its crates record them."""
    return Origins(
        frozenset(c.name for c in kept.crates if c.origin == "crate"),
        frozenset(c.name for c in kept.crates if c.origin == "dependency"),
    )
