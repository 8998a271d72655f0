"""invoke tasks derived from the commands' declarations: a task's arguments, their spellings
(--stage and --stages, -v), their help and their defaults are the command's own options, so they
cannot drift from the CLI's."""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from invoke.exceptions import Exit
from invoke.tasks import Task

from minbuild.cli.main import main
from minbuild.cli.parser import Common
from minbuild.commands.option import Option, declared
from minbuild.commands.registry import BY_NAME, Command


class DeclaredTask(Task[Callable[..., None]]):
    """A task whose arguments are spelled as the declared options: invoke's own naming (one
    spelling, a short flag made up from the first free letter) would differ from the CLI's."""

    def __init__(self, body: Callable[..., None], options: Mapping[str, Option], **kwargs: Any):
        self.options = dict(options)
        """Each of the body's parameters that is an option, and its declaration."""
        super().__init__(body, auto_shortflags=False, **kwargs)

    def arg_opts(self, name: str, default: str, taken_names: set[str]) -> dict[str, Any]:
        opts = super().arg_opts(name, default, taken_names)
        option = self.options.get(name)
        if option is not None:
            opts["names"] += [flag.lstrip("-") for flag in (option.plural, option.short) if flag]
        return opts


def task(
    command: str,
    *,
    name: str | None = None,
    only: Collection[str] | None = None,
    fixed: Sequence[str] = (),
    doc: str | None = None,
) -> DeclaredTask:
    """An invoke task that runs `minbuild COMMAND [FIXED...]` with the options it is given;
    `only` keeps just these options (field names) of the command's."""
    spec = BY_NAME[command]
    options = {_parameter(option): option for option in _options(spec, only).values()}

    def body(context: object, **values: Any) -> None:
        args: list[str] = []
        for parameter, option in options.items():
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
                for parameter, option in options.items()
            ),
        ]
    )
    return DeclaredTask(
        body,
        options,
        name=name or command,
        help={parameter: option.help for parameter, option in options.items()},
        iterable=[parameter for parameter, option in options.items() if option.many],
    )


def _options(spec: Command[Any, Any], only: Collection[str] | None) -> dict[str, Option]:
    found: dict[str, Option] = {}
    for cls in (Common, spec.options):
        for field, option, _ in declared(cls):
            if field not in spec.leave_out and (only is None or field in only):
                found.setdefault(field, option)
    return found


def _parameter(option: Option) -> str:
    """The body's parameter for an option: its flag's name (`--from` → `from_`; invoke strips
    the underscore again, so the task's flag is the CLI's)."""
    name = option.flag.removeprefix("--").replace("-", "_").lower()
    return f"{name}_" if keyword.iskeyword(name) else name


def _arguments(option: Option, value: Any) -> list[str]:
    if option.positional:
        return [str(item) for item in (value or ())] if option.many else [str(value)]
    if option.switch:
        return [option.flag] if value else []
    if option.many:
        return [part for item in value or () for part in (option.flag, str(item))]
    return [option.flag, str(value)] if value not in (None, "") else []
