"""What a stage's artifacts weigh and are made of: the composition (kept by content in the
state dir, so a re-run's unchanged artifact is not read again) and a staticlib's raw and
effective sizes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from minbuild.measure import binaries, libsize
from minbuild.project.targets import Target
from minbuild.runs.composition import Composition
from minbuild.runs.records import StaticlibRecord
from minbuild.runs.statedir import Layout
from minbuild.util.errors import CommandFailed, ToolMissingError, UnreadableArtifact
from minbuild.util.files import sha256, write_atomic
from minbuild.util.text import human_size


@dataclass(frozen=True)
class Measuring:
    """How one build's artifacts are measured."""

    state_dir: Path
    origins: binaries.Origins
    """The crate's own crates, its dependencies and the project's parts."""
    exports: tuple[str, ...]
    """The staticlib exports the project declares (its effective size keeps what they use)."""
    target: Target | None
    """The foreign target (None: the host); a target that cannot link has no effective size."""
    workdir: Path
    """Where the effective size's probe program is linked."""

    def composition(self, artifact: Path, digest: str) -> tuple[Composition | None, str]:
        """What `artifact` is made of, or why that cannot be read (a note, not a failure)."""
        basis: list[object] = [
            binaries.READER,
            digest,
            sorted(self.origins.own),
            sorted(self.origins.dependencies),
        ]
        if self.origins.parts:  # what they count by, not their descriptions
            basis.append([[p.name, p.crates, p.symbols] for p in self.origins.parts])
        name = hashlib.sha256(json.dumps(basis).encode()).hexdigest()
        kept = Layout(self.state_dir).compositions(f"{name}.json")
        try:
            return Composition.from_json(json.loads(kept.read_text(encoding="utf-8"))), ""
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not kept yet, or unreadable: read the artifact
        try:
            composition = binaries.read_composition(artifact, self.origins)
        except (UnreadableArtifact, CommandFailed, ToolMissingError) as error:
            return None, str(error).splitlines()[0]
        write_atomic(kept, json.dumps(composition.to_json()))
        return composition, ""

    def staticlib(self, archive: Path, progress: Callable[[str], None]) -> StaticlibRecord:
        """The .a's raw size and composition, and on a target that links, its effective size
        for the declared exports. Minutes for a debug build of a large crate (a 1 GiB .a):
        the progress names it."""
        size = archive.stat().st_size
        progress(f"measuring {archive.name} ({human_size(size)})")
        composition, _ = self.composition(archive, sha256(archive))
        found = StaticlibRecord(str(archive), size, composition=composition)
        if not self.exports or (self.target is not None and not self.target.link):
            return found
        linker = self.target.link_program if self.target else None
        try:
            effective, exports = libsize.measured(
                archive, self.exports, self.workdir / "probe", linker
            )
        except CommandFailed as error:
            return dataclasses.replace(found, effective_error=error.output_tail)
        except UnreadableArtifact as error:
            return dataclasses.replace(found, effective_error=str(error))
        return dataclasses.replace(found, effective_size_bytes=effective, exports=exports)
