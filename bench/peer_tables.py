"""The comparisons of bench/peers.py: pure functions from two tools' answers to rows a reader
can check, and the reason behind every disagreement, read off the symbol itself."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

STD_CRATES = frozenset(
    {"std", "core", "alloc", "panic_abort", "panic_unwind", "compiler_builtins", "__rustc"}
)
FLAG_POINTS = 2.0
"""A disagreement over this many points of .text must be explained (issue 38)."""


@dataclass(frozen=True)
class Function:
    """One function as a tool names, sizes and attributes it."""

    name: str
    size: int
    crate: str


@dataclass(frozen=True)
class CrateRow:
    crate: str
    theirs: int
    ours: int
    points: float
    """(ours - theirs) in points of the code section."""

    @property
    def flagged(self) -> bool:
        return abs(self.points) > FLAG_POINTS


def crate_rows(theirs: Mapping[str, int], ours: Mapping[str, int], code: int) -> list[CrateRow]:
    """Each crate either tool names, largest first, with the difference in points of code."""
    names = sorted(set(theirs) | set(ours), key=lambda n: -max(theirs.get(n, 0), ours.get(n, 0)))
    return [
        CrateRow(
            n, theirs.get(n, 0), ours.get(n, 0), 100 * (ours.get(n, 0) - theirs.get(n, 0)) / code
        )
        for n in names
    ]


@dataclass(frozen=True)
class Disagreement:
    """Bytes one rule of the two tools counts under different crates."""

    reason: str
    ours: str
    theirs: str
    size: int
    count: int
    example: str


@dataclass(frozen=True)
class SymbolJoin:
    matched: int
    """Functions both name with the same size."""
    only_ours: tuple[Function, ...]
    only_theirs: tuple[Function, ...]
    disagreements: tuple[Disagreement, ...]


REASONS = {
    "instance": "a generic function of {ours} instantiated by {theirs}: cargo-bloat finds the "
    "symbol in {theirs}'s rlib and counts it there; minbuild counts the crate whose code it is",
    "blanket": "a blanket impl of core for a reference, `<&T as Trait>`, around T's own method: "
    "cargo-bloat takes the crate of the impl block (core), minbuild the crate of T",
    "impl-crate": "an impl written in {theirs} for a type of {ours}: cargo-bloat takes the "
    "impl block's crate, minbuild the type's",
    "shim": "rustc's allocator shims: cargo-bloat shows their v0 path `__rustc`, minbuild "
    "counts them as std",
    "unmangled": "a symbol with no Rust path (`main`, `_start`, C code): cargo-bloat "
    "[Unknown], minbuild [unmangled]",
    "other": "the name's own crate is {theirs}, and minbuild counts it under {ours}: "
    "no rule explains it",
}


def reason(function: Function, theirs: str) -> str:
    """Which rule makes the two tools count one function under different crates."""
    if function.name.startswith("__rustc::"):
        return "shim"
    if function.crate.startswith("[") or theirs in ("", "[Unknown]"):
        return "unmangled"
    if function.name.startswith("<&") and " as core::" in function.name and theirs == "core":
        return "blanket"
    if function.name.startswith("<") and f" as {theirs}::" in function.name:
        return "impl-crate"
    if function.name.lstrip("<&").startswith(f"{theirs}::"):
        return "other"  # the name's own first crate is cargo-bloat's: no rule explains it
    return "instance"


def join_symbols(ours: Sequence[Function], theirs: Sequence[Function]) -> SymbolJoin:
    """Match functions by name and size (a name may repeat: one per copy), and group the
    matched ones whose crates differ by the rule that parts them."""
    waiting: dict[tuple[str, int], list[Function]] = defaultdict(list)
    for function in theirs:
        waiting[(function.name, function.size)].append(function)
    only_ours: list[Function] = []
    groups: dict[tuple[str, str, str], list[Function]] = defaultdict(list)
    matched = 0
    for function in ours:
        pending = waiting.get((function.name, function.size))
        if not pending:
            only_ours.append(function)
            continue
        other = pending.pop()
        matched += 1
        if other.crate != function.crate:
            groups[(reason(function, other.crate), function.crate, other.crate)].append(function)
    disagreements = [
        Disagreement(
            key[0],
            key[1],
            key[2],
            sum(f.size for f in found),
            len(found),
            max(found, key=lambda f: f.size).name,
        )
        for key, found in groups.items()
    ]
    disagreements.sort(key=lambda d: -d.size)
    left = tuple(f for pending in waiting.values() for f in pending)
    return SymbolJoin(matched, tuple(only_ours), left, tuple(disagreements))


def by_crate(functions: Iterable[Function]) -> Counter[str]:
    sizes: Counter[str] = Counter()
    for function in functions:
        sizes[function.crate] += function.size
    return sizes


def by_name(functions: Iterable[Function]) -> Counter[str]:
    sizes: Counter[str] = Counter()
    for function in functions:
        sizes[function.name] += function.size
    return sizes


def moved(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    """What changed between two tallies, as after - before (absent counts 0)."""
    return {n: after[n] - before[n] for n in set(before) | set(after) if after[n] != before[n]}


_HACK_LINE = re.compile(r"cargo \S+ .*?(--no-default-features)?(?: --features (\S+))?$")


def hack_combinations(command_list: str) -> set[frozenset[str]]:
    """cargo-hack's `--print-command-list` lines as sets of features; `default` stands for
    cargo's defaults, as when cargo-hack leaves out --no-default-features."""
    found: set[frozenset[str]] = set()
    for line in command_list.splitlines():
        words = line.split()
        if len(words) < 2 or words[0] != "cargo":
            continue
        features = set()
        if "--features" in words:
            features = set(words[words.index("--features") + 1].split(","))
        if "--no-default-features" not in words:
            features.add("default")
        found.add(frozenset(features))
    return found


def featureless(combinations: set[frozenset[str]]) -> set[frozenset[str]]:
    """For a crate that declares no features, cargo's defaults are nothing: cargo-hack then
    runs one plain `cargo check` (read as `default`), feature-matrix one `(none)`."""
    return {frozenset() if c == {"default"} else c for c in combinations}


def matrix_combinations(dry_run: str) -> set[frozenset[str]]:
    """`minbuild feature-matrix --dry-run` lines (`(none)`, `a,b`, `default`) as sets."""
    found: set[frozenset[str]] = set()
    for line in dry_run.splitlines():
        text = line.strip()
        if not text or text.startswith(("#", "minbuild")):
            continue
        found.add(frozenset() if text == "(none)" else frozenset(text.split(",")))
    return found


def llvm_sections(printed: str) -> dict[str, int]:
    """llvm-size -A's table: section name -> size."""
    found: dict[str, int] = {}
    for line in printed.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] != "section" and words[1].isdigit():
            found[words[0]] = int(words[1])
    return found


def spread(seconds: Sequence[float]) -> float:
    """The slowest shard's time over the mean: 1.0 is an even split."""
    return max(seconds) / (sum(seconds) / len(seconds)) if seconds and sum(seconds) else 0.0


def points(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "—"


def leb128_length(value: int) -> int:
    """Bytes an unsigned LEB128 number takes: 7 bits a byte."""
    return max(1, (value.bit_length() + 6) // 7)


def twiggy_overhead(twiggy: int, ours: int) -> int:
    """What twiggy's shallow size of a function adds to minbuild's (the code body's bytes):
    0 when it is exactly the body's length prefix plus the function section's one-byte type
    index; else the unexplained remainder."""
    return twiggy - ours - leb128_length(ours) - 1
