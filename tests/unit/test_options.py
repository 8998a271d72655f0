"""Options are declared once; the parser, the CLI's option objects and the invoke tasks are
derived from the declarations (no process is run: the tasks' minbuild is a fake)."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
from typing import Any

import pytest
import tasks

import minbuild
from minbuild.cli import parser as cli_parser
from minbuild.cli import tasks as cli_tasks
from minbuild.cli.parser import build
from minbuild.commands import registry
from minbuild.commands.build_options import BuildOptions
from minbuild.commands.option import Option, declared
from minbuild.util.errors import ConfigError
from tests.conftest import REPO

DEMO = REPO / "config" / "demo.yaml"


def every_option() -> list[tuple[str, str, Option]]:
    """(command, field, option) for every option of every command."""
    found = []
    for command in registry.COMMANDS:
        classes: tuple[type[Any], ...] = (cli_parser.Common, command.options)
        for cls in classes:
            for field, option, _ in declared(cls):
                if field not in command.leave_out:
                    found.append((command.name, field, option))
    return found


def test_each_flag_is_declared_once_in_the_package() -> None:
    sources = [p.read_text() for p in (REPO / "src" / "minbuild").rglob("*.py")]
    assert sum(text.count('"--config"') for text in sources) == 1
    declarations = [
        str(node.args[0].value)
        for text in sources
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Option"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]
    assert len(declarations) >= 30
    assert sorted(declarations) == sorted(set(declarations))
    assert {option.flag for _, _, option in every_option()} <= set(declarations)


def test_a_flag_means_one_thing_in_every_command() -> None:
    """Commands may word a shared option's help for themselves, not change what it takes."""
    meaning: dict[str, tuple[object, ...]] = {}
    for command, field, option in every_option():
        kind = (field, option.parse, option.switch, option.many, option.plural)
        assert meaning.setdefault(option.flag, kind) == kind, (command, option.flag)


def subparser(name: str) -> argparse.ArgumentParser:
    parser = cli_parser.parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: argparse.ArgumentParser = action.choices[name]
    return found


@pytest.mark.parametrize("command", registry.COMMANDS, ids=lambda c: c.name)
def test_the_parser_takes_exactly_the_declared_options(command: registry.Command[Any, Any]) -> None:
    actions = subparser(command.name)._actions
    parsed = {
        option: action.help
        for action in actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    # positional arguments go by their metavar (merge's RUN...)
    parsed |= {str(a.metavar): a.help for a in actions if not a.option_strings}
    expected = {}
    for name, _, option in every_option():
        if name == command.name:
            expected[option.flag] = option.help
            if option.plural:
                expected[option.plural] = f"the same as {option.flag}"
    assert parsed == expected


@pytest.mark.parametrize(
    ("command", "singular", "plural", "field"),
    [
        ("min-build", "--stage", "--stages", "stages"),
        ("cross-build", "--stage", "--stages", "stages"),
        ("cross-build", "--target", "--targets", "targets"),
        ("size-report", "--stage", "--stages", "stages"),
        ("doctor", "--target", "--targets", "targets"),
        ("setup", "--target", "--targets", "targets"),
        ("setup", "--crate", "--crates", "crates"),
    ],
)
def test_repeated_and_comma_forms_mean_the_same(
    command: str, singular: str, plural: str, field: str
) -> None:
    def parsed(*argv: str) -> Any:
        return getattr(cli_parser.parser().parse_args([command, *argv]), field)

    repeated = parsed(singular, "a", singular, "b")
    assert repeated == ["a", "b"]
    assert parsed(plural, "a,b") == repeated
    assert parsed(singular, "a,b") == repeated
    assert parsed(singular, "a", plural, "b") == repeated


def test_option_objects_are_built_from_the_parsed_values() -> None:
    args = cli_parser.parser().parse_args(
        ["cross-build", "--stages", "lto,strip", "--target", "wasm32-wasip1", "--parallel", "1"]
    )
    options = build(BuildOptions, vars(args), cross=True)
    assert options.stages == ("lto", "strip")
    assert options.targets == ("wasm32-wasip1",)
    assert options.parallel == 1 and options.cross
    assert options.state_dir == Path(".minbuild")  # not given: the dataclass's default
    every = ["cross-build", "--stage", "all", "--config", str(DEMO)]
    everything = build(BuildOptions, vars(cli_parser.parser().parse_args(every)))
    request = registry.BY_NAME["cross-build"].resolve(everything, {})
    assert request.every_stage and request.stage_names == () and request.cross


def test_a_bad_value_is_a_config_error_naming_the_option() -> None:
    with pytest.raises(ConfigError, match=r"--parallel: .*must be from 1 to 256, got 0"):
        cli_parser.parser().parse_args(["cross-build", "--parallel", "0"])


@pytest.mark.parametrize(
    ("command", "option", "value"),
    [
        ("min-build", "--parallel", "100000"),
        ("ci-matrix", "--shards", "100000"),
        ("ci-matrix", "--cross-shards", "100000"),
        ("optimize", "--trials", "10000000"),
        ("feature-matrix", "--depth", "1000"),
        ("size-report", "--history", "10000000000"),
    ],
)
def test_every_number_a_person_passes_has_an_upper_bound(
    command: str, option: str, value: str
) -> None:
    """A number beyond any sensible run is refused at parse time, before any planning whose
    cost grows with it."""
    with pytest.raises(ConfigError, match=rf"{option}: must be from \d+ to [\d_]+, got {value}"):
        cli_parser.parser().parse_args([command, option, value])


def test_no_whole_number_option_is_left_without_a_range() -> None:
    """Every option that parses a whole number goes through whole_number(minimum, maximum)."""
    source = Path(minbuild.__file__).parent
    unbounded = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if "parse=int" in path.read_text(encoding="utf-8")
        or "type=int" in path.read_text(encoding="utf-8")
    ]
    assert unbounded == []


