"""Which package and which of its cargo targets a project builds, and where cargo put it.

Artifacts are found as cargo sees them: by target kind, not by name alone (hexyl has a lib and
a bin both named `hexyl`), among several bins (`src/bin/*.rs` too), in workspace members, with
the bin's `required-features` checked against every stage before anything builds.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from minbuild.project.config import Artifact, Project
from minbuild.project.stages import Stage
from minbuild.rust.cargo import Crate, Workspace, enabled_features
from minbuild.util.text import did_you_mean
from minbuild.util.yamlfile import KeyPath

LIBRARY_SUFFIXES = {"cdylib": (".so", ".dylib", ".dll", ".wasm"), "staticlib": (".a", ".lib")}


def choose_package(project: Project, workspace: Workspace, library: str | None = None) -> Crate:
    """The package that builds the project's artifact (or its `library` kind's package):
    named in the project file, else the manifest's own, else the one workspace member that
    builds what the project asks for."""
    name = project.libraries.get(library) if library else project.package
    at: KeyPath = ("crate", library, "package") if library else ("crate", "package")
    members = [member.name for member in workspace.members]
    if name is not None:
        found = workspace.member(name)
        if found is None:
            raise project.source.error(
                at,
                f"no package '{name}' in the workspace{did_you_mean(name, members)} "
                f"({_listing(workspace.members)})",
            )
        return found
    kind = library or project.artifact.kind
    own = next((m for m in workspace.members if m.manifest == project.manifest), None)
    if own is not None and (not library or kind in own.lib_crate_types):
        return own
    fitting = [
        m for m in _default_first(workspace) if _builds(m, kind, project.artifact.name, library)
    ]
    if len(fitting) == 1 or (fitting and fitting[0].name in workspace.default_members):
        return fitting[0]
    wanted = f"bin '{project.artifact.name}'" if project.artifact.name else f"a {kind}"
    problem = "members build" if fitting else "no member builds"
    raise project.source.error(
        at,
        f"{project.manifest} is a virtual workspace and {problem} {wanted}: name the package "
        f"({_listing(fitting or workspace.members)})",
    )


def _default_first(workspace: Workspace) -> list[Crate]:
    return sorted(workspace.members, key=lambda m: m.name not in workspace.default_members)


def _builds(crate: Crate, kind: str, name: str | None, library: str | None) -> bool:
    if kind == "bin" and not library:
        return bool(crate.binaries) and (name is None or name in crate.binaries)
    return kind in crate.lib_crate_types


def _listing(members: Iterable[Crate]) -> str:
    return "; ".join(f"{m.name}: {m.builds()}" for m in members) or "no packages"


def resolve_artifact(project: Project, crate: Crate) -> Project:
    """The project with its artifact made definite: the bin named, or the package's only
    bin, or its `default-run` one; a library kind its lib target must have."""
    artifact = project.artifact
    if artifact.kind != "bin":
        if artifact.kind not in crate.lib_crate_types:
            raise project.source.error(
                ("crate", "artifact", "kind"),
                f"{crate.name} builds no {artifact.kind} ({crate.builds()}): set crate-type = "
                f'["{artifact.kind}"] in its [lib], or crate.package to a member that does',
            )
        return project
    if artifact.name in crate.binaries:
        return project
    chosen = (
        crate.binaries[0]
        if len(crate.binaries) == 1
        else crate.default_run
        if crate.default_run in crate.binaries
        else None
    )
    if artifact.name is None and chosen is not None:
        return dataclasses.replace(project, artifact=Artifact("bin", chosen))
    if artifact.name:
        problem = f"{crate.name} has no bin '{artifact.name}'" + did_you_mean(
            artifact.name, list(crate.binaries)
        )
    elif crate.binaries:
        problem = f"{crate.name} has {len(crate.binaries)} bins and no default-run: name one"
    else:
        problem = f"{crate.name} has no bin: set crate.artifact.kind to cdylib or staticlib"
    raise project.source.error(
        ("crate", "artifact", "name"), f"{problem} ({crate.name} builds: {crate.builds()})"
    )


def validate_required_features(project: Project, crate: Crate, stages: Sequence[Stage]) -> None:
    """A bin cargo would skip for want of its required-features is an error now, naming the
    stage that drops them, not a cargo error (or a missing artifact) minutes later."""
    if project.artifact.kind != "bin" or project.artifact.name is None:
        return
    target = crate.binary(project.artifact.name)
    if target is None or not target.required_features:
        return
    for stage in stages:
        on = enabled_features(
            crate, default_features=stage.default_features, features=stage.features
        )
        lacking = [f for f in target.required_features if f not in on and f not in stage.features]
        if lacking:
            minimal = "feature_sets.minimal" if "minimal" in project.feature_sets else None
            raise project.source.error(
                ("feature_sets", "minimal") if minimal else ("crate", "artifact", "name"),
                f"bin '{target.name}' has required-features "
                f"{', '.join(target.required_features)}; stage {stage.name} does not enable "
                f"{', '.join(lacking)} (its features: {', '.join(sorted(on)) or 'none'}), so "
                f"cargo would not build the bin: add {', '.join(lacking)} to "
                "feature_sets.minimal",
            )


def find_artifact(
    messages: Sequence[dict[str, Any]], crate: Crate, artifact: Artifact
) -> Path | None:
    """The file cargo's `compiler-artifact` messages name for this package's artifact."""
    for message in messages:
        if Path(message["manifest_path"]) != crate.manifest:
            continue
        target = message["target"]
        if artifact.kind == "bin":
            if "bin" in target["kind"] and target["name"] == artifact.name:
                return Path(message["executable"]) if message.get("executable") else None
            continue
        if artifact.kind in target["crate_types"]:
            for filename in message["filenames"]:
                if filename.endswith(LIBRARY_SUFFIXES[artifact.kind]):
                    return Path(filename)
    return None


def no_artifact_reason(crate: Crate, artifact: Artifact) -> str:
    what = f"bin '{artifact.name}'" if artifact.kind == "bin" else f"{artifact.kind}"
    return f"cargo reported no {what} artifact for {crate.name} ({crate.builds()})"


def artifact_messages(stdout: str) -> list[dict[str, Any]]:
    """cargo's `compiler-artifact` messages (--message-format=json) in a build's output."""
    messages = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            message = json.loads(line)
            if message.get("reason") == "compiler-artifact":
                messages.append(message)
    return messages


_LINKED_KINDS = frozenset({"lib", "rlib", "dylib", "cdylib", "staticlib"})


def compiled_libraries(messages: Iterable[Mapping[str, Any]]) -> frozenset[tuple[str, str]]:
    """(package, library) for each library a build compiled, both as symbols spell them
    (`-` as `_`): a library may be named otherwise than its package (wasmtime-c-api-impl's
    is wasmtime_c_api)."""
    found = set[tuple[str, str]]()
    for message in messages:
        target = message.get("target", {})
        if _LINKED_KINDS & set(target.get("kind", ())):
            package = package_name(str(message.get("package_id", "")))
            found.add((package.replace("-", "_"), str(target.get("name", "")).replace("-", "_")))
    return frozenset(found)


def package_name(package_id: str) -> str:
    """ "registry+https://...#name@1.0", "path+file:///x/name#1.0" (a path package named as
    its directory), or before cargo 1.77 "name 1.0 (registry+...)"."""
    if "#" not in package_id:
        return package_id.split(" ", 1)[0]
    source, fragment = package_id.rsplit("#", 1)
    return fragment.split("@", 1)[0] if "@" in fragment else source.rstrip("/").rsplit("/", 1)[-1]
