"""What cargo-hack and cargo-wizard do beside minbuild's feature-matrix, optimize and tests:
the same combinations and their times, a preset's size and tests, and what each peer says
when asked for what it does not do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import peer_tables as tables
from peer_common import (
    Page,
    Subject,
    as_peer_command,
    first_error,
    first_line,
    installed,
    minbuild,
    stage_of,
    timed,
)

from minbuild.optimize.trials import find_search
from minbuild.runs.records import RunRecord, StageRecord
from minbuild.util import command


def features(subject: Subject, run: RunRecord, page: Page) -> None:
    """The same powerset from both tools, and each one's time: cold, warm, in 3 shards."""
    page.add("### Feature combinations: cargo-hack's powerset and feature-matrix, depth 2", "")
    if not installed("cargo-hack", page):
        return
    hack = ["cargo", "hack", "check", "--feature-powerset", "--depth", "2"]
    hack += ["-p", str(run.crate["name"])]
    env = dict(stage_of(run, "release").env)
    matrix = ["feature-matrix", "--config", str(subject.config), "--depth", "2"]
    listed, _ = timed([*hack, "--print-command-list"], env=env, cwd=subject.crate_dir)
    dry, _ = minbuild(
        [*matrix, "--state-dir", str(subject.scratch / "matrix-dry"), "--dry-run"],
        subject.crate_dir,
    )
    theirs, ours = tables.hack_combinations(listed.stdout), tables.matrix_combinations(dry.stdout)
    if ours == {frozenset()}:
        page.add("The crate declares no features: both tools check it once, as it is.", "")
        theirs = tables.featureless(theirs)
    page.add(
        f"Combinations: cargo-hack {len(theirs)}, minbuild {len(ours)}, {len(theirs & ours)} in "
        f"both. Only cargo-hack's: {_named(theirs - ours)}. "
        f"Only minbuild's: {_named(ours - theirs)}.",
        "",
    )

    def hack_run(target: str, *extra: str) -> float:
        where = ["--target-dir", str(subject.scratch / target)]
        return timed([*hack, *extra, *where], env=env, cwd=subject.crate_dir)[1]

    def matrix_run(state: str, *extra: str) -> float:
        where = ["--state-dir", str(subject.scratch / state)]
        return minbuild([*matrix, *extra, *where], subject.crate_dir)[1]

    whole = {
        "cargo-hack": [hack_run("hack"), hack_run("hack")],
        "minbuild": [matrix_run("matrix"), matrix_run("matrix")],
    }
    shards = {
        "cargo-hack": [hack_run(f"hack-{i}", "--partition", f"{i}/3") for i in (1, 2, 3)],
        "minbuild": [matrix_run(f"matrix-{i}", "--shard", f"{i}/3") for i in (1, 2, 3)],
    }
    page.table(
        ["tool", "cold s", "warm s", "3 shards, each cold, s", "slowest / mean"],
        [
            [
                tool,
                f"{whole[tool][0]:.1f}",
                f"{whole[tool][1]:.1f}",
                " · ".join(f"{s:.1f}" for s in shards[tool]),
                f"{tables.spread(shards[tool]):.2f}",
            ]
            for tool in whole
        ],
    )


def _named(combinations: set[frozenset[str]]) -> str:
    listed = sorted(",".join(sorted(c)) or "(none)" for c in combinations)
    return ", ".join(f"`{c}`" for c in listed) or "none"


