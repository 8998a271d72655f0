"""Auditing conditional compilation: where cfgs sit, what they name, which files pair up."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from minbuild.features.rustlex import Token, tokens
from minbuild.util.text import format_table

# Names rustc's check-cfg knows without being told (rustc 1.80+ well-known cfgs).
WELL_KNOWN = frozenset(
    {
        "clippy",
        "contract_checks",
        "debug_assertions",
        "doc",
        "doctest",
        "emscripten_wasm_eh",
        "fmt_debug",
        "miri",
        "overflow_checks",
        "panic",
        "proc_macro",
        "relocation_model",
        "rustfmt",
        "sanitize",
        "sanitizer_cfi_generalize_pointers",
        "sanitizer_cfi_normalize_integers",
        "target_abi",
        "target_arch",
        "target_endian",
        "target_env",
        "target_family",
        "target_feature",
        "target_has_atomic",
        "target_has_atomic_equal_alignment",
        "target_has_atomic_load_store",
        "target_os",
        "target_pointer_width",
        "target_thread_local",
        "target_vendor",
        "test",
        "ub_checks",
        "unix",
        "windows",
        "feature",
    }
)
_PREDICATES = frozenset({"all", "any", "not"})


@dataclass(frozen=True)
class Finding:
    """A name a cfg uses that the crate does not declare."""

    name: str
    file: str
    line: int


@dataclass
class FileAudit:
    """What one source file does with cfgs."""

    file: str
    cfg_attributes: int = 0
    cfg_macros: int = 0
    cfg_attr: int = 0
    cfg_if_blocks: int = 0
    use_sites: int = 0
    definitions: int = 0
    features: list[Finding] = field(default_factory=list)
    names: list[Finding] = field(default_factory=list)


def audit_source(source: str, file: str) -> FileAudit:
    """Count and classify every cfg in one Rust source file."""
    result = FileAudit(file)
    items = list(tokens(source))
    blocks: list[str] = []  # "fn" for function bodies, "other" for every other brace
    pending_fn = False
    for index, token in enumerate(items):
        text = token.text
        if token.kind == "ident" and text == "fn":
            pending_fn = True
        elif token.kind == "punct" and text == "{":
            blocks.append("fn" if pending_fn else "other")
            pending_fn = False
        elif token.kind == "punct" and text == "}":
            if blocks:
                blocks.pop()
            pending_fn = False
        elif token.kind == "punct" and text in ";,":
            pending_fn = False  # a declaration without a body, or a fn-pointer type
        elif token.kind == "punct" and text == "#":
            _attribute(items, index, result, inside_body="fn" in blocks)
        elif token.kind == "ident" and _is_macro(items, index, ("cfg",)):
            result.cfg_macros += 1
            _predicate(items, index + 2, result)
        elif token.kind == "ident" and _is_macro(items, index, ("cfg_if",)):
            # Its `if #[cfg(...)]` conditions are scanned as the attributes they expand to.
            result.cfg_if_blocks += 1
    return result


def _is_macro(items: Sequence[Token], index: int, names: tuple[str, ...]) -> bool:
    return (
        items[index].text in names
        and index + 2 < len(items)
        and items[index + 1].text == "!"
        and items[index + 2].text in "([{"
    )


def _attribute(items: Sequence[Token], index: int, result: FileAudit, *, inside_body: bool) -> None:
    """#[cfg(...)], #![cfg(...)] or #[cfg_attr(...)] starting at the `#`."""
    at = index + 1 + (index + 1 < len(items) and items[index + 1].text == "!")
    if at + 2 >= len(items) or items[at].text != "[":
        return
    name = items[at + 1].text
    if name == "cfg" and items[at + 2].text == "(":
        result.cfg_attributes += 1
        if inside_body:
            result.use_sites += 1
        else:
            result.definitions += 1
        _predicate(items, at + 2, result)
    elif name == "cfg_attr" and items[at + 2].text == "(":
        result.cfg_attr += 1
        _predicate(items, at + 2, result, first_only=True)


def _predicate(
    items: Sequence[Token], opening: int, result: FileAudit, *, first_only: bool = False
) -> int:
    """Record the cfg names and features in the parenthesised predicate at `opening`."""
    depth, index = 0, opening
    while index < len(items):
        token = items[index]
        if token.text in "([" and token.kind == "punct":
            depth += 1
        elif token.text in ")]" and token.kind == "punct":
            depth -= 1
            if depth == 0:
                return index
        elif first_only and depth == 1 and token.text == "," and token.kind == "punct":
            return index  # cfg_attr(predicate, attributes...): only the predicate is a cfg
        elif token.kind == "ident" and token.text not in _PREDICATES:
            _name(items, index, result)
        index += 1
    return index


