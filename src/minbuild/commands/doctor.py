"""doctor: can each stage and target run on this machine? If not, why, and the fix."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import Located, network
from minbuild.commands.vocabulary import CONFIG, TARGETS
from minbuild.project import stages, targets
from minbuild.runs.progress import Reporter
from minbuild.rust import provision
from minbuild.util.errors import ExitCode
from minbuild.util.text import format_table


@dataclass(frozen=True)
class Options:
    """What one doctor invocation asks for."""

    config: Path = CONFIG()
    targets: tuple[str, ...] = TARGETS()


def run(request: Located[Options], reporter: Reporter) -> Outcome:
    """A table of what is available; exit 1 if anything is not."""
    options, project = request.options, request.project
    findings = provision.doctor(
        project,
        stages.load_staircase(project),
        targets.select(targets.project_targets(project), options.targets),
        network(os.environ),
    )
    table = format_table(
        ["", "what", "detail"],
        [["ok" if f.available else "NO", f.what, f.detail] for f in findings],
    )
    missing = [f for f in findings if not f.available]
    text = f"{table}\n\n{len(findings) - len(missing)} of {len(findings)} available\n"
    return Outcome(ExitCode.FAILED if missing else ExitCode.OK, text)
