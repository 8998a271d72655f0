"""`minbuild try`'s input and cargo's answers: a crate's name and version checked before they
can name a path, cargo's failed resolutions (recorded from cargo 1.95 and 1.97) said in one
line with the right exit code, the crate found where cargo unpacked it and copied out whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minbuild.cli import parser as cli_parser
from minbuild.rust import fetch
from minbuild.rust.fetch import CrateSpec, Published
from minbuild.util.errors import (
    ConfigError,
    ExitCode,
    MinbuildError,
    NetworkError,
    ToolMissingError,
)

SCRATCH = f"`{fetch.SCRATCH_PACKAGE} v0.0.0 (/w/.minbuild-fetch-x.abc/scratch)`"


@pytest.mark.parametrize(
    ("text", "name", "version"),
    [
        ("ripgrep", "ripgrep", None),
        ("ripgrep@14.1.1", "ripgrep", "14.1.1"),
        ("serde_json@1.0.0-beta.2", "serde_json", "1.0.0-beta.2"),
        ("jemalloc-sys@0.5.4+5.3.0-patched", "jemalloc-sys", "0.5.4+5.3.0-patched"),
        ("A" + "b" * 63, "A" + "b" * 63, None),
    ],
)
def test_a_crate_is_a_name_and_maybe_one_exact_version(
    text: str, name: str, version: str | None
) -> None:
    assert fetch.parse_spec(text) == CrateSpec(name, version)
    assert str(fetch.parse_spec(text)) == text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("../etc@1", "`../etc` is not a crate name"),
        ("a/b", "`a/b` is not a crate name"),
        ("..", "`..` is not a crate name"),
        ("", "no crate name"),
        ("@1.0.0", "no crate name"),
        ("a" * 65, "is 65 characters long; a crate's name has at most 64"),
        ("-rf", "not a crate name"),
        ("1password", "not a crate name"),
        ("rip grep", "not a crate name"),
        ("rip\ngrep", "not a crate name"),
        ("ripgrep@", "no version after `@`"),
        ("ripgrep@14", "`14` is not an exact version"),
        ("ripgrep@v14.1.1", "not an exact version"),
        ("ripgrep@=14.1.1", "not an exact version"),
        ("ripgrep@01.1.1", "not an exact version"),
        ("ripgrep@1.0.0/../..", "not an exact version"),
        ("ripgrep@../../x", "not an exact version"),
        ("ripgrep@1.0.0@2.0.0", "not an exact version"),
        ("ripgrep@1.0.0-" + "a" * 70, "not an exact version"),
    ],
)
def test_hostile_input_is_refused_before_it_can_name_a_path(text: str, said: str) -> None:
    with pytest.raises(ConfigError) as raised:
        fetch.parse_spec(text)
    message = str(raised.value)
    assert said in message
    assert "\n" not in message and len(message) < 200


def test_the_command_line_refuses_it_as_a_usage_error_naming_the_argument() -> None:
    with pytest.raises(ConfigError) as raised:
        cli_parser.parser().parse_args(["try", "../etc@1"])
    assert str(raised.value).startswith("minbuild try: argument CRATE: `../etc` is not a crate")
    assert raised.value.exit_code == ExitCode.BAD_INPUT
    args = cli_parser.parser().parse_args(["try", "ripgrep@14.1.1", "--stages", "debug"])
    assert args.crate == CrateSpec("ripgrep", "14.1.1")


# --- cargo's failures, as recorded (stderr of `cargo metadata` on the scratch package) --------

NO_CRATE_195 = f"""\
    Updating crates.io index
error: no matching package named `nosuchcrate` found
location searched: crates.io index
required by package {SCRATCH}
"""
SIMILAR_NAME_195 = f"""\
    Updating crates.io index
error: no matching package found
searched package name: `serde-json`
perhaps you meant:      serde_json
location searched: crates.io index
required by package {SCRATCH}
"""
SIMILAR_NAME_197 = f"""\
    Updating crates.io index
error: no matching package named `serde-json` found
location searched: crates.io index
required by package {SCRATCH}
help: packages with similar names: serde_json
"""
NO_VERSION = f"""\
    Updating crates.io index
error: failed to select a version for the requirement `ripgrep = "=99.0.0"`
candidate versions found which didn't match: 15.2.0, 15.1.0, 15.0.0, ...
location searched: crates.io index
required by package {SCRATCH}
"""
YANKED = f"""\
    Updating crates.io index
