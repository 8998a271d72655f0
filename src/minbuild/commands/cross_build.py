"""cross-build: the last stage (or any) built for each foreign target and tested there."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from minbuild.commands import min_build
from minbuild.commands.build_options import BuildOptions
from minbuild.commands.resolve import build_request
from minbuild.engine.request import BuildRequest

Options = BuildOptions
run = min_build.run
"""min-build's run: the request says the targets."""


def resolve(options: BuildOptions, environ: Mapping[str, str]) -> BuildRequest:
    """min-build's request, for the targets instead of the host."""
    return build_request(dataclasses.replace(options, cross=True), environ)
