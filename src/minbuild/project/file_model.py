"""The project file as the reader receives it (every default filled in): TypedDicts
generated from resources/schemas/project.schema.json by tools/file_model.py. Do not edit;
change the schema and run the tool."""

from __future__ import annotations

from typing import Literal, NotRequired, TypeAlias, TypedDict


class Artifact(TypedDict):
    kind: NotRequired[Literal['bin', 'cdylib', 'staticlib']]
    """
    bin | cdylib | staticlib
    """
    name: NotRequired[str | None]
    """
    binary name for kind bin; default: the package's only binary
    """


class Cdylib(TypedDict):
    package: NotRequired[str | None]
    """
    package whose cdylib targets of artifact kind cdylib build
    """


class Cache(TypedDict):
    tool: NotRequired[Literal['sccache', 'none']]
    """
    compile every stage through this cache (sccache as RUSTC_WRAPPER; min-build --cache overrides)
    """
    dir: NotRequired[str | None]
    """
    where the cache keeps compiled units, relative to this file (default: ~/.cache/minbuild/sccache; --cache-dir overrides)
    """
    redis: NotRequired[str | None]
    """
    keep compiled units in this Redis server instead, shared by CI runners (redis://HOST:PORT; a password goes in SCCACHE_REDIS_PASSWORD; min-build --cache-redis overrides)
    """


Name: TypeAlias = str


Text: TypeAlias = str


Feature: TypeAlias = str


Size: TypeAlias = int | str | None


ArgvItem: TypeAlias = str | int


class Fixture(TypedDict):
    name: Name
    """
    referred to by tests as {fixture:NAME}
    """
    description: NotRequired[str]
    """
    one line for people
    """
    needs_features: NotRequired[list[Feature]]
    """
    only a stage with all of these features can make it
    """
    argv: list[ArgvItem]
    """
    the command; it must write {output}
    """
    timeout: NotRequired[float]
    """
    seconds before the command is killed (a compiler that cargo builds first may need minutes)
    """


class Test(TypedDict):
    name: Name
    """
    unique among the project's tests
    """
    description: NotRequired[str]
    """
    one line for people
    """
    argv: list[ArgvItem]
    """
    placeholders: {binary} {workdir} {crate_dir} {config_dir} {fixture:NAME}; a command that starts with {binary} runs behind its target's runner, one that starts with another program runs that program on the host
    """
    exit_code: NotRequired[int]
    """
    the exit code that counts as success (negative: killed by that signal)
    """
    stdout: NotRequired[str | None]
    """
    exact expected stdout
    """
    stdout_regex: NotRequired[str | None]
    """
    a regex that must match somewhere in stdout (re.search, MULTILINE)
    """
    stdout_file: NotRequired[str | None]
    """
    a file (relative to the project file) whose content stdout must equal
    """
    needs_features: NotRequired[list[Feature]]
    """
    run only on stages whose enabled features include all of these
    """
    unless_features: NotRequired[list[Feature]]
    """
    run only on stages whose enabled features include none of these
    """
    stages: NotRequired[list[Name]]
    """
    run only on these stages (default: every stage)
    """
    kinds: NotRequired[list[Literal['bin', 'cdylib', 'staticlib']]]
    """
    artifact kinds it applies to (default: the project's main artifact)
    """
    targets: NotRequired[list[Name]]
    """
    run only for these target triples, or host (default: every target)
    """
    timeout: NotRequired[float]
    """
    seconds; 0 means the project's test_timeout
    """
    leftovers: NotRequired[Literal['warn', 'fail']]
    """
    a process the command leaves running (a daemon it started, even under setsid or nohup) is ended when the command ends; warn says so in the test's record, fail also fails the test
    """
    env: NotRequired[dict[str, str]]
    """
    environment variables set for this test's command, over minbuild's own (e.g. RUST_BACKTRACE: "0" where a backtrace is not what is tested)
    """


class Budget(TypedDict):
    stage: NotRequired[str]
    """
    stage name or glob
    """
    target: NotRequired[str]
    """
    target triple or glob
    """
    max_size: NotRequired[int | str | None]
    """
    bytes, or text like "140 KiB" (K/KiB = 1024, KB = 1000)
    """
    max_growth: NotRequired[int | str | None]
    """
    most bytes a stage may grow over its baseline entry
    """
    max_growth_percent: NotRequired[float | None]
    """
    most percent a stage may grow over its baseline entry
    """


Test1: TypeAlias = str


class TestRule(TypedDict):
    tests: list[Test1]
    """
    test names or glob patterns (full::*), as libtest names them
    """
    stages: NotRequired[list[Name]]
    """
    only at these stages (default: every stage)
    """
    panic: NotRequired[list[Literal['unwind', 'abort', 'immediate-abort']]]
    """
    only at stages with one of these panic strategies (default: any)
    """
    needs_features: NotRequired[list[Feature]]
    """
    only at stages whose enabled features include all of these
    """
    unless_features: NotRequired[list[Feature]]
    """
    only at stages whose enabled features include none of these
    """


class ExpectedFailure(TypedDict):
    tests: list[Test1]
    """
    test names or glob patterns (full::*), as libtest names them
    """
    stages: NotRequired[list[Name]]
    """
    only at these stages (default: every stage)
    """
    panic: NotRequired[list[Literal['unwind', 'abort', 'immediate-abort']]]
    """
    only at stages with one of these panic strategies (default: any)
    """
    needs_features: NotRequired[list[Feature]]
    """
    only at stages whose enabled features include all of these
    """
    unless_features: NotRequired[list[Feature]]
    """
    only at stages whose enabled features include none of these
    """
    why: Text
    """
    why the test fails there (shown beside it)
    """


