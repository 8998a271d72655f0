"""merge: the run documents of a sharded run's jobs, one per share, made one run again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from minbuild.commands.option import Option
from minbuild.commands.outcome import Outcome
from minbuild.commands.vocabulary import STATE_DIR
from minbuild.report import formats
from minbuild.runs import records, statedir
from minbuild.runs.merge import ShardRun, merge
from minbuild.runs.progress import Reporter
from minbuild.runs.records import RunRecord


@dataclass(frozen=True)
class Options:
    """What `minbuild merge` is given."""

    runs: tuple[Path, ...] = Option(
        "RUN",
        "the shards' run documents (every share of one sharded run, any order)",
        many=True,
        positional=True,
        parse=Path,
    )()
    state_dir: Path = STATE_DIR()


def merge_files(options: Options) -> tuple[RunRecord, Path]:
    """Read, check and merge the shards' documents; write the merged run into the state dir."""
    shards = [ShardRun(str(path), records.load(path)) for path in options.runs]
    sequence = statedir.next_sequence(options.state_dir)
    run = merge(shards, datetime.now(UTC), sequence)
    return run, records.save(run, statedir.Layout(options.state_dir).runs())


def run(options: Options, reporter: Reporter) -> Outcome:
    """The merged run's table, and a note when a shard's run did not complete."""
    run, path = merge_files(options)
    text = formats.terminal(formats.Report(run)) + f"\nrun document: {path}\n"
    incomplete = (
        ()
        if run.complete
        else ("a shard's run did not complete: the merged run is not complete either",)
    )
    return Outcome(text=text, written=(path,), messages=incomplete)
