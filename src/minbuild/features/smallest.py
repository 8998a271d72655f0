"""The smallest feature set a crate builds with under --no-default-features: the one it
requires if that builds, else the first single feature (its own `minimal-*` ones first) that
does, else its default features."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

SMALL_NAMES = ("minimal", "min-", "min_", "lite", "small", "tiny", "core", "basic")
"""Names crates give a feature meant to be their smallest useful build."""
MAX_TRIES = 6
"""cargo checks one search may run: each can compile dependencies anew."""

Check = Callable[[Sequence[str]], str | None]
"""A `cargo check --no-default-features --features ...`: None if it built, else its error."""


@dataclass(frozen=True)
class Search:
    """What was tried, and what builds."""

    chosen: tuple[str, ...]
    """The features to write (the default ones when nothing smaller built)."""
    tried: tuple[tuple[tuple[str, ...], str], ...]
    """Each set checked that did not build, with cargo's first error."""
    proved: bool
    """Whether `chosen` was checked and built (False: nothing smaller built, so the default
    features were written unchecked; the release build checks them)."""

    def lines(self) -> list[str]:
        """What a person should know: what failed, and what was chosen."""
        said = [
            f"--features {','.join(f) or '(none)'} does not build: {why}" for f, why in self.tried
        ]
        if self.tried and self.proved:
            said.append(f"minimal: {list(self.chosen)} builds; written")
        elif self.tried:
            said.append(
                f"nothing smaller built in {len(self.tried)} tries: minimal is the default "
                f"features {list(self.chosen)}"
            )
        return said


def candidates(features: Mapping[str, Sequence[str]], required: Sequence[str]) -> list[list[str]]:
    """Feature sets to try after `required` alone: `required` plus one feature each, the
    crate's smallest-sounding features first, then those that enable the fewest others."""
    names = [name for name in features if name != "default" and name not in required]

    def rank(name: str) -> tuple[int, int, str]:
        small = any(name.lower().startswith(prefix) for prefix in SMALL_NAMES)
        return (0 if small else 1, len(_closure(features, name)), name)

    return [sorted({*required, name}) for name in sorted(names, key=rank)]


def smallest(
    features: Mapping[str, Sequence[str]], required: Sequence[str], check: Check
) -> Search:
    """Check `required`, then the candidates, until one builds (at most MAX_TRIES checks)."""
    tried: list[tuple[tuple[str, ...], str]] = []
    for wanted in [sorted(required), *candidates(features, required)][:MAX_TRIES]:
        problem = check(wanted)
        if problem is None:
            return Search(tuple(wanted), tuple(tried), proved=True)
        tried.append((tuple(wanted), problem))
    default = sorted({*required, *features.get("default", ())})
    return Search(tuple(default), tuple(tried), proved=False)


def _closure(features: Mapping[str, Sequence[str]], name: str) -> set[str]:
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending += [f for f in features.get(current, ()) if f in features]
    return seen