def test_every_task_takes_its_commands_options_with_the_same_help() -> None:
    derived = {
        "size_report": "size-report",
        "size_baseline": "size-baseline",
        "setup": "setup",
        "doctor": "doctor",
        "cfg_audit": "cfg-audit",
    }
    for attribute, command in derived.items():
        task = getattr(tasks, attribute)
        helps = {name: option.help for c, name, option in every_option() if c == command}
        assert len(task.help) == len(helps), command
        assert sorted(task.help.values()) == sorted(helps.values()), command


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The minbuild command lines the tasks run (the tasks' `main` is a fake that records)."""
    calls: list[list[str]] = []

    def main(argv: list[str]) -> int:
        calls.append(list(argv))
        return 0

    monkeypatch.setattr(cli_tasks, "main", main)
    return calls


def test_a_task_runs_its_command_with_the_flags_it_was_given(ran: list[list[str]]) -> None:
    tasks.size_report.body(
        None, format="markdown", stage=["lto", "strip"], bytes=True, history="3", run=""
    )
    assert ran[-1] == [
        "size-report",
        "--format",
        "markdown",
        "--bytes",
        "--history",
        "3",
        "--stage",
        "lto",
        "--stage",
        "strip",
    ]
    tasks.plan.body(None, config="x.yaml")
    assert ran[-1] == ["min-build", "--dry-run", "--config", "x.yaml"]


def test_a_failing_command_fails_its_task(monkeypatch: pytest.MonkeyPatch) -> None:
    from invoke.exceptions import Exit

    monkeypatch.setattr(cli_tasks, "main", lambda argv: 2)
    with pytest.raises(Exit) as raised:
        tasks.doctor.body(None)
    assert raised.value.code == 2


def invoked(argv: list[str], ran: list[list[str]]) -> list[str]:
    """The minbuild command line an `invoke ARGV` runs, parsed as invoke parses it."""
    from invoke.collection import Collection
    from invoke.parser import Parser

    collection = Collection.from_module(tasks)
    (parsed,) = Parser(contexts=collection.to_contexts()).parse_argv(argv)
    collection[parsed.name].body(None, **parsed.as_kwargs)
    return ran[-1]


def test_a_task_takes_every_spelling_of_an_option(ran: list[list[str]]) -> None:
    # .ci/run's own line: the plural spellings, repeated
    assert invoked(
        ["setup", "--targets", "all", "--crates", "hexyl", "--crates", "sniffglue"], ran
    ) == ["setup", "--target", "all", "--crate", "hexyl", "--crate", "sniffglue"]
    assert invoked(["size-report", "--stage", "lto", "--stages", "strip,release", "-v"], ran) == [
        "size-report",
        "--verbose",
        "--stage",
        "lto",
        "--stage",
        "strip,release",
    ]
    assert invoked(["plan", "--stages", "lto", "--toolchain", "stable"], ran) == [
        "min-build",
        "--dry-run",
        "--stage",
        "lto",
        "--toolchain",
        "stable",
    ]


def test_a_task_makes_up_no_short_flags_of_its_own() -> None:
    from invoke.collection import Collection

    from minbuild.cli.parser import Common

    declared_shorts = {o.short.lstrip("-") for _, o, _ in declared(Common) if o.short}
    assert declared_shorts == {"v", "q"}
    for name, task in Collection.from_module(tasks).tasks.items():
        shorts = {n for arg in task.get_arguments() for n in arg.names if len(n) == 1}
        assert shorts <= declared_shorts, name


def test_an_option_field_has_its_help_and_no_docstring_that_restates_it() -> None:
    """An option's help is its documentation (`--help`, `invoke --help`); a field that is not
    an option says what it is in a docstring."""
    for path in (REPO / "src" / "minbuild").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
            for field, after in zip(cls.body, [*cls.body[1:], None], strict=True):
                if not isinstance(field, ast.AnnAssign) or not isinstance(field.value, ast.Call):
                    continue
                call = field.value.func
                is_option = (isinstance(call, ast.Name) and call.id.isupper()) or (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "Option"
                )
                documented = (
                    isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                )
                where = f"{path.name}:{field.lineno}"
                assert not (is_option and documented), f"{where}: the option's help says it"
