"""cross-build: the last stage (or any) built for each foreign target and tested there."""

from __future__ import annotations

import dataclasses

from minbuild.commands import min_build
from minbuild.commands.outcome import Outcome
from minbuild.engine.request import BuildOptions
from minbuild.runs.progress import Reporter

Options = BuildOptions


def run(options: BuildOptions, reporter: Reporter) -> Outcome:
    """min-build's run, for the targets instead of the host."""
    return min_build.run(dataclasses.replace(options, cross=True), reporter)
