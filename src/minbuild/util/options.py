"""Options declared once, nox style: an `Option` is attached to a field of a command's options
dataclass, and the argument parser, the CLI's mapping and the invoke tasks are derived from the
fields. A field without an `Option` is not a command-line option."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

_KEY = "minbuild.option"
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Option:
    """One command-line option: its flag, how its text is read, and its help."""

    flag: str
    """The flag, with its dashes."""
    help: str
    """What it does and its default, as `--help` and `invoke --help TASK` print it."""
    metavar: str | None = None
    """The value's placeholder in help (default: the flag's name in capitals)."""
    parse: Callable[[str], Any] = str
    """Turns one value's text into the field's value (an argparse `type`)."""
    switch: bool = False
    """A flag without a value: present means true."""
    many: bool = False
    """The field is a tuple: the flag repeats, and each value may be a comma-separated list."""
    plural: str | None = None
    """With `many`: a second spelling of the same option (--stage a --stage b = --stages a,b)."""
    choices: tuple[str, ...] = ()
    """The only values allowed, if any."""
    short: str | None = None
    """A one-letter spelling, e.g. "-v"."""
    positional: bool = False
    """Given without a flag (`flag` is then its name in help, e.g. RUN); with `many`, one or
    more of them."""
    default: Any = None
    """The field's value when the option is not given (a list option: empty; a switch: off)."""

    def __call__(self, **changes: Any) -> Any:
        """A dataclass field that takes this option; `changes` (help, choices, a default of
        its own) fit it to one command."""
        option = dataclasses.replace(self, **changes)
        default = option.default
        if option.many and default is None:
            default = ()
        if option.switch and default is None:
            default = False
        return dataclasses.field(default=default, metadata={_KEY: option})


def declared(cls: type[Any]) -> Iterator[tuple[str, Option, Any]]:
    """Each option of an options dataclass: its field name, declaration and default."""
    for field in dataclasses.fields(cls):
        option = field.metadata.get(_KEY)
        if option is not None:
            yield field.name, option, field.default


def add_arguments(
    parser: argparse.ArgumentParser, classes: Iterable[type[Any]], leave_out: Iterable[str] = ()
) -> None:
    """Add every option of `classes` to `parser` but those named in `leave_out`; a field two
    classes share is added once."""
    seen = set(leave_out)
    for cls in classes:
        for name, option, _ in declared(cls):
            if name in seen:
                continue
            seen.add(name)
            common: dict[str, Any] = {"dest": name, "help": option.help}
            if option.positional:
                parser.add_argument(
                    name,
                    metavar=option.flag,
                    type=option.parse,
                    nargs="+" if option.many else None,
                    help=option.help,
                )
                continue
            if option.switch:
                flags = [option.short] if option.short else []
                parser.add_argument(*flags, option.flag, action="store_true", **common)
                continue
            common["metavar"] = option.metavar
            if option.choices:
                common["choices"] = option.choices
            if option.many:
                listed = _comma_list(option.parse)
                flags = [option.flag, *([option.plural] if option.plural else [])]
                for flag in flags:
                    parser.add_argument(flag, type=listed, action="extend", default=[], **common)
                    common["help"] = f"the same as {option.flag}"
                    common["metavar"] = f"{option.metavar},..." if option.metavar else None
                continue
            # None means "not given": `build` then leaves the field to its dataclass default,
            # and the CLI can still tell a given --config from none (it looks for a project).
            parser.add_argument(option.flag, type=option.parse, default=None, **common)


def _comma_list(parse: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    def values(text: str) -> list[Any]:
        return [parse(part) for part in text.split(",") if part]

    return values


def build(cls: type[T], values: Mapping[str, Any], **given: Any) -> T:
    """An options object from parsed values (lists become tuples); `given` fills the fields
    that are not command-line options."""
    chosen = {
        name: tuple(values[name]) if option.many else values[name]
        for name, option, _ in declared(cls)
        if values.get(name) is not None
    }
    return cls(**chosen, **given)


def whole_number(minimum: int, maximum: int) -> Callable[[str], int]:
    """A `parse` for whole numbers from `minimum` to `maximum`: every number a person can pass
    has a range, so none costs more than the work it names (10**5 lanes would plan for ever)."""

    def parsed(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from {minimum} to {maximum}, got {value}")
        return value

    return parsed
