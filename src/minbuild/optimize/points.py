"""Points the search starts from and compares against: the start stage's settings as the
space expresses them, release's, and cargo-wizard's min-size template."""

from __future__ import annotations

import json

from minbuild.optimize.space import Assignment, Space, applied
from minbuild.project.stages import Stage
from minbuild.rust.cargo import Crate
from minbuild.rust.profiles import effective_profile

WIZARD = "cargo-wizard"
"""cargo-wizard's min-size template (opt-level z, fat LTO, one codegen unit, panic abort,
symbols stripped, no debug info), applied to the start point's features."""
_WIZARD_TEMPLATE = {
    "opt-level": "z",
    "lto": "fat",
    "codegen-units": "1",
    "panic": "abort",
    "strip": "symbols",
    "debug": "none",  # the template sets debug = false; ripgrep's release has debug = 1
}
RELEASE = "release-settings"
"""Every setting at its release value, on the start point's features."""


def signature(crate: Crate, stage: Stage) -> str:
    """What a stage's binary depends on, its name and order of flags aside."""
    return json.dumps(
        [
            effective_profile(crate, stage),
            sorted(set(stage.rustflags)),
            bool(stage.build_std),
            stage.build_std_features,
            sorted(set(stage.cargo_unstable)),
            [step.argv for step in stage.post_link],
        ],
        sort_keys=True,
        default=str,
    )


def start_point(space: Space, start: Stage, crate: Crate, release: Stage) -> dict[str, str]:
    """The point that builds what `start` builds: for each setting, the value that changes
    nothing when applied over `start` but changes `release` (the point of every release
    value), the fullest such; else the release value."""
    own, base = signature(crate, start), signature(crate, release)
    point = {}
    for setting in space.every:
        matching = [
            (len(json.dumps(value.__dict__, default=str)), label)
            for label, value in setting.values.items()
            if label != setting.release
            and signature(crate, applied(start, value)) == own
            and signature(crate, applied(release, value)) != base
        ]
        point[setting.name] = max(matching)[1] if matching else setting.release
    return point


def references(
    space: Space, start: Assignment | None = None, target: str | None = None
) -> dict[str, Assignment]:
    """The points every search is compared with; a setting that is not for `target` (None:
    the host) has the `start` point's value in them (a foreign target's std is rebuilt)."""
    elsewhere = {s.name: start[s.name] for s in space.every if start and not s.for_target(target)}
    release = {**space.release, **elsewhere}
    wizard = {
        setting.name: _WIZARD_TEMPLATE[setting.name]
        if _WIZARD_TEMPLATE.get(setting.name) in setting.values
        else release[setting.name]
        for setting in space.every
    }
    return {RELEASE: release, WIZARD: wizard}