error: failed to select a version for the requirement `cfg-if = "=1.0.2"`
  version 1.0.2 is yanked
location searched: crates.io index
required by package {SCRATCH}
"""
# Built from cargo's resolver (errors.rs): an index entry this cargo is too old to read.
NEEDS_CARGO = f"""\
error: failed to select a version for the requirement `newthing = "=2.0.0"`
  version 2.0.0 requires cargo 1.99
location searched: crates.io index
required by package {SCRATCH}
"""
ONLY_PRERELEASES = f"""\
error: failed to select a version for the requirement `early = "*"`
candidate versions found which didn't match: 0.2.0-alpha.2, 0.2.0-alpha.10, 0.1.0-rc.1
location searched: crates.io index
required by package {SCRATCH}
if you are looking for the prerelease package it needs to be specified explicitly
    early = {{ version = "0.2.0-alpha.2" }}
"""
REPLACED_SOURCE = f"""\
error: no matching package named `nosuchcrate` found
location searched: `mirror` index (which is replacing registry `crates-io`)
required by package {SCRATCH}
"""
OFFLINE_195 = f"""\
error: no matching package named `tinytemplate` found
location searched: crates.io index
required by package {SCRATCH}
As a reminder, you're using offline mode (--offline) which can sometimes cause surprising \
resolution failures, if this error is too confusing you may wish to retry without `--offline`.
"""
OFFLINE_197 = f"""\
error: no matching package named `tinytemplate` found
location searched: crates.io index
required by package {SCRATCH}
note: offline mode (via `--offline`) can sometimes cause surprising resolution failures
help: if this error is too confusing you may wish to retry without `--offline`
"""
OFFLINE_NOT_DOWNLOADED = """\
     Locking 52 packages to latest compatible versions
      Adding ripgrep v14.1.0 (available: v14.1.1)
error: failed to download `ripgrep v14.1.0`

Caused by:
  attempting to make an HTTP request, but --offline was specified
"""
NO_NETWORK_SPARSE = f"""\
    Updating crates.io index
error: failed to get `tinytemplate` as a dependency of package {SCRATCH}

Caused by:
  download of config.json failed

Caused by:
  failed to download from `https://index.crates.io/config.json`

Caused by:
  [7] Could not connect to server (Failed to connect to 127.0.0.1 port 9 after 0 ms: Could \
not connect to server)
"""
NO_NETWORK_GIT = f"""\
    Updating crates.io index
error: failed to get `tinytemplate` as a dependency of package {SCRATCH}

Caused by:
  failed to load source for dependency `tinytemplate`

Caused by:
  unable to update registry `crates-io`

Caused by:
  failed to fetch `https://github.com/rust-lang/crates.io-index`

Caused by:
  network failure seems to have happened
  if a proxy or similar is necessary `net.git-fetch-with-cli` may help here
  https://doc.rust-lang.org/cargo/reference/config.html#netgit-fetch-with-cli

Caused by:
  [6] Could not resolve hostname (Could not resolve host: github.com); class=Net (12)
"""
SOMETHING_ELSE = f"""\
error: failed to parse manifest at `/w/.minbuild-fetch-x.abc/scratch/Cargo.toml`

Caused by:
  feature `edition2027` is required
