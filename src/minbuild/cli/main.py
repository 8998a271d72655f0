"""The command line: the only place that prints, exits, or catches minbuild's errors."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from minbuild.build import cargo, pipeline, provision, starter, toolchains
from minbuild.cli import options as cliargs
from minbuild.cli import progress
from minbuild.features import cfgaudit
from minbuild.features import cost as featurecost
from minbuild.features import matrix as featurematrix
from minbuild.project import stages, targets
from minbuild.project.config import Project, check_manifest, crate_only_project, load_project
from minbuild.sizes import formats, sizereport
from minbuild.util import statedir
from minbuild.util.errors import ConfigError, MinbuildError
from minbuild.util.files import write_atomic
from minbuild.util.text import format_table

EXIT_INTERRUPTED = 130


# Commands that build into the state dir hold it: a second one waits for the first.
STATE_WRITERS = frozenset({"min_build", "cross_build", "feature_matrix", "feature_cost", "init"})


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = cliargs.parser().parse_args(argv)
        cliargs.settle_defaults(args)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="minbuild: %(message)s",
            stream=sys.stderr,
        )
        if args.command not in STATE_WRITERS:
            return int(HANDLERS[args.command](args))
        with statedir.exclusive(args.state_dir, args.command.replace("_", "-"), _say):
            return int(HANDLERS[args.command](args))
    except MinbuildError as error:
        print(f"minbuild: error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # the world failed under us (disk full, a file vanished)
        print(f"minbuild: error: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return statedir.StateDirError.exit_code
    except KeyboardInterrupt:
        print("\nminbuild: interrupted; run documents written so far are intact", file=sys.stderr)
        return EXIT_INTERRUPTED


def _say(message: str) -> None:
    print(f"minbuild: {message}", file=sys.stderr, flush=True)


def _options(args: argparse.Namespace) -> pipeline.Options:
    return pipeline.Options(
        config=args.config,
        stages=tuple(args.stage),
        first=args.first,
        last=args.last,
        toolchain=args.toolchain,
        fail_fast=args.fail_fast,
        state_dir=args.state_dir,
    )


def _cross_options(args: argparse.Namespace) -> pipeline.Options:
    names = [] if args.stages in ("", "all") else args.stages.split(",")
    return pipeline.Options(
        config=args.config,
        stages=tuple(names),
        all_stages=args.stages == "all",
        toolchain=args.toolchain,
        fail_fast=args.fail_fast,
        state_dir=args.state_dir,
        cross=True,
        targets=tuple(args.target),
        parallel=args.parallel,
    )


def _cross_build(args: argparse.Namespace) -> int:
    return _build(args, _cross_options(args))


def _min_build(args: argparse.Namespace) -> int:
    return _build(args, _options(args))


def _build(args: argparse.Namespace, options: pipeline.Options) -> int:
    if args.dry_run:
        print(pipeline.describe_plan(pipeline.prepare(options)), end="")
        return 0
    run, path = pipeline.min_build(
        options, progress.ProgressPrinter(sys.stderr, live=options.parallel <= 1)
    )
    print(formats.terminal(formats.Report(run)), end="")
    print(f"\nrun document: {path}")
    failed = any(stage.status == "failed" for stage in run.stages)
    if args.check:
        violations, warnings = sizereport.gate(run, load_project(args.config))
        print("\n" + "\n".join(formats.budget_lines(violations, warnings)))
        failed = failed or bool(violations)
    return 1 if failed else 0


def _feature_matrix(args: argparse.Namespace) -> int:
    options = featurematrix.MatrixOptions(
        project=_crate_project(args),
        depth=args.depth,
        exclude=tuple(args.exclude),
        part=args.partition,
        test=args.test,
        dry_run=args.dry_run,
        toolchain=args.toolchain,
        state_dir=args.state_dir,
    )

    def progress(number: int, total: int, label: str) -> None:
        print(f"[{number:>2}/{total}] {label}", file=sys.stderr, flush=True)

    text, path, ok = featurematrix.run(options, progress)
    print(text, end="")
    if path is not None:
        print(f"\nrecord: {path}")
    return 0 if ok else 1


def _feature_cost(args: argparse.Namespace) -> int:
    text, path = featurecost.run(
        _crate_project(args),
        args.stage,
        args.exclude,
        args.toolchain,
        args.state_dir,
        progress.ProgressPrinter(sys.stderr),
    )
    print(text, end="")
    print(f"\nrun document: {path}")
    return 0


def _crate_project(args: argparse.Namespace) -> Project:
    """The project file, or for a crate without one, its manifest with every default."""
    if args.config is not None:
        if args.package:
            raise ConfigError("--package goes with --manifest-path; the project file names it")
        project = load_project(args.config)
        check_manifest(project)
        return project
    return crate_only_project(args.manifest_path, args.package)


def _cfg_audit(args: argparse.Namespace) -> int:
    project = _crate_project(args)
    toolchain = toolchains.resolve((), None).toolchain
    root, packages = cargo.workspace_features(
        project, toolchain.candidate.cargo, toolchain.candidate.env
    )
    sources, declared = cfgaudit.read_sources(root, packages)
    result = cfgaudit.audit(sources, declared, cargo.declared_cfgs(root))
    text = cfgaudit.to_json(result) if args.form == "json" else cfgaudit.render(result)
    if args.output:
        write_atomic(args.output, text)
        print(f"wrote {args.output}")
    else:
        print(text, end="")
    limit, found = args.max_use_site_cfgs, result.total("use_sites")
    if limit is not None and found > limit:
        print(
            f"minbuild: {found} cfgs inside function bodies, more than --max-use-site-cfgs {limit}",
            file=sys.stderr,
        )
        return 1
    return 0


def _size_report(args: argparse.Namespace) -> int:
    options = sizereport.ReportOptions(
        run=args.run,
        against=args.against,
        form=args.form,
        output=args.output,
        exact=args.exact,
        check=args.check,
        ratchet=args.ratchet,
        history=args.history,
        stages=tuple(args.stage),
        target=args.target,
        plot=args.plot,
        log_scale=args.log_scale,
        config=args.config,
        state_dir=args.state_dir,
    )
    outcome = sizereport.size_report(options)
    print(outcome.text, end="")
    for message in outcome.messages:
        print(f"minbuild: {message}", file=sys.stderr)
    return outcome.exit_code


def _size_baseline(args: argparse.Namespace) -> int:
    path, baseline = sizereport.write_baseline(args.run, args.config, args.state_dir, args.output)
    runs = ", ".join(sorted({entry.run_id for entry in baseline.entries}))
    print(f"wrote {path}: {len(baseline.entries)} entries from run {runs}; review and commit it")
    return 0


def _chosen_targets(config: Path, names: Sequence[str]) -> tuple[targets.Target, ...]:
    every = targets.project_targets(load_project(config))
    return every if "all" in names else targets.select(every, names) if names else ()


def _setup(args: argparse.Namespace) -> int:
    chosen = provision.needs(_chosen_targets(args.config, args.targets), args.crates)
    for line in provision.setup(chosen, args.dry_run):
        print(f"minbuild setup: {line}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    project = load_project(args.config)
    findings = provision.doctor(
        project,
        stages.load_staircase(project),
        targets.select(targets.project_targets(project), args.target),
    )
    print(
        format_table(
            ["", "what", "detail"],
            [["ok" if f.available else "NO", f.what, f.detail] for f in findings],
        )
    )
    missing = [f for f in findings if not f.available]
    print(f"\n{len(findings) - len(missing)} of {len(findings)} available")
    return 0 if not missing else 1


def _init(args: argparse.Namespace) -> int:
    def say(line: str) -> None:
        print(f"minbuild init: {line}", file=sys.stderr, flush=True)

    started = starter.init(
        args.manifest_path, args.output, args.force, args.toolchain, args.state_dir, say
    )
    for note in started.notes:
        say(note)
    print(f"wrote {started.path}; run it: minbuild min-build --config {started.path}")
    return 0 if started.release_ok else 1


HANDLERS = {
    "min_build": _min_build,
    "cross_build": _cross_build,
    "feature_matrix": _feature_matrix,
    "feature_cost": _feature_cost,
    "cfg_audit": _cfg_audit,
    "size_report": _size_report,
    "size_baseline": _size_baseline,
    "setup": _setup,
    "doctor": _doctor,
    "init": _init,
}
