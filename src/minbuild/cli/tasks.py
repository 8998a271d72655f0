"""invoke tasks derived from the commands' declarations: a task's arguments, their help and
their defaults are the command's own options, so they cannot drift from the CLI's."""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Callable, Collection, Sequence
from typing import Any

from invoke.exceptions import Exit
from invoke.tasks import Task

from minbuild.cli import commands
from minbuild.cli.main import main
from minbuild.util.options import Option, declared


def task(
    command: str,
    *,
    name: str | None = None,
    only: Collection[str] | None = None,
    fixed: Sequence[str] = (),
    doc: str | None = None,
) -> Task[Callable[..., None]]:
    """An invoke task that runs `minbuild COMMAND [FIXED...]` with the options it is given;
    `only` keeps just these options (field names) of the command's."""
    spec = commands.BY_NAME[command]
    options = _options(spec, only)
    parameters = {_parameter(option): (field, option) for field, option in options.items()}

    def body(context: object, **values: Any) -> None:
        args: list[str] = []
        for parameter, (_, option) in parameters.items():
            args += _arguments(option, values.get(parameter))
        code = main([command, *fixed, *args])
        if code:
            raise Exit(code=code)

    body.__doc__ = doc or f"{spec.help[0].upper()}{spec.help[1:]} (minbuild {command})."
    body.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("context", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            *(
                inspect.Parameter(
                    parameter,
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=False if option.switch else None if option.many else "",
                )
                for parameter, (_, option) in parameters.items()
            ),
        ]
    )
    return Task(
        body,
        name=name or command,
        help={parameter: option.help for parameter, (_, option) in parameters.items()},
        iterable=[parameter for parameter, (_, option) in parameters.items() if option.many],
    )


def _options(spec: commands.Command, only: Collection[str] | None) -> dict[str, Option]:
    found: dict[str, Option] = {}
    classes: tuple[type[Any], ...] = (commands.Common, *spec.options)
    for cls in classes:
        for field, option, _ in declared(cls):
            if field not in spec.leave_out and (only is None or field in only):
                found.setdefault(field, option)
    return found


def _parameter(option: Option) -> str:
    """The task's argument for an option: its flag's name (`--from` → `from_`; invoke strips
    the underscore again, so the task's flag is the CLI's)."""
    name = option.flag.removeprefix("--").replace("-", "_")
    return f"{name}_" if keyword.iskeyword(name) else name


def _arguments(option: Option, value: Any) -> list[str]:
    if option.switch:
        return [option.flag] if value else []
    if option.many:
        return [part for item in value or () for part in (option.flag, str(item))]
    return [option.flag, str(value)] if value not in (None, "") else []