class Part(TypedDict):
    name: Name
    """
    what the reports call it
    """
    description: NotRequired[str]
    """
    one line for people
    """
    crates: NotRequired[list[str]]
    """
    its code is the code of these crates, as symbols name them (`_` for `-`; shell-style globs: cap_*; `[` opens a class, `[[]` is a bracket)
    """
    symbols: NotRequired[list[str]]
    """
    and of the symbols these match, demangled, without their hashes (shell-style globs: core::fmt::*, *as core::fmt::Debug>::fmt)
    """


class Staticlib(TypedDict):
    package: NotRequired[str | None]
    """
    package whose staticlib targets of artifact kind staticlib build
    """
    exports: NotRequired[list[Text]]
    """
    symbols a program links against: what --gc-sections must keep
    """


class Crate(TypedDict):
    manifest: str
    """
    path of the crate's Cargo.toml, relative to the project file
    """
    package: NotRequired[str | None]
    """
    package to build; default: the manifest's own package
    """
    artifact: NotRequired[Artifact]
    """
    what each stage produces and minbuild measures
    """
    cdylib: NotRequired[Cdylib]
    """
    where a cdylib artifact comes from
    """
    staticlib: NotRequired[Staticlib]
    """
    where a staticlib artifact comes from, and what it must keep
    """


class IntegrationTests(TypedDict):
    test_targets: NotRequired[list[Name]]
    """
    the crate's integration test targets to run (cargo test --test NAME); default: every one
    """
    skip: NotRequired[list[str]]
    """
    tests whose names contain one of these are not run (libtest --skip)
    """
    env: NotRequired[dict[str, str]]
    """
    environment variables for the test executables and the binary they start (suites switch modes by env)
    """
    test_threads: NotRequired[int]
    """
    libtest --test-threads; 0 means libtest's default (one per core)
    """
    timeout: NotRequired[float]
    """
    seconds a single test may take; a slower one fails (libtest --ensure-time)
    """
    stage_timeout: NotRequired[float]
    """
    seconds all of a stage's integration tests may take before they are killed (the running tests are named)
    """
    targets: NotRequired[list[Name]]
    """
    run only for these target triples, or host (default: the host and every target whose runner can run them)
    """
    requires: NotRequired[list[TestRule]]
    """
    tests that run only where a stage has what they need (features, a panic strategy)
    """
    expected_failures: NotRequired[list[ExpectedFailure]]
    """
    tests that fail at some stages by design: recorded as expected, the stage stays ok (it fails if they pass)
    """


class FeatureMatrix(TypedDict):
    depth: NotRequired[int]
    """
    every combination of up to this many features
    """
    exclude: NotRequired[list[Feature]]
    """
    features never combined (e.g. internal ones)
    """
    groups: NotRequired[list[list[Feature]]]
    """
    lists of features that always go together
    """
    exclusive: NotRequired[list[list[Feature]]]
    """
    lists of features of which at most one may be on
    """
    always: NotRequired[list[Feature]]
    """
    features on in every combination
    """


class Optimize(TypedDict):
    space: NotRequired[str | None]
    """
    a space file of the crate's own (relative to this file): its settings replace the bundled ones by name, new ones join them
    """
    settings: NotRequired[list[Name]]
    """
    search only these settings (none listed: every setting)
    """
    skip: NotRequired[list[Name]]
    """
    settings never searched
    """


class MinbuildProjectFile(TypedDict):
    schema: NotRequired[Literal[1]]
    """
    version of the project file format
    """
    crate: Crate
    """
    the crate to build
    """
    staircase: NotRequired[str | None]
    """
    path of the staircase file; default: the one bundled with minbuild
    """
    targets: NotRequired[str | None]
    """
    path of the targets file; default: the one bundled with minbuild
    """
    feature_sets: NotRequired[dict[Name, list[Feature]]]
    """
    name -> list of cargo features; staircase stages refer to sets by name
    """
    rustflags: NotRequired[list[Text]]
    """
    added to RUSTFLAGS of every build, e.g. [--cap-lints, warn] for old code whose deny-by-default lints a newer compiler turns into errors
    """
    test_timeout: NotRequired[float]
    """
    seconds before a test command is killed and recorded as failed
    """
    cache: NotRequired[Cache]
    """
    the compile cache min-build and cross-build use
    """
    fixtures: NotRequired[list[Fixture]]
    """
    files that tests need, made by a stage's own binary
    """
    tests: NotRequired[list[Test]]
    """
    commands run against every stage's artifact
    """
    integration_tests: NotRequired[IntegrationTests | None]
    """
    the crate's own integration tests (tests/*.rs), built once per feature set and run against every stage's binary
    """
    size_baseline: NotRequired[str]
    """
    the committed baseline, relative to the project file
    """
    feature_matrix: NotRequired[FeatureMatrix]
    """
    what `nox -s feature-matrix` checks
    """
    optimize: NotRequired[Optimize]
    """
    what `minbuild optimize` searches
    """
    budgets: NotRequired[list[Budget]]
    """
    size limits that `--check` enforces
    """
    parts: NotRequired[list[Part]]
    """
    named parts of the artifact (crates, symbols) whose code bytes every stage records: what WASI, clap or formatting costs
    """
