"""cargo's --locked/--offline/--frozen, the one line for each way the run's resolution of
Cargo.lock fails (recorded cargo output), and toolchains as users name and pin them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from minbuild.commands.resolve import network as network_of
from minbuild.rust import candidates, choice, network, resolution, toolchains
from minbuild.rust.candidates import rustup
from minbuild.rust.network import Network
from minbuild.rust.pins import pinned
from minbuild.util.errors import ConfigError, NetworkError
from tests.unit.helpers import crate, toolchain
from tests.unit.test_toolchains import STAGES, fake_probes

STALE = """\
    Updating crates.io index
error: cannot update the lock file /w/Cargo.lock because --locked was passed to prevent this
help: to generate the lock file without accessing the network, remove the --locked flag and \
use --offline instead.
"""
STALE_OLD_CARGO = (
    "error: the lock file /w/Cargo.lock needs to be updated but --locked was passed to prevent "
    "this\nIf you want to try to generate the lock file without accessing the network, remove "
    "the --locked flag and use --offline instead.\n"
)
NO_VERSION = """\
error: failed to select a version for the requirement `quickcheck = "^0.9"`
candidate versions found which didn't match: 1.0.3
location searched: directory source `/usr/share/cargo/registry` (which is replacing \
registry `crates-io`)
required by package `tinyvm v0.3.0 (/demo)`
perhaps a crate was updated and forgotten to be re-vendored?
"""
MISSING = """\
error: no matching package named `nosuchcrate` found
location searched: crates.io index
required by package `tinyvm v0.3.0 (/demo)`
"""
NOT_DOWNLOADED = """\
     Locking 1 package to latest Rust 1.95.0 compatible version
      Adding memchr v2.8.3
error: failed to download `memchr v2.8.3`

Caused by:
  attempting to make an HTTP request, but --offline was specified
"""
UNREACHABLE = """\
    Updating crates.io index
error: failed to get `itoa` as a dependency of package `tinyvm v0.3.0 (/demo)`

Caused by:
  download of config.json failed

Caused by:
  [6] Couldn't resolve host name (Could not resolve host: index.crates.io)
