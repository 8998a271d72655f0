"""Choosing ONE toolchain for every stage: deltas between stages come from flags, not compilers."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from minbuild.project.stages import Stage
from minbuild.rust import choice
from minbuild.rust.candidates import (
    DEBIAN,
    PREFERENCE,
    Candidate,
    named_candidate,
    std_source_fix,
    with_cargo_flags,
)
from minbuild.rust.network import CARGO_DEFAULT, Network
from minbuild.rust.pins import Pin, pinned, set_aside
from minbuild.util import command, waits
from minbuild.util.errors import MinbuildError, ToolMissingError
from minbuild.util.text import stage_spans

VENDOR_SOURCE = "minbuild-std-vendor"
_CARGO_Z = re.compile(r"^\s*-Z\s+([a-z0-9-]+)", re.MULTILINE)
_RUSTC_Z = re.compile(r"^\s*-Z\s+([a-z0-9_-]+)(?:=|\s)", re.MULTILINE)


_CHANGED_FLAG = (
    "enable it with a toolchain that accepts it: `rustup toolchain install nightly`, or pin one "
    "with --toolchain NAME (flags like this change between nightlies; `cargo -Z help` and "
    "`rustc -Z help` list what yours accepts)"
)


def building(resolution: Resolution, network: Network) -> Resolution:
    """`resolution` once the run's one resolution of Cargo.lock is done: every later cargo
    command is `--locked` (and `--offline` when the run is)."""
    toolchain = resolution.toolchain
    candidate = with_cargo_flags(toolchain.candidate, network.building())
    return replace(resolution, toolchain=replace(toolchain, candidate=candidate))


@dataclass(frozen=True)
class Toolchain:
    """A probed toolchain: what it is and which unstable flags it really accepts."""

    candidate: Candidate
    """How to run it."""
    release: str
    """rustc -vV release, e.g. 1.96.0."""
    commit: str
    """rustc -vV commit-hash."""
    host: str
    """Host triple."""
    library_source: Path | None
    """std's source for -Z build-std, if installed."""
    vendor: Path | None
    """The directory source build-std takes crates.io packages from, when it must work
    offline: std's vendored dependencies, or a farm that holds the crate's too (sources.py)."""
    cargo_z: frozenset[str]
    """cargo -Z flags it accepts."""
    rustc_z: frozenset[str]
    """rustc -Z options it accepts."""

    @property
    def label(self) -> str:
        return f"{self.candidate.name} (rustc {self.release})"

    def record(self) -> dict[str, str]:
        """How run documents name it (the run's and each stage's `toolchain`)."""
        return {"name": self.candidate.name, "release": self.release, "commit": self.commit}

    def offline_std_args(self) -> list[str]:
        """What a build of std needs to take std's own dependencies (and the crate's, from the
        farm planning made) from the toolchain's vendored copy: no network."""
        if self.vendor is None:
            return []
        return [
            "--offline",
            f'--config=source.crates-io.replace-with="{VENDOR_SOURCE}"',
            f'--config=source.{VENDOR_SOURCE}.directory="{self.vendor}"',
        ]

    def cannot_run(self, stage: Stage) -> str | None:
        """Why this toolchain cannot build `stage`, and the command that would fix it; or None."""
        if "build-std" in stage.needs and self.library_source is None:
            return (
                f"toolchain {self.label} has no std library source for -Z build-std; "
                f"enable it with: {std_source_fix(self.candidate)}"
            )
        for flag in stage.cargo_z_flags():
            if flag not in self.cargo_z:
                return f"toolchain {self.label}: cargo does not accept -Z {flag}; {_CHANGED_FLAG}"
        for option in stage.rustc_z_flags():
            if option not in self.rustc_z:
                return f"toolchain {self.label}: rustc does not accept -Z {option}; {_CHANGED_FLAG}"
        return None


@dataclass(frozen=True)
class Resolution:
    """The chosen toolchain and, for each stage it cannot run, why and how to enable it."""

    toolchain: Toolchain
    skipped: Mapping[str, str]
    choice: tuple[choice.Finding, ...] = ()
    """Why this toolchain: each candidate considered before it and what it lacked, the chosen
    one and its proof (`choice.lines` renders it)."""
    unbuildable: Mapping[str, str] = field(default_factory=dict)
    """Toolchains (by label) whose check of the crate failed, with the first error."""


# Checks that a toolchain builds the crate; None if it does, else the first error.
BuildCheck = Callable[[Toolchain], "str | None"]


