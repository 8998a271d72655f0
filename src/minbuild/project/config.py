"""The project file: which crate to build, what its feature sets mean, and how to test it."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from minbuild.project import file_model
from minbuild.project.declared_budgets import Budget, parse_budget
from minbuild.project.integration import IntegrationTests, parse_integration
from minbuild.project.parts import Part, parse_part
from minbuild.util.errors import ConfigError
from minbuild.util.schemas import validated
from minbuild.util.text import did_you_mean, texts
from minbuild.util.yamlfile import Document, KeyPath, load, parse

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
TEST_PLACEHOLDERS = ("binary", "workdir", "crate_dir", "config_dir")
ArtifactKind = Literal["bin", "cdylib", "staticlib"]
"""What a stage builds and measures (the project schema's crate.artifact.kind enum)."""


@dataclass(frozen=True)
class Artifact:
    """What a stage produces and minbuild measures."""

    kind: ArtifactKind
    """bin, cdylib or staticlib."""
    name: str | None
    """The binary's name (kind bin); None means the package's only binary."""


@dataclass(frozen=True)
class Fixture:
    """A file a test needs that only a fuller build can make (the seed's precompiled .cwasm)."""

    name: str
    """Referred to by tests as {fixture:NAME}."""
    description: str
    """One line for people."""
    needs_features: tuple[str, ...]
    """A stage makes the fixture with its own binary only if it has all of these features."""
    argv: tuple[str, ...]
    """The command that writes the fixture to {output}."""
    timeout: float = 120.0
    """Seconds before the command is killed."""

    @property
    def runs_artifact(self) -> bool:
        """Whether the command runs a stage's artifact ({binary}). One that does not (a
        compiler of its own) is made once, by whichever build's tests come first, of any
        target or kind, and kept."""
        return any("{binary}" in arg for arg in self.argv)


@dataclass(frozen=True)
class TestSpec:
    """A command run against a stage's artifact, and what it must print and return."""

    __test__ = False  # not a pytest test class, despite its name

    name: str
    """Unique among the project's tests."""
    description: str
    """One line for people."""
    argv: tuple[str, ...]
    """The command, with placeholders such as {binary} and {fixture:NAME}."""
    exit_code: int
    """The exit code that counts as success."""
    stdout: str | None
    """Exact expected standard output, if set."""
    stdout_regex: str | None
    """A regex that must match standard output somewhere (MULTILINE), if set."""
    stdout_file: Path | None
    """A file whose content standard output must equal, if set."""
    needs_features: tuple[str, ...]
    """The test applies only to stages whose enabled features include all of these."""
    unless_features: tuple[str, ...]
    """The test applies only to stages whose enabled features include none of these."""
    stages: tuple[str, ...]
    """The test applies only to these stages; empty means every stage."""
    kinds: tuple[ArtifactKind, ...]
    """Artifact kinds it applies to (bin, cdylib, staticlib)."""
    targets: tuple[str, ...]
    """The test applies only to these target triples; empty means every target."""
    timeout: float
    """Seconds before the command is killed and the test recorded as failed."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment variables set for the command, over minbuild's own."""
    leftovers: Literal["warn", "fail"] = "warn"
    """What a process the command left running makes of the test (it is ended either way)."""


@dataclass(frozen=True)
class Project:
    """One crate and everything minbuild must know to take it down the staircase."""

    path: Path
    """The project file itself."""
    manifest: Path
    """The crate's Cargo.toml (absolute)."""
    package: str | None
    """The package to build; None means the manifest's own package."""
    artifact: Artifact
    """What each stage produces."""
    staircase: Path
    """The staircase file."""
    targets: Path
    """The cross targets file."""
    libraries: Mapping[str, str]
    """Package that builds each library kind (cdylib, staticlib) for targets that want one."""
    staticlib_exports: tuple[str, ...]
    """Entry points a program uses: a staticlib's effective size keeps only what they reach."""
    feature_sets: Mapping[str, tuple[str, ...]]
    """Named lists of cargo features that staircase stages enable by name."""
    rustflags: tuple[str, ...]
    """Flags every build adds to RUSTFLAGS (before the stages' own)."""
    fixtures: tuple[Fixture, ...]
    """Files tests need that a fuller stage's binary makes."""
    tests: tuple[TestSpec, ...]
    """Commands run against every applicable stage's artifact."""
    integration_tests: IntegrationTests | None
    """The crate's own integration tests, run against every stage's binary (None: not run)."""
    size_baseline: Path
    """The committed baseline file that growth budgets compare against."""
    budgets: tuple[Budget, ...]
    """Size limits that --check enforces."""
    parts: tuple[Part, ...]
    """Named parts of the artifact whose code every stage's composition counts."""
    feature_matrix: Mapping[str, Any]
    """What feature-matrix combines (depth, exclude, groups, exclusive, always), defaults in."""
    optimize: Mapping[str, Any]
    """What optimize searches (space, settings, skip), defaults in."""
    cache_tool: str
    """The compile cache every build goes through: sccache, or none."""
    cache_dir: Path | None
    """Where the cache keeps compiled units (None: the user's cache directory)."""
    cache_redis: str | None
    """A Redis server that keeps them instead, shared by CI runners (None: `cache_dir`)."""
    source: Document = field(compare=False, repr=False)
    """The parsed file, kept to put file:line on errors found later (e.g. unknown features)."""

    @property
    def crate_dir(self) -> Path:
        return self.manifest.parent

    def digest(self) -> str:
        """A hash of what this file says, to tell runs of different configurations apart."""
        text = json.dumps(self.source.data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def bundled(name: str) -> Path:
    """A file that ships with minbuild (resources/), e.g. the staircase or the targets."""
    return Path(str(resources.files("minbuild").joinpath(f"resources/{name}")))


def bundled_staircase() -> Path:
    return bundled("staircase.yaml")


def _path_or(base: Path, value: str | None, default: Path) -> Path:
    return (base / value).resolve() if value else default


def load_project(path: Path) -> Project:
    """Read and check a project file; every mistake is a ConfigError naming file and line."""
    return _project(load(path))


def draft_project(text: str, path: Path) -> Project:
    """A project file's text checked as the file `path` that is not written yet (init's
    draft): its relative paths are read from `path`'s directory."""
    return _project(parse(text, path))


def crate_only_project(manifest: Path, package: str | None = None) -> Project:
    """The project of a crate that has no project file (cfg-audit, feature-matrix,
    feature-cost): every default, no tests, empty feature sets."""
    if not manifest.is_file():
        raise ConfigError(f"no such Cargo manifest: {manifest}")
    data = {
        "schema": 1,
        "crate": {"manifest": manifest.name, "package": package},
        "feature_sets": {"minimal": [], "disable_logging": []},
    }
    return _project(Document(manifest.resolve(), data))


def _project(doc: Document) -> Project:
    path = doc.path
    data = cast(file_model.MinbuildProjectFile, validated(doc, "project"))
    base = path.parent
    crate, artifact = data["crate"], data["crate"]["artifact"]
    manifest = (base / crate["manifest"]).resolve()
    fixtures = tuple(
        _fixture(doc, item, ("fixtures", i)) for i, item in enumerate(data["fixtures"])
    )
    timeout = float(data["test_timeout"])
    tests = tuple(
        _test(doc, item, ("tests", i), base, timeout, artifact["kind"])
        for i, item in enumerate(data["tests"])
    )
    parts = tuple(parse_part(item) for item in data["parts"])
    for position, part in enumerate(parts):
        if not part.crates and not part.symbols:
            raise doc.error(
                ("parts", position), f"part '{part.name}' names no crates and no symbols"
            )
    _validate_unique(doc, "parts", [part.name for part in parts])
    _validate_unique(doc, "fixtures", [f.name for f in fixtures])
    _validate_unique(doc, "tests", [t.name for t in tests])
    _validate_placeholders(doc, fixtures, tests)
    return Project(
        path=path,
        manifest=manifest,
        package=crate["package"],
        artifact=Artifact(artifact["kind"], artifact["name"]),
        staircase=_path_or(base, data["staircase"], bundled_staircase()),
        targets=_path_or(base, data["targets"], bundled("targets.yaml")),
        staticlib_exports=texts(crate["staticlib"]["exports"]),
        libraries={
            kind: str(crate[kind]["package"])
            for kind in ("cdylib", "staticlib")
            if crate[kind]["package"]
        },
        feature_sets={name: texts(features) for name, features in data["feature_sets"].items()},
        rustflags=texts(data["rustflags"]),
        fixtures=fixtures,
        tests=tests,
        integration_tests=parse_integration(data["integration_tests"]),
        size_baseline=(base / data["size_baseline"]).resolve(),
        budgets=tuple(
            parse_budget(doc, item, ("budgets", i)) for i, item in enumerate(data["budgets"])
        ),
        parts=parts,
        feature_matrix=data["feature_matrix"],
        optimize=data["optimize"],
        cache_tool=data["cache"]["tool"],
        cache_dir=(base / data["cache"]["dir"]).resolve() if data["cache"]["dir"] else None,
        cache_redis=_redis(doc, data["cache"]["redis"]),
        source=doc,
    )


def require_manifest(project: Project) -> None:
    """The manifest must exist before cargo is asked about it, so that the error names the
    project file's key rather than cargo's view of a path."""
    existing(
        project,
        ("crate", "manifest"),
        project.manifest,
        " (the crate's Cargo.toml, relative to this file)",
    )


def existing(project: Project, at: KeyPath, path: Path, hint: str = "") -> Path:
    """`path`, which the project file names at `at`, if it is a file; else the error points
    at that key."""
    if not path.is_file():
        problem = (
            "is a directory, not a file"
            if path.is_dir()
            else "is a FIFO, socket or device, not a regular file"
            if path.exists()
            else "no such file"
        )
        raise project.source.error(at, f"{problem}: {path}{hint}")
    return path


def _fixture(doc: Document, data: file_model.Fixture, at: KeyPath) -> Fixture:
    argv = texts(data["argv"])
    if not any("{output}" in arg for arg in argv):
        raise doc.error((*at, "argv"), "must be a command that writes {output}")
    needs = texts(data["needs_features"])
    return Fixture(data["name"], data["description"], needs, argv, float(data["timeout"]))


def _test(
    doc: Document,
    data: file_model.Test,
    at: KeyPath,
    base: Path,
    default_timeout: float,
    main_kind: ArtifactKind,
) -> TestSpec:
    expectations = [
        key for key in ("stdout", "stdout_regex", "stdout_file") if data[key] is not None
    ]
    if len(expectations) > 1:
        raise doc.error((*at, expectations[1]), f"conflicts with {expectations[0]}: give one")
    if data["stdout_regex"] is not None:
        _validate_regex(doc, str(data["stdout_regex"]), (*at, "stdout_regex"))
    stdout_file = (base / str(data["stdout_file"])).resolve() if data["stdout_file"] else None
    if stdout_file is not None and not stdout_file.is_file():
        raise doc.error((*at, "stdout_file"), f"no such file: {stdout_file}")
    return TestSpec(
        name=data["name"],
        description=data["description"],
        argv=texts(data["argv"]),
        exit_code=data["exit_code"],
        stdout=data["stdout"],
        stdout_regex=data["stdout_regex"],
        stdout_file=stdout_file,
        needs_features=texts(data["needs_features"]),
        unless_features=texts(data["unless_features"]),
        stages=texts(data["stages"]),
        kinds=cast(tuple[ArtifactKind, ...], texts(data["kinds"])) or (main_kind,),  # schema enum
        targets=texts(data["targets"]),
        timeout=float(data["timeout"]) or default_timeout,
        env={str(key): str(value) for key, value in data["env"].items()},
        leftovers=data["leftovers"],
    )


REDIS_SCHEMES = ("redis", "rediss", "tcp", "unix", "redis+unix")


def validate_redis(url: str) -> str:
    """A Redis endpoint sccache can use, without a password: the endpoint is recorded with
    every stage's environment, so a password belongs in SCCACHE_REDIS_PASSWORD (a CI secret),
    which minbuild passes on and never records. (An argparse type and the project file's.)"""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in REDIS_SCHEMES:
        raise ValueError(
            f"{url!r}: expected a Redis URL such as redis://127.0.0.1:6379 "
            f"(schemes: {', '.join(REDIS_SCHEMES)})"
        )
    if parsed.password:
        raise ValueError(
            "a password in the Redis URL would be recorded in every stage's environment: "
            "set SCCACHE_REDIS_PASSWORD (and SCCACHE_REDIS_USERNAME) instead"
        )
    return url


def _redis(doc: Document, url: str | None) -> str | None:
    if url is None:
        return None
    try:
        return validate_redis(url)
    except ValueError as error:
        raise doc.error(("cache", "redis"), str(error)) from None


def _validate_regex(doc: Document, pattern: str, at: KeyPath) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        raise doc.error(at, f"invalid regex: {error}") from error


def _validate_unique(doc: Document, key: str, names: list[str]) -> None:
    for position, name in enumerate(names):
        if name in names[:position]:
            raise doc.error((key, position, "name"), f"duplicate name '{name}'")


def _validate_placeholders(
    doc: Document, fixtures: tuple[Fixture, ...], tests: tuple[TestSpec, ...]
) -> None:
    fixture_names = [fixture.name for fixture in fixtures]
    known = [*TEST_PLACEHOLDERS, *(f"fixture:{name}" for name in fixture_names)]
    commands: list[tuple[str, Sequence[Fixture | TestSpec], list[str]]] = [
        ("fixtures", fixtures, ["output"]),
        ("tests", tests, []),
    ]
    for key, items, extra in commands:
        for position, item in enumerate(items):
            for arg in item.argv:
                for name in PLACEHOLDER.findall(arg):
                    if name not in known + extra:
                        raise doc.error(
                            (key, position, "argv"),
                            f"unknown placeholder {{{name}}}" + did_you_mean(name, known + extra),
                        )
