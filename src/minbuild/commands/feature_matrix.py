"""feature-matrix: cargo check (or test) every combination of the crate's features up to a
depth, each combination once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.option import Option, whole_number
from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import WithBuild
from minbuild.commands.vocabulary import (
    DRY_RUN,
    EXCLUDE,
    SHARD,
    STATE_DIR,
    TOOLCHAIN,
    CrateSource,
)
from minbuild.engine import planner
from minbuild.engine.shards import Shard
from minbuild.features.combinations import (
    check_all,
    combinations,
    feature_matrix_spec,
    listing,
    partition,
    render,
    save,
    validate_names,
)
from minbuild.runs.progress import Reporter, ToolchainCheck
from minbuild.util.errors import ExitCode


@dataclass(frozen=True)
class Options(CrateSource):
    """What one feature-matrix invocation asks for (the crate: a project file or a manifest)."""

    depth: int | None = Option(
        "--depth",
        "combinations of up to N features (default: the project's feature_matrix.depth, else 2)",
        metavar="N",
        parse=whole_number(1, 16),
    )()
    exclude: tuple[str, ...] = EXCLUDE()
    part: str | None = Option("--partition", "only part M of N (for CI runners)", metavar="M/N")()
    shard: Shard | None = SHARD(help="the same as --partition I/N (a CI matrix job)")
    test: bool = Option("--test", "cargo test instead of cargo check", switch=True)()
    dry_run: bool = DRY_RUN(help="list the combinations only")
    toolchain: str | None = TOOLCHAIN()
    state_dir: Path = STATE_DIR()


def run(request: WithBuild[Options], reporter: Reporter) -> Outcome:
    """The table (or, dry, the list) and the record; exit 1 unless every combination passed."""
    options = request.options
    checking = ToolchainCheck(reporter, 1)
    # Any toolchain that checks the crate (its first stage) will do: no stage is built. A dry
    # run leaves that check unmade, as min-build's does.
    ground = planner.groundwork(
        request.build,
        every_stage=False,
        wanted=lambda chosen: (),
        check_in_lane=options.dry_run,
        checking=checking,
        pick=lambda staircase: staircase[:1],
    )
    toolchain, crate, project = ground.resolution.toolchain, ground.crate, ground.project
    state_dir = ground.state_dir
    checking.done(toolchain.label)
    spec = feature_matrix_spec(project, options.depth, options.exclude)
    validate_names(spec, crate)
    chosen = combinations(crate, spec)
    part = options.part or (options.shard.label() if options.shard else None)
    if part:
        chosen = partition(chosen, part)
    if options.dry_run:
        return Outcome(text=listing(chosen))
    results = check_all(toolchain, crate, chosen, state_dir, test=options.test, reporter=reporter)
    path = save(results, crate, spec, test=options.test, part=part, state_dir=state_dir)
    ok = all(result.status == "ok" for result in results)
    return Outcome(
        ExitCode.OK if ok else ExitCode.FAILED, f"{render(results)}\nrecord: {path}\n", (path,)
    )