def proved(resolution: Resolution, evidence: choice.Evidence) -> Resolution:
    """`resolution`, chosen without a check of the crate (`resolve` with no `builds`), once
    its toolchain proved it builds the crate: `evidence` joins the chosen toolchain."""
    return replace(resolution, choice=choice.proved(resolution.choice, evidence))


def probe(candidate: Candidate) -> Toolchain:
    """Ask the toolchain what it is; raise ToolMissingError if it is not installed. The four
    questions go out at once: through rustup's proxies each costs a process or two, and a
    re-run with nothing to build spends most of its time asking them."""
    bootstrap = {"RUSTC_BOOTSTRAP": "1"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        asked = [
            pool.submit(_ask, candidate, [*candidate.rustc, "-vV"]),
            pool.submit(_ask, candidate, [*candidate.rustc, "--print", "sysroot"]),
            pool.submit(_ask, candidate, [*candidate.cargo, "-Z", "help"], check=False),
            pool.submit(
                _ask, candidate, [*candidate.rustc, "-Z", "help"], check=False, extra=bootstrap
            ),
        ]
        version, sysroot_text, cargo_help, rustc_help = (waits.result(answer) for answer in asked)
    facts = dict(line.split(": ", 1) for line in version.splitlines() if ": " in line)
    sysroot = Path(sysroot_text.strip())
    library = sysroot / "lib" / "rustlib" / "src" / "rust" / "library"
    has_source = (library / "std" / "Cargo.toml").is_file()
    return Toolchain(
        candidate=candidate,
        release=facts.get("release", "?"),
        commit=facts.get("commit-hash", "?"),
        host=facts.get("host", "?"),
        library_source=library if has_source else None,
        vendor=library / "vendor" if has_source and (library / "vendor").is_dir() else None,
        cargo_z=frozenset(_CARGO_Z.findall(cargo_help)),
        rustc_z=frozenset(_RUSTC_Z.findall(rustc_help)),
    )


def _ask(
    candidate: Candidate,
    argv: list[str],
    *,
    check: bool = True,
    extra: Mapping[str, str] | None = None,
) -> str:
    try:
        result = command.run(argv, env={**candidate.env, **(extra or {})}, check=check, timeout=60)
    except MinbuildError as error:
        tail = getattr(error, "output_tail", "")
        if "is not installed" in tail and candidate.cargo[:1] == ("cargo",):
            raise ToolMissingError(
                f"toolchain {candidate.name}: not installed ({candidate.install})"
            ) from error
        raise ToolMissingError(
            f"toolchain {candidate.name}: {argv[0]} failed: {str(error).splitlines()[0]}"
        ) from error
    return result.stdout


def resolve(
    stages: Sequence[Stage],
    requested: str | None,
    builds: BuildCheck | None = None,
    *,
    network: Network = CARGO_DEFAULT,
    crate_dir: Path | None = None,
) -> Resolution:
    """One toolchain for every stage. Automatic: the crate's own pin (rust-toolchain.toml)
    first, then by preference, the first that runs the most stages and builds the crate
    (`builds`, a `cargo check`); an old crate a new nightly rejects falls back to the next
    toolchain instead of failing every stage. Requested: that one (as rustup's `+NAME`
    outranks a pin), with the name of a toolchain that would build the crate when it does not.
    Every cargo command takes `network`'s flags for the run's one resolution."""
    pin = pinned(crate_dir) if crate_dir is not None and not requested else None
    notes: list[choice.Finding] = []
    if requested:
        candidates = [named_candidate(requested)]
    else:
        candidates = list(PREFERENCE)
        if pin is not None and pin.problem is None:
            first = named_candidate(pin.channel)
            candidates = [first, *(c for c in candidates if c.name != first.name)]
        if pin is not None:
            notes.append(choice.Pinned(pin.channel, str(pin.file), pin.problem))
    candidates = [with_cargo_flags(c, network.resolving()) for c in candidates]
    probed: list[Resolution] = []
    failed: dict[str, str] = {}

    def built(resolution: Resolution) -> bool:
        problem = builds(resolution.toolchain) if builds else None
        if problem is not None:
            notes.append(choice.CannotBuild(resolution.toolchain.label, problem))
            failed[resolution.toolchain.label] = problem
        return problem is None

    def chosen(resolution: Resolution) -> Resolution:
        explained = _explained(
            resolution,
            probed,
            notes,
            checked=builds is not None,
            failed=failed,
            stage_order=[stage.name for stage in stages],
        )
        return _set_aside(explained, pin)

    for candidate in candidates:  # lazily: most runs stop at the first candidate
        try:
            resolution = Resolution(probe(candidate), {})
        except ToolMissingError as error:
            notes.append(choice.Missing(str(error)))
            continue
        resolution = replace(resolution, skipped=_skips(resolution.toolchain, stages))
        probed.append(resolution)
        if not resolution.skipped and built(resolution):
            return chosen(resolution)
    if not probed:
        raise ToolMissingError(
            "no usable Rust toolchain: "
            + "; ".join(choice.lines(notes))
            + ". Install one with rustup (https://rustup.rs) or "
            + DEBIAN.install
        )
    # Stable sort: fewest skipped stages first, preference order among equals.
    ranked = sorted(probed, key=lambda r: len(r.skipped))
    for resolution in ranked:
        if resolution.skipped and built(resolution):
            return chosen(resolution)
    if requested:
        alternative = _alternative(stages, requested, builds, network)
        return replace(probed[0], choice=(*notes, alternative), unbuildable=failed)
    notes.append(choice.NoneBuilds(ranked[0].toolchain.label))
    return _set_aside(replace(ranked[0], choice=tuple(notes), unbuildable=failed), pin)


def _set_aside(resolution: Resolution, pin: Pin | None) -> Resolution:
    """With a pin the run does not take, one line that says why and what runs instead."""
    chosen = resolution.toolchain
    aside = set_aside(pin, chosen.candidate.name, chosen.label, resolution.choice)
    return replace(resolution, choice=(*resolution.choice, aside)) if aside else resolution


def _probe_all(
    candidates: Sequence[Candidate], stages: Sequence[Stage], network: Network
) -> list[Resolution]:
    probed = []
    for candidate in candidates:
        try:
            toolchain = probe(with_cargo_flags(candidate, network.resolving()))
        except ToolMissingError:
            continue
        probed.append(Resolution(toolchain, _skips(toolchain, stages)))
    return probed


def _explained(
    chosen: Resolution,
    probed: list[Resolution],
    notes: list[choice.Finding],
    *,
    checked: bool,
    failed: Mapping[str, str],
    stage_order: Sequence[str],
) -> Resolution:
    preferred = probed[: probed.index(chosen)]
    findings: list[choice.Finding] = [
        choice.RunsFewer(
            r.toolchain.label,
            len(r.skipped),
            next(iter(r.skipped)),
            next(iter(r.skipped.values())).split("; ")[0],
        )
        for r in preferred
        if len(r.skipped) > len(chosen.skipped)
    ]
    evidence = choice.CHECKED if checked else None
    order = list(stage_order)
    ran = [name for name in order if name not in chosen.skipped]
    findings += [
        *notes,
        choice.Chosen(
            chosen.toolchain.label,
            len(chosen.skipped),
            evidence,
            stage_spans(ran, order) if ran else "no stage",
            stage_spans(list(chosen.skipped), order) if chosen.skipped else "",
        ),
    ]
    return replace(
        chosen,
        skipped=_blame(chosen, probed, failed),
        choice=tuple(findings),
        unbuildable=dict(failed),
    )


def _blame(
    chosen: Resolution, probed: Sequence[Resolution], failed: Mapping[str, str]
) -> dict[str, str]:
    """A stage skipped although an installed toolchain could run it says so: installing that
    toolchain again would not help, the crate must build with it."""
    reasons = dict(chosen.skipped)
    for name in reasons:
        able = [
            r.toolchain.label
            for r in probed
            if r.toolchain.label in failed and name not in r.skipped
        ]
        if able:
            reasons[name] = (
                f"{able[0]} could run it but cannot build the crate ({failed[able[0]]}); "
                f"{reasons[name]}"
            )
    return reasons


def _alternative(
    stages: Sequence[Stage], requested: str, builds: BuildCheck | None, network: Network
) -> choice.Alternative:
    """Which other installed toolchain builds the crate, for a user whose own choice fails."""
    others = [c for c in PREFERENCE if c.name != requested.removeprefix("+")]
    probed = _probe_all(others, stages, network)
    for resolution in sorted(probed, key=lambda r: len(r.skipped)):
        if builds is None or builds(resolution.toolchain) is None:
            return choice.Alternative(
                resolution.toolchain.candidate.name, resolution.toolchain.label
            )
    return choice.Alternative()


def _skips(toolchain: Toolchain, stages: Sequence[Stage]) -> dict[str, str]:
    return {stage.name: reason for stage in stages if (reason := toolchain.cannot_run(stage))}