def presets(subject: Subject, run: RunRecord, budget: tuple[str, ...], page: Page) -> None:
    """cargo-wizard's min-size applied by the tool to a copy of the crate, against the last
    stage and optimize's winner (and optimize's own reference of that preset)."""
    page.add("### Presets: cargo-wizard's min-size, the staircase and optimize", "")
    if not installed("cargo-wizard", page):
        return
    copy = subject.scratch / "wizard"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(subject.crate_dir, copy, ignore=shutil.ignore_patterns("target", ".minbuild"))
    release = stage_of(run, "release")
    args, env, _ = as_peer_command(release, subject.scratch / "wizard-target")
    args = [a for a in args if a not in ("--profile", "minbuild")]
    env = {k: v for k, v in env.items() if not k.startswith("CARGO_PROFILE_")}
    manifest_at = release.command.index("--manifest-path") + 1
    manifest = copy / Path(release.command[manifest_at]).relative_to(subject.crate_dir)
    wizard = ["cargo", "wizard", "apply", "min-size", "wizard", "--manifest-path", str(manifest)]
    applied, _ = timed(wizard, env=env, cwd=copy)
    built, _ = timed(
        ["cargo", "build", *args, "--profile", "wizard", "--message-format", "json"],
        env=env,
        cwd=manifest.parent,
    )
    # its size now: `cargo test` builds the binary again, and may put that one in its place
    preset_size = _executable(built.stdout).stat().st_size
    tested, test_seconds = timed(
        ["cargo", "test", *_test_args(args), "--profile", "wizard"],
        env=env,
        cwd=manifest.parent,
        check=False,
    )
    search = ["optimize", "--config", str(subject.config), "--state-dir", str(subject.state)]
    search += ["--from", "release", "--settings", ",".join(PRESET_SETTINGS)]
    searched, search_seconds = minbuild([*search, *budget], subject.crate_dir)
    record = find_search("latest", subject.state)
    trials = {t.key: t for t in record.trials}
    last = [s for s in run.stages if s.target in (None, run.host) and s.status == "ok"][-1]
    rows = [
        [
            "cargo-wizard min-size, applied by the tool (default features)",
            f"{preset_size:,}",
            f"`cargo test --profile wizard`, the crate's own tests, {test_seconds:.0f} s: "
            f"{_libtest(tested)}; the preset says nothing of them",
        ],
    ]
    for label, key in (
        (
            "optimize's own cargo-wizard reference (the preset's settings, built by minbuild)",
            "cargo-wizard",
        ),
        ("optimize's winner (the same settings searched, each trial tested)", "winner"),
    ):
        chosen = record.winner if key == "winner" else record.references.get(key)
        trial = trials.get(chosen or "")
        if trial is not None and trial.size is not None:
            tests = _tested(trial.stage)
            rows.append([label, f"{trial.size:,}", f"{tests} against this binary"])
    tests = _tested(last)
    rows.append([f"the last stage, {last.name}", f"{last.size_bytes:,}", f"{tests} against it"])
    page.add(f"cargo wizard printed: “{first_line(applied)}”", "")
    page.table(["build", "size B", "tests"], rows)
    page.add(
        f"The search: {len(record.trials)} trials in {search_seconds:.0f} s "
        f"({record.stopped or 'finished'}; {first_line(searched)}).",
        "",
    )


PRESET_SETTINGS = ("opt-level", "lto", "codegen-units", "panic", "strip")
"""What cargo-wizard's min-size sets (and debug=false, release's own): optimize searches the
same settings from the same start (release: default features, no std rebuilt)."""


def _tested(stage: StageRecord) -> str:
    """Passed of run, and the failures the project expects at this stage (excused)."""
    excused = stage.tests_excused
    skipped = [t.name for t in stage.tests if t.status == "skipped"]
    said = f"{stage.tests_passed}/{stage.tests_run} passed"
    said += f", {excused} failing as the project expects here" if excused else ""
    if skipped:  # what each needs (a feature, panic=unwind) is the project's word
        said += f"; {len(skipped)} skipped, needing what this build has not: "
        said += ", ".join(f"`{name}`" for name in skipped[:4]) + ("…" if len(skipped) > 4 else "")
    return said


def _executable(messages: str) -> Path:
    for line in reversed(messages.splitlines()):
        if line.startswith("{"):
            message = json.loads(line)
            if message.get("executable"):
                return Path(message["executable"])
    raise ValueError("cargo build printed no executable")


def _test_args(args: list[str]) -> list[str]:
    """The build's package, features and target dir, not its one --bin or --lib: `cargo
    test` runs the crate's tests."""
    kept, words = [], iter(args)
    for word in words:
        if word == "--bin":
            next(words, "")
        elif word != "--lib":
            kept.append(word)
    return kept


def _libtest(done: command.Completed) -> str:
    """libtest's summary lines added up, and the tests that failed, by name."""
    passed = failed = 0
    for line in done.stdout.splitlines():
        if line.startswith("test result:"):
            words = line.replace(";", "").split()
            passed += int(words[words.index("passed") - 1])
            failed += int(words[words.index("failed") - 1])
    names = [
        line.split()[1]
        for line in done.stdout.splitlines()
        if line.startswith("test ") and line.rstrip().endswith("FAILED")
    ]
    said = f"{passed} passed, {failed} failed"
    return said + (f" ({', '.join(f'`{n}`' for n in names)})" if names else "")


def limits(run: RunRecord, scratch: Path, page: Page) -> None:
    """What the peers print when asked for what minbuild does."""
    page.add("### What the peers cannot do, as they say it", "")
    std = next(
        (
            s
            for s in run.stages
            if s.target in (None, run.host)
            and s.artifact
            and any(a.startswith("build-std") for a in s.command)
        ),
        None,
    )
    if std is not None and shutil.which("cargo-bloat"):
        args, env, cwd = as_peer_command(std, scratch / "bloat-std")
        bloat = ["cargo", "bloat", *args, "--crates", "-n", "3"]
        done, _ = timed(bloat, env=env, cwd=cwd, check=False)
        said = first_error(done) if done.returncode else "it worked: " + first_line(done)
        page.add(f"- cargo-bloat on the {std.name} stage (-Z build-std): “{said}”")
    runs = sum(s.tests_run for s in run.stages)
    page.add(
        "- cargo-bloat, twiggy, cargo-hack and cargo-wizard run no test against the binary they "
        f"measure or produce; minbuild ran {runs} tests over this run's {len(run.stages)} "
        "stages, each against that stage's own artifact.",
        "",
    )