"""


def test_the_three_flags_are_cargos_and_every_build_after_the_resolution_is_locked() -> None:
    assert Network.of().resolving() == ()
    assert Network.of(locked=True).resolving() == ("--locked",)
    assert Network.of(frozen=True) == Network(locked=True, offline=True)
    assert Network.of().building() == ("--locked",)
    assert Network.of(offline=True).building() == ("--locked", "--offline")
    plain = rustup("nightly")
    flagged = candidates.with_cargo_flags(plain, ("--locked", "--offline"))
    assert flagged.cargo == ("cargo", "+nightly", "--locked", "--offline")
    assert candidates.with_cargo_flags(flagged, ("--locked",)).cargo == (
        "cargo",
        "+nightly",
        "--locked",
    )


def explained(output: str, net: Network = network.CARGO_DEFAULT) -> str:
    found = resolution._explained(crate(), net, output)
    assert found is not None
    return str(found)


def test_a_stale_lock_under_locked_is_one_line_with_the_fix() -> None:
    for output in (STALE, STALE_OLD_CARGO):
        error = resolution._explained(crate(), Network(locked=True), output)
        assert isinstance(error, ConfigError)
        line = str(error)
        assert "\n" not in line
        assert line.startswith("/w/Cargo.lock does not match /demo/Cargo.toml and --locked")
        assert "cargo update" in line and "nothing was built" in line


def test_a_requirement_no_version_meets_names_the_dependency_and_both_versions() -> None:
    dev = dataclasses.replace(crate(), dev_dependencies=("quickcheck",))
    error = resolution._explained(dev, Network(), NO_VERSION)
    assert isinstance(error, ConfigError)
    line = str(error)
    assert "\n" not in line
    assert 'dev-dependency of tinyvm `quickcheck = "^0.9"` does not resolve' in line
    assert "directory source `/usr/share/cargo/registry`" in line and "has 1.0.3" in line


def test_a_missing_package_online_and_offline() -> None:
    online = explained(MISSING)
    assert "package `nosuchcrate` (required by tinyvm)" in online
    assert "librust-nosuchcrate-dev" in online
    offline = explained(MISSING, Network(offline=True))
    assert "offline: run once online" in offline


def test_offline_without_the_download_and_an_unreachable_registry() -> None:
    assert "memchr v2.8.3 is not downloaded and the run is offline" in explained(NOT_DOWNLOADED)
    error = resolution._explained(crate(), Network(), UNREACHABLE)
    assert isinstance(error, NetworkError)  # the machine's problem: exit 3
    assert "Couldn't resolve host name" in str(error) and "--offline" in str(error)


def test_another_failure_is_left_to_the_builds_in_cargos_words() -> None:
    assert resolution._explained(crate(), Network(), "error: something else\n") is None


def test_build_std_goes_online_unless_the_run_or_the_crate_says_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config: dict[str, object] = {}
    monkeypatch.setattr(network, "cargo_config", lambda _d, key, _c, _e: config.get(key))
    route = network.std_route(Network(), tmp_path, ["cargo"], {})
    assert not route.offline and "online" in route.line()
    assert network.std_route(Network(offline=True), tmp_path, ["cargo"], {}).offline
    config["source.crates-io.replace-with"] = "debian"
    replaced = network.std_route(Network(), tmp_path, ["cargo"], {})
    assert replaced.offline and "`debian`" in replaced.why
    by_environment = network_of({"CARGO_NET_OFFLINE": "true"})
    assert "CARGO_NET_OFFLINE" in network.std_route(by_environment, tmp_path, ["cargo"], {}).why
    assert by_environment.resolving() == ()  # cargo reads the variable itself


def test_a_pin_is_read_as_rustup_reads_it(tmp_path: Path) -> None:
    crate_dir = tmp_path / "ws" / "member"
    crate_dir.mkdir(parents=True)
    assert pinned(crate_dir) is None
    (tmp_path / "ws" / "rust-toolchain").write_text("1.56.1\n")
    pin = pinned(crate_dir)
    assert pin is not None and (pin.channel, pin.problem) == ("1.56.1", None)
    (tmp_path / "ws" / "rust-toolchain.toml").write_text(
        '[toolchain]\nchannel = "nightly-2026-11-01"\ncomponents = ["rust-src"]\n'
    )
    pin = pinned(crate_dir)
    assert pin is not None and pin.channel == "nightly-2026-11-01"
    (tmp_path / "ws" / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "../../x"\n')
    pin = pinned(crate_dir)
    assert pin is not None and pin.problem == "its channel is not a toolchain name"


def test_a_pinned_toolchain_is_tried_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly-2026-11-01"\n')
    pinned_one = toolchain(rustup("nightly-2026-11-01"))
    asked = fake_probes(monkeypatch, {"nightly-2026-11-01": pinned_one, "nightly": toolchain()})
    chosen = toolchains.resolve(STAGES, None, crate_dir=tmp_path)
    assert chosen.toolchain is pinned_one and asked == ["nightly-2026-11-01"]
    assert "the crate pins toolchain nightly-2026-11-01" in choice.lines(chosen.choice)[0]


def test_a_pin_that_is_not_installed_is_set_aside_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "rust-toolchain").write_text("1.56.1\n")
    debian = toolchain()
    fake_probes(monkeypatch, {"debian": debian})
    chosen = toolchains.resolve(STAGES, None, crate_dir=tmp_path)
    assert chosen.toolchain is debian
    last = choice.lines(chosen.choice)[-1]
    assert last.startswith(f"pinned toolchain 1.56.1 ({tmp_path / 'rust-toolchain'}) set aside:")
    assert last.endswith("debian (rustc 1.96.0) runs instead")


def test_a_requested_toolchain_outranks_the_pin_and_takes_rustups_plus(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "rust-toolchain").write_text("1.56.1\n")
    nightly = toolchain(rustup("nightly"))
    asked = fake_probes(monkeypatch, {"nightly": nightly})
    assert toolchains.resolve(STAGES, "+nightly", crate_dir=tmp_path).toolchain is nightly
    assert asked == ["nightly"]


def test_a_nightly_without_rust_src_names_the_rustup_command_for_that_toolchain() -> None:
    bare = toolchain(rustup("nightly-2026-11-01"), source=False)
    build_std = next(stage for stage in STAGES if stage.name == "build-std")
    reason = bare.cannot_run(build_std) or ""
    assert "rustup component add rust-src --toolchain nightly-2026-11-01" in reason