required by package {SCRATCH}
"""


@pytest.mark.parametrize(
    ("stderr", "spec", "kind", "message"),
    [
        (
            NO_CRATE_195,
            "nosuchcrate",
            ConfigError,
            "try: no crate named `nosuchcrate` on crates.io",
        ),
        (
            SIMILAR_NAME_195,
            "serde-json",
            ConfigError,
            "try: no crate named `serde-json` on crates.io (perhaps you meant serde_json)",
        ),
        (
            SIMILAR_NAME_197,
            "serde-json",
            ConfigError,
            "try: no crate named `serde-json` on crates.io (perhaps you meant serde_json)",
        ),
        (
            NO_VERSION,
            "ripgrep@99.0.0",
            ConfigError,
            "try: ripgrep@99.0.0 does not resolve: versions on crates.io go up to 15.2.0",
        ),
        (
            YANKED,
            "cfg-if@1.0.2",
            ConfigError,
            "try: cfg-if@1.0.2 does not resolve: version 1.0.2 was yanked on crates.io; pick "
            "another (`cargo info cfg-if` lists them)",
        ),
        (
            NEEDS_CARGO,
            "newthing@2.0.0",
            ToolMissingError,
            "try: newthing@2.0.0 needs cargo 1.99 or newer to read its index entry: pass "
            "--toolchain with a newer one",
        ),
        (
            ONLY_PRERELEASES,
            "early",
            ConfigError,
            "try: early has only pre-releases on crates.io (up to 0.2.0-alpha.10): give one "
            "exactly, e.g. early@0.2.0-alpha.10",
        ),
        (
            REPLACED_SOURCE,
            "nosuchcrate",
            ConfigError,
            "try: no crate named `nosuchcrate` in the `mirror` index (which is replacing "
            "registry `crates-io`)",
        ),
    ],
)
def test_a_crate_or_version_that_does_not_exist_is_bad_input_in_one_line(
    stderr: str, spec: str, kind: type[MinbuildError], message: str
) -> None:
    error = fetch.failure(stderr, fetch.parse_spec(spec))
    assert type(error) is kind
    assert str(error) == message


@pytest.mark.parametrize("stderr", [OFFLINE_195, OFFLINE_197, OFFLINE_NOT_DOWNLOADED])
def test_offline_without_the_download_is_the_machines_and_says_what_to_do(stderr: str) -> None:
    error = fetch.failure(stderr, fetch.parse_spec("tinytemplate"))
    assert isinstance(error, NetworkError) and error.exit_code == ExitCode.ENVIRONMENT
    assert str(error) == (
        "try: tinytemplate is not among what cargo downloaded before, and cargo is offline "
        "(--offline, or CARGO_NET_OFFLINE / net.offline): run once online"
    )


@pytest.mark.parametrize(
    ("stderr", "curl"),
    [
        (NO_NETWORK_SPARSE, "[7] Could not connect to server"),
        (NO_NETWORK_GIT, "[6] Could not resolve hostname"),
    ],
)
def test_an_unreachable_registry_is_exit_3_with_what_to_do(stderr: str, curl: str) -> None:
    error = fetch.failure(stderr, fetch.parse_spec("tinytemplate"))
    assert isinstance(error, NetworkError) and error.exit_code == ExitCode.ENVIRONMENT
    assert str(error) == (
        f"try: cannot reach the registry to fetch tinytemplate ({curl}): check the network or "
        "the proxy (HTTPS_PROXY, cargo's http.proxy), or pass --offline to take what cargo "
        "downloaded before"
    )


def test_any_other_cargo_failure_is_its_first_error_line() -> None:
    error = fetch.failure(SOMETHING_ELSE, fetch.parse_spec("x@1.0.0"))
    assert type(error) is MinbuildError and error.exit_code == ExitCode.ERROR
    assert str(error) == (
        "try: cargo could not fetch x@1.0.0: error: failed to parse manifest at "
        "`/w/.minbuild-fetch-x.abc/scratch/Cargo.toml`"
    )


def test_the_newest_version_is_by_semver_precedence() -> None:
    assert fetch.newest_version(["14.1.1", "14.10.0", "14.9.9"]) == "14.10.0"
    assert fetch.newest_version(["2.0.0-rc.1", "1.9.0", "2.0.0-alpha.10"]) == "2.0.0-rc.1"
    assert fetch.newest_version(["1.0.0-alpha.2", "1.0.0-alpha.10"]) == "1.0.0-alpha.10"
    assert fetch.newest_version(["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0"]) == "1.0.0"
    assert fetch.newest_version(["...", "x"]) is None


# --- where cargo unpacked it, and the copy ---------------------------------------------------


def unpacked(root: Path, name: str, version: str, *, lib: bool = True) -> Path:
    """A crate as cargo unpacks it into its registry cache."""
    crate = root / f"{name}-{version}"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "{version}"\n')
    (crate / "src" / ("lib.rs" if lib else "main.rs")).write_text("fn main() {}\n")
    (crate / "tests").mkdir()
    (crate / "tests" / "cli.rs").write_text("#[test]\nfn runs() {}\n")
    (crate / ".cargo-ok").write_text('{"v":1}')
    return crate


def scratch_lock(path: Path, dependency: str, *packages: tuple[str, str]) -> Path:
    entries = [f'[[package]]\nname = "{fetch.SCRATCH_PACKAGE}"\nversion = "0.0.0"\n'
               f'dependencies = ["{dependency}"]\n']  # fmt: skip
    entries += [
        f'[[package]]\nname = "{n}"\nversion = "{v}"\nsource = "registry+https://x"\n'
        for n, v in packages
    ]
    path.write_text("version = 4\n\n" + "\n".join(entries))
    return path


def test_a_crate_with_a_lib_is_where_metadata_says(tmp_path: Path) -> None:
    crate = unpacked(tmp_path / "registry", "hexyl", "0.8.0")
    metadata = {
        "packages": [
            {"name": "hexyl", "version": "0.8.0", "source": "registry+https://x",
             "manifest_path": str(crate / "Cargo.toml")},
        ]
    }  # fmt: skip
    lock = scratch_lock(tmp_path / "Cargo.lock", "hexyl", ("hexyl", "0.8.0"))
    found = fetch._located(json.loads(json.dumps(metadata)), lock, CrateSpec("hexyl", None), {})
    assert found == Published("hexyl", "0.8.0", crate)


def test_a_crate_without_a_lib_is_found_in_cargos_registry_cache(tmp_path: Path) -> None:
    # cargo resolves and downloads a bin-only dependency but leaves it out of metadata
    home = tmp_path / "cargo-home"
    older = unpacked(home / "registry" / "src" / "github.com-1ecc6299db9ec823", "rg", "14.1.1")
    newer = unpacked(home / "registry" / "src" / "index.crates.io-1949cf8c6b5b5", "rg", "14.1.1")
    lock = scratch_lock(tmp_path / "Cargo.lock", "rg 14.1.1", ("rg", "0.1.0"), ("rg", "14.1.1"))
    env = {"CARGO_HOME": str(home)}
    found = fetch._located({"packages": []}, lock, CrateSpec("rg", None), env)
    assert found.version == "14.1.1" and found.source in (older, newer)
    with pytest.raises(MinbuildError, match="left no unpacked copy"):
        fetch._located({"packages": []}, lock, CrateSpec("rg", None), {"CARGO_HOME": "/none"})


def test_the_copy_is_whole_and_appears_at_once(tmp_path: Path) -> None:
    source = unpacked(tmp_path / "registry", "rg", "14.1.1", lib=False)
    destination = tmp_path / "work" / "rg-14.1.1"
    with fetch.workspace(destination.parent, "rg") as work:
        assert work.parent == destination.parent and work.name.startswith(".minbuild-fetch-rg.")
        own = fetch.copy_out(Published("rg", "14.1.1", source), destination, work)
    assert not own
    assert sorted(p.name for p in destination.iterdir()) == ["Cargo.toml", "src", "tests"]
    assert fetch.holds(destination, "rg", "14.1.1")
    assert not fetch.holds(destination, "rg", "14.1.0") and not fetch.holds(tmp_path, "rg", "1")
    assert list(destination.parent.iterdir()) == [destination]  # the scratch is gone
    assert (source / ".cargo-ok").is_file()  # cargo's copy is only read


def test_a_copy_inside_another_cargo_project_is_its_own_workspace(tmp_path: Path) -> None:
    source = unpacked(tmp_path / "registry", "rg", "14.1.1", lib=False)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "Cargo.toml").write_text("[workspace]\nmembers = []\n")
    destination = tmp_path / "mine" / "deep" / "rg-14.1.1"
    with fetch.workspace(destination.parent, "rg") as work:
        assert fetch.copy_out(Published("rg", "14.1.1", source), destination, work)
    manifest = (destination / "Cargo.toml").read_text()
    assert manifest.endswith("\n[workspace]\n") and fetch.holds(destination, "rg", "14.1.1")


def test_an_interrupted_copy_leaves_nothing_a_re_run_trusts(tmp_path: Path) -> None:
    source = unpacked(tmp_path / "registry", "rg", "14.1.1")
    destination = tmp_path / "rg-14.1.1"
    with pytest.raises(KeyboardInterrupt), fetch.workspace(tmp_path, "rg") as work:
        (work / "copy").mkdir()  # a copy half made when Ctrl-C came
        raise KeyboardInterrupt
    assert not destination.exists() and not list(tmp_path.glob(".minbuild-fetch-*"))
    with fetch.workspace(tmp_path, "rg") as work:
        fetch.copy_out(Published("rg", "14.1.1", source), destination, work)
    assert fetch.holds(destination, "rg", "14.1.1")
