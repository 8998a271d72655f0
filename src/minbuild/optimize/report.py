"""An optimize search for a person: the winner against the references, what each of its
settings is worth, every trial, and how to apply the winner (pure functions over the record)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence

from minbuild.optimize import trials
from minbuild.optimize.profile import config_toml, profile_toml
from minbuild.optimize.trials import Export, OptimizeRecord, Step
from minbuild.report.anatomy import composition_text
from minbuild.report.comment import MARKER
from minbuild.runs.composition import Composition
from minbuild.runs.rows import tests_text, toolchain_label
from minbuild.util.text import format_table, human_size, md_table

REFERENCE_LABELS = {
    "start": "start point",
    "release-settings": "release settings",
    "cargo-wizard": "cargo-wizard min-size",
}


def step_line(step: Step) -> str:
    """The live line of one trial: round, change, size, verdict."""
    size = human_size(step.size_bytes) if step.size_bytes is not None else "no size"
    kept = " (kept)" if step.reused else ""
    chosen = "  ← taken" if step.chosen else ""
    where = "leave-one-out" if step.role == "leave-one-out" else f"round {step.round}"
    return f"{where} · {step.change}: {size} {step.verdict}{kept}{chosen}"


def _signed(value: int) -> str:
    return f"{value:+,}"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:+.1f}%" if whole else ""


def _built(record: OptimizeRecord) -> tuple[int, int]:
    """Trials built by this search, and kept from earlier ones."""
    reused: dict[str, bool] = {}
    for step in record.steps:
        reused[step.key] = reused.get(step.key, True) and step.reused
    return sum(not kept for kept in reused.values()), sum(reused.values())


def summary_lines(record: OptimizeRecord) -> list[str]:
    """Who, what and how the search went, in two lines."""
    built, kept = _built(record)
    rounds = max((s.round for s in record.steps if s.role != "leave-one-out"), default=0)
    return [
        f"{record.crate.get('name')} {record.crate.get('version')} · toolchain "
        f"{toolchain_label(record.toolchain)} · optimize {record.run_id} · from {record.start}"
        + (f" · for {record.target}" if record.target else ""),
        f"{built + kept} trials ({built} built, {kept} kept from earlier searches), "
        f"{rounds} round{'s' if rounds != 1 else ''}; the search stopped: "
        f"{record.stopped or 'not yet'}",
    ]


def references_table(record: OptimizeRecord) -> tuple[list[str], list[list[str]]]:
    winner = record.winning
    rows: list[list[str]] = []
    if winner is None or winner.size is None:
        return [], rows
    labels: dict[str, list[str]] = {winner.key: ["winner"]}
    for name, key in record.references.items():
        label = REFERENCE_LABELS.get(name, name)
        labels.setdefault(key, []).append(f"{label} ({record.start})" if name == "start" else label)
    for key, names in labels.items():
        trial = record.trial(key)
        label = " = ".join(names)  # one build: the same effective settings
        size = trial.size
        rows.append(
            [
                label,
                human_size(size) if size is not None else "-",
                _signed(winner.size - size) if size is not None and key != winner.key else "",
                _percent(winner.size - size, size) if size and key != winner.key else "",
                tests_text(trial.stage) if trial.stage.tests_run else "-",
                trial.verdict,
            ]
        )
    return ["build", "size", "the winner vs it", "%", "tests", "verdict"], rows


def contributions_table(record: OptimizeRecord) -> tuple[list[str], list[list[str]]]:
    winner = record.winning
    size = winner.size if winner and winner.size else 0
    rows = [
        [
            c.setting,
            c.value,
            c.release,
            _signed(c.bytes_saved) if c.bytes_saved is not None else "-",
            f"{100 * c.bytes_saved / size:.1f}%" if c.bytes_saved is not None and size else "",
            "removable" if c.removable else "",
            c.note,
        ]
        for c in record.contributions
    ]
    return ["setting", "winner", "release", "bytes saved", "of winner", "", "note"], rows


def speed_table(record: OptimizeRecord) -> tuple[list[str], list[list[str]]]:
    """With --bench: every timed trial, smallest first, against the release settings."""
    base_trial = record.reference("release-settings")
    base = base_trial.bench_seconds if base_trial else None
    named: dict[str, str] = {}
    for step in record.steps:
        named.setdefault(step.key, step.change)
    timed = sorted(
        (t for t in record.trials if t.bench_seconds is not None and t.size is not None),
        key=lambda t: t.size or 0,
    )
    rows = [
        [
            ("winner: " if t.key == record.winner else "") + named.get(t.key, t.key),
            human_size(t.size or 0),
            _seconds(t.bench_seconds),
            f"{t.bench_seconds / base:.2f}x" if base else "",
            t.verdict,
        ]
        for t in timed
        if t.bench_seconds is not None
    ]
    return ["trial", "size", "time", "vs release", "verdict"], rows


def _seconds(value: float) -> str:
    return f"{value:.3f}s" if value >= 1 else f"{value * 1000:.2f}ms"


def trials_table(record: OptimizeRecord) -> tuple[list[str], list[list[str]]]:
    start = record.reference("start")
    base = start.size if start and start.size else None
    rows = [
        [
            str(step.round),
            step.role,
            step.change,
            human_size(step.size_bytes) if step.size_bytes is not None else "-",
            _signed(step.size_bytes - base) if step.size_bytes is not None and base else "",
            ("taken · " if step.chosen else "") + step.verdict + (" (kept)" if step.reused else ""),
        ]
        for step in record.steps
    ]
    return ["round", "role", "change", "size", "vs start", "verdict"], rows


def apply_lines(found: Export) -> list[str]:
    """How to apply the winner by hand: the profile, the config lines, the commands. Each
    block to paste follows one line that says where it goes, with a blank line either side
    and nothing else in it (a TOML block opens with a comment naming its file), so that
    what a person selects is what the file or the shell takes."""
    lines = _pasted(
        "the winner as a Cargo profile: paste this block into Cargo.toml (or --write-profile "
        f"{found.profile_name} adds it there):",
        ["# Cargo.toml", *profile_toml(found).splitlines()],
    )
    config = config_toml(found)
    if config:
        lines += _pasted(
            "and what a profile cannot hold, for every build: paste this block into "
            ".cargo/config.toml (the command below passes these itself):",
            ["# .cargo/config.toml", *config.splitlines()],
        )
    unstable = (
        "; its -Z flags need a nightly cargo, or RUSTC_BOOTSTRAP=1 in the environment"
        if found.nightly
        else ""
    )
    lines += _pasted(
        f"the command that builds the winner's binary (with the profile in Cargo.toml{unstable}):",
        [found.command],
    )
    if found.post_link:
        lines += _pasted(
            "then, over the artifact it linked (the last output is the winner's binary):",
            list(found.post_link),
        )
    return lines[:-1]  # the report's parts are already apart


def _pasted(where: str, block: list[str]) -> list[str]:
    """A line saying where the block goes, then the block between blank lines."""
    return [where, "", *block, ""]


def terminal(record: OptimizeRecord) -> str:
    """The whole report, for a terminal."""
    parts = ["\n".join(summary_lines(record))]
    headers, rows = references_table(record)
    if rows:
        parts.append(format_table(headers, rows, right={1, 2, 3}))
    headers, rows = speed_table(record)
    if rows:
        limit = f"; --max-slowdown {record.max_slowdown:g}" if record.max_slowdown else ""
        title = f"size and speed (best time of `{' '.join(record.bench)}`{limit}):"
        parts.append(title + "\n" + format_table(headers, rows, right={1, 2, 3}))
    headers, rows = contributions_table(record)
    if rows:
        title = (
            "what each setting is worth at the winner (leave-one-out: the winner with it "
            f"put back to release; removable: under {record.threshold_percent:g}%):"
        )
        parts.append(title + "\n" + format_table(headers, rows, right={3, 4}))
    headers, rows = trials_table(record)
    parts.append("trials:\n" + format_table(headers, rows, right={0, 3, 4}))
    composition = winner_composition(record)
    if composition is not None:
        parts.append(composition_text(*composition))
    parts += _left_out_lines(record)
    if record.export is not None:
        parts.append("\n".join(apply_lines(record.export)))
    return "\n\n".join(parts) + "\n"


def winner_composition(record: OptimizeRecord) -> tuple[str, Composition] | None:
    """Where the winner's bytes are; when it strips its symbols (strip, wasm-opt), its code
    by crate comes from its unstripped twin: the winner with that one setting put back,
    which leave-one-out built."""
    winner = record.winning
    if winner is None or winner.stage.composition is None:
        return None
    own = winner.stage.composition
    if own.crates:
        return "the winner", own
    for step in record.steps:
        twin = record.trial(step.key)
        parts = twin.stage.composition
        differs = {k for k in winner.point if winner.point[k] != twin.point.get(k)}
        if step.role == "leave-one-out" and len(differs) == 1 and parts and parts.crates:
            (setting,) = differs
            label = (
                f"the winner (code by crate from its twin built with "
                f"{setting}={twin.point[setting]})"
            )
            return label, dataclasses.replace(
                parts,
                file_size=own.file_size,
                loaded_size=own.loaded_size,
                sections=own.sections,
            )
    return "the winner", own


def _left_out_lines(record: OptimizeRecord) -> list[str]:
    lines = [f"  {change}: {why}" for change, why in record.excluded.items()]
    out = [
        f"  {name}: {why}; kept at {record.fixed.get(name, '?')}"
        for name, why in record.left_out.items()
    ]
    found = []
    if lines:
        found.append("not tried again after their first trial:\n" + "\n".join(lines))
    if out:
        found.append(
            "settings not searched (every trial keeps the start's value):\n" + "\n".join(out)
        )
    return found


def markdown(record: OptimizeRecord) -> str:
    """The report as GitHub markdown (a pull request comment, a job summary)."""
    head, counts = summary_lines(record)
    parts = [f"### minbuild optimize: {head}", counts]
    for title, (headers, rows) in (
        ("The winner and the references", references_table(record)),
        ("What each setting is worth", contributions_table(record)),
        ("Size and speed", speed_table(record)),
        ("Trials", trials_table(record)),
    ):
        if rows:
            parts.append(f"#### {title}\n\n" + _md_table(headers, rows))
    if record.export is not None:
        parts.append(
            "#### The winner as a profile\n\n```toml\n" + profile_toml(record.export) + "```"
        )
        commands = [record.export.command, *record.export.post_link]
        parts.append("```sh\n" + "\n".join(commands) + "\n```")
    return "\n\n".join(parts) + "\n"


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    return "\n".join(md_table(headers, rows, "l" * len(headers)))


def to_json(record: OptimizeRecord) -> str:
    """The document itself, indented."""
    return json.dumps(json.loads(trials.to_json(record)), indent=2) + "\n"


def comment(record: OptimizeRecord) -> str:
    """The markdown behind the sticky comment's marker."""
    return f"{MARKER}\n{markdown(record)}"


def to_csv(record: OptimizeRecord) -> str:
    """Every step of the search, one row each, with its trial's point."""
    names = list(record.space)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(
        ["round", "role", "change", "size_bytes", "verdict", "reused", "chosen", *names]
    )
    for step in record.steps:
        point = record.trial(step.key).point
        writer.writerow(
            [
                step.round,
                step.role,
                step.change,
                "" if step.size_bytes is None else step.size_bytes,
                step.verdict,
                step.reused,
                step.chosen,
                *(point.get(name, "") for name in names),
            ]
        )
    return stream.getvalue()


RENDERERS = {
    "terminal": terminal,
    "markdown": markdown,
    "comment": comment,
    "json": to_json,
    "csv": to_csv,
}
"""size-report --search's formats."""
