"""Options declared once, nox style: an `Option` is attached to a field of a command's options
dataclass, and the argument parser (cli/parser.py), the invoke tasks and the reference page
are derived from the fields. A field without an `Option` is not a command-line option."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

_KEY = "minbuild.option"


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
