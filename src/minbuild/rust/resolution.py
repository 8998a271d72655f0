"""Whether cargo can resolve a crate's dependencies offline, and what to say when it cannot."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from minbuild.rust.cargo import Crate, metadata_of
from minbuild.util.errors import CommandFailed

MISSING_PACKAGE = re.compile(
    r"no matching package (?:named `(?P<named>[^`]+)` found|found\s+searched package name: "
    r"`(?P<searched>[^`]+)`)(?:.*?required by package `(?P<by>[^ `]+))?",
    re.DOTALL,
)


def unresolvable(crate: Crate, cargo: Iterable[str], env: Mapping[str, str]) -> str | None:
    """Cargo resolves every dependency of the workspace, dev-dependencies included, before it
    builds anything: one it cannot find offline fails every stage. What to say of it (naming
    the package and what to do), or None when cargo resolves them all."""
    try:
        metadata_of(crate.manifest, cargo, env, dependencies=True)
    except CommandFailed as error:
        found = MISSING_PACKAGE.search(error.output_tail)
        if found is None:
            return None  # another problem: the builds report it in cargo's own words
        name = found["named"] or found["searched"]
        fix = "or vendor it"
        if name in crate.dev_dependencies:
            what = f"dev-dependency `{name}` of {crate.name}"
            fix = "or remove it from [dev-dependencies] (then the tests that use it cannot build)"
        elif name in crate.dependencies:
            what = f"dependency `{name}` of {crate.name}"
        else:
            what = f"package `{name}` (required by {found['by'] or 'a dependency'})"
        debian = f"librust-{name.replace('_', '-')}-dev"
        return (
            f"cargo cannot find {what} in the crate's offline sources, and resolves it before "
            f"any build: install it (Debian: apt-get install {debian}) {fix}"
        )
    return None
