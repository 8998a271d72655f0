"""cfg-audit: count and classify the crate's cfgs, and flag names cargo does not declare."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minbuild.commands.option import Option, whole_number
from minbuild.commands.outcome import Outcome
from minbuild.commands.resolve import Located
from minbuild.commands.vocabulary import FORMAT, OUTPUT, CrateSource
from minbuild.features import cfgaudit
from minbuild.runs.progress import Reporter
from minbuild.rust import cargo, toolchains
from minbuild.util.errors import ExitCode
from minbuild.util.files import write_atomic


@dataclass(frozen=True)
class Options(CrateSource):
    """What one cfg-audit invocation asks for (the crate: a project file or a manifest)."""

    form: str = FORMAT(default="table", help="table (default) or json", choices=("table", "json"))
    output: Path | None = OUTPUT()
    max_use_site_cfgs: int | None = Option(
        "--max-use-site-cfgs",
        "exit 1 if more than N cfgs sit inside function bodies",
        metavar="N",
        parse=whole_number(0, 1_000_000),
    )()


def run(request: Located[Options], reporter: Reporter) -> Outcome:
    """The audit as a table or JSON (to `output` if given); exit 1 over the use-site limit."""
    options, project = request.options, request.project
    toolchain = toolchains.resolve((), None).toolchain
    root, packages = cargo.workspace_features(
        project, toolchain.candidate.cargo, toolchain.candidate.env
    )
    sources, declared = cfgaudit.read_sources(root, packages)
    result = cfgaudit.audit(sources, declared, cargo.declared_cfgs(root))
    text = cfgaudit.to_json(result) if options.form == "json" else cfgaudit.render(result)
    written: tuple[Path, ...] = ()
    if options.output:
        write_atomic(options.output, text)
        text, written = f"wrote {options.output}\n", (options.output,)
    limit, found = options.max_use_site_cfgs, result.total("use_sites")
    if limit is not None and found > limit:
        message = f"{found} cfgs inside function bodies, more than --max-use-site-cfgs {limit}"
        return Outcome(ExitCode.FAILED, text, written, (message,))
    return Outcome(ExitCode.OK, text, written)