def _name(items: Sequence[Token], index: int, result: FileAudit) -> None:
    token = items[index]
    previous = items[index - 1].text if index else ""
    if previous == "=":
        return  # the value side of `name = "value"` is a string; an ident here is not a name
    has_value = index + 2 < len(items) and items[index + 1].text == "="
    if token.text == "feature" and has_value and items[index + 2].kind == "string":
        result.features.append(Finding(items[index + 2].text, result.file, token.line))
    else:
        result.names.append(Finding(token.text, result.file, token.line))


@dataclass(frozen=True)
class Audit:
    """A crate's audit: per file, totals, undeclared features, unexpected names, pairs."""

    files: list[FileAudit]
    undeclared_features: list[Finding]
    unexpected_names: list[Finding]
    disabled_pairs: list[tuple[str, str]]

    def total(self, key: str) -> int:
        return sum(int(getattr(audit, key)) for audit in self.files)


def audit(
    sources: Mapping[str, str],
    declared: Mapping[str, Iterable[str]],
    extra_names: Iterable[str] = (),
) -> Audit:
    """Audit `sources` (file -> text); `declared` gives each file the features it may use."""
    files = [audit_source(text, name) for name, text in sorted(sources.items())]
    known = WELL_KNOWN | set(extra_names)
    undeclared = [
        f
        for audit in files
        for f in audit.features
        if f.name not in set(declared.get(audit.file, ()))
    ]
    unexpected = [f for audit in files for f in audit.names if f.name not in known]
    stems = {name.removesuffix(".rs") for name in sources if name.endswith(".rs")}
    pairs = [
        (f"{stem}.rs", f"{stem}_disabled.rs")
        for stem in sorted(stems)
        if f"{stem}_disabled" in stems
    ]
    return Audit(files, undeclared, unexpected, pairs)


COUNTS = ("cfg_attributes", "cfg_macros", "cfg_attr", "cfg_if_blocks", "use_sites", "definitions")


def render(result: Audit) -> str:
    headers = ["file", "#[cfg]", "cfg!", "cfg_attr", "cfg_if!", "use sites", "definitions"]
    rows = [
        [a.file, *(str(getattr(a, key)) for key in COUNTS)]
        for a in result.files
        if any(getattr(a, key) for key in COUNTS)
    ]
    rows.append(["total", *(str(result.total(key)) for key in COUNTS)])
    lines = [format_table(headers, rows, set(range(1, len(headers))))]
    for title, found in (
        ("features used in cfgs but not declared", result.undeclared_features),
        ("cfg names check-cfg would call unexpected", result.unexpected_names),
    ):
        lines += [
            "",
            f"{title}: {len(found) or 'none'}",
            *(f"  {f.file}:{f.line}: {f.name}" for f in found),
        ]
    lines += [
        "",
        f"foo.rs / foo_disabled.rs pairs: {len(result.disabled_pairs) or 'none'}",
        *(f"  {a} / {b}" for a, b in result.disabled_pairs),
    ]
    return "\n".join(lines) + "\n"


def to_json(result: Audit) -> str:
    data = {
        "schema": "minbuild.cfg-audit/1",
        "totals": {key: result.total(key) for key in COUNTS},
        "files": [asdict(a) for a in result.files],
        "undeclared_features": [asdict(f) for f in result.undeclared_features],
        "unexpected_names": [asdict(f) for f in result.unexpected_names],
        "disabled_pairs": [list(pair) for pair in result.disabled_pairs],
    }
    return json.dumps(data, indent=2) + "\n"


def read_sources(
    root: Path, packages: Mapping[Path, Iterable[str]]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Every .rs file under each package dir (nested packages excluded), with its features."""
    sources: dict[str, str] = {}
    declared: dict[str, list[str]] = {}
    dirs = sorted(packages, key=lambda p: len(p.parts), reverse=True)
    for path in sorted(root.rglob("*.rs")):
        if "target" in path.relative_to(root).parts:
            continue
        owner = next((d for d in dirs if path.is_relative_to(d)), None)
        if owner is None:
            continue
        name = str(path.relative_to(root))
        sources[name] = path.read_text(encoding="utf-8", errors="replace")
        declared[name] = list(packages[owner])
    return sources, declared
