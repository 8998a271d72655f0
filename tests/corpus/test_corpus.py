"""A corpus of hostile and broken inputs, as data (cases.yaml), each run as a user would.

Every case gets its own sandbox:

    tmp_path/sandbox/case/              the scratch dir: the case's files, the command's cwd
    tmp_path/sandbox/outside/victim/    a file minbuild must never touch

and runs `python -m minbuild ARGV` there. Whatever the input, minbuild must exit with the
case's code, never print a traceback, print at most one `minbuild: error:` line (exactly one,
matching the case's `message`, unless the case expects none), keep that line short and its whole
output small, and leave everything outside `case/` exactly as it was.

See the header of cases.yaml for the format of a case.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, run_minbuild

CASES_FILE = Path(__file__).with_name("cases.yaml")
HELLO = REPO / "tests" / "crates" / "hello"
HELLO_FILES = ("Cargo.toml", "Cargo.lock", "src/main.rs")

# Each family and the fewest cases it must have.
FAMILIES: Mapping[str, int] = {
    "path-escape": 0,
    "names": 0,
    "types": 12,
    "duplicates": 4,
    "ranges": 8,
    "limits": 4,
    "misattributed": 6,
    "runs": 8,
    "cli": 6,
    "world": 5,
}
PATH_ESCAPE_AND_NAMES = 10  # path-escape and names together
TOTAL = 70

TIMEOUT = 120.0
ERROR_PREFIX = "minbuild: error:"
MAX_ERROR_LINE = 400
MAX_OUTPUT = 64 * 1024
VICTIM_TEXT = "minbuild must never touch this file\n"
OUTSIDE = b"@OUTSIDE@"
CASE_KEYS = frozenset(
    {
        "name",
        "family",
        "files",
        "argv",
        "exit",
        "message",
        "hello",
        "marks",
        "max_seconds",
        "skipped",
        "run_document",
        "path_without",
        "note",
    }
)
RUN_DOCUMENT_CHECKS = frozenset(
    {"stages", "tests", "interrupted", "git_commit", "max_bytes", "complete"}
)
KNOWN_MARKS = frozenset({"cargo"})
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Case:
    """One hostile input and what minbuild must do with it."""

    name: str
    """Unique, kebab-case: the test's id."""
    family: str
    """Which kind of hostility (see FAMILIES)."""
    files: Mapping[str, Any]
    """Path inside the scratch dir -> content (text, or a generator mapping)."""
    argv: tuple[str, ...]
    """Arguments after `python -m minbuild`."""
    exit: int
    """The exit code minbuild must return."""
    messages: tuple[str, ...] | None
    """Regexes the one `minbuild: error:` line must match (re.search); None: no such line."""
    hello: bool
    """Copy tests/crates/hello's Cargo.toml, Cargo.lock and src/ into the scratch dir first."""
    cargo: bool
    """The case runs a real cargo build (marked `cargo`)."""
    max_seconds: float | None
    """The command must finish within this many seconds."""
    skipped: tuple[str, ...] | None
    """Files that must each be named by exactly one `skipped` line on stderr."""
    run_document: Mapping[str, Any] | None
    """Checks on the one run document the command leaves in .minbuild/runs/."""
    path_without: tuple[str, ...]
    """Run with a PATH that has every program of ours except these."""


def load_corpus() -> tuple[Mapping[str, Any], list[Case]]:
    data = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{CASES_FILE}: expected a mapping"
    templates = data.get("templates", {})
    assert isinstance(templates, dict)
    raw = data["cases"]
    assert isinstance(raw, list)
    return templates, [parse_case(item) for item in raw]


def parse_case(item: Any) -> Case:
    assert isinstance(item, dict), f"a case must be a mapping, got {item!r}"
    name = item.get("name")
    assert isinstance(name, str) and NAME.match(name), f"bad case name {name!r}"
    unknown = set(item) - CASE_KEYS
    assert not unknown, f"{name}: unknown keys {sorted(unknown)}"
    family = item.get("family")
    assert isinstance(family, str) and family in FAMILIES, f"{name}: unknown family {family!r}"
    files = item.get("files", {})
    assert isinstance(files, dict), f"{name}: files must be a mapping"
    for relative in files:
        path = Path(relative)
        assert not path.is_absolute() and ".." not in path.parts, f"{name}: file {relative!r}"
    argv = item.get("argv")
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), f"{name}: argv"
    code = item.get("exit")
    assert isinstance(code, int) and not isinstance(code, bool), f"{name}: exit"
    message = item.get("message")
    messages = (message,) if isinstance(message, str) else message
    if messages is not None:
        assert isinstance(messages, list | tuple) and messages, f"{name}: message"
        for pattern in messages:
            assert isinstance(pattern, str), f"{name}: message {pattern!r}"
            re.compile(pattern)
        messages = tuple(messages)
    marks = item.get("marks", [])
    assert isinstance(marks, list) and set(marks) <= KNOWN_MARKS, f"{name}: marks {marks!r}"
    skipped = item.get("skipped")
    assert skipped is None or isinstance(skipped, list), f"{name}: skipped"
    run_document = item.get("run_document")
    if run_document is not None:
        assert isinstance(run_document, dict), f"{name}: run_document"
        assert set(run_document) <= RUN_DOCUMENT_CHECKS, f"{name}: run_document keys"
    max_seconds = item.get("max_seconds")
    assert max_seconds is None or isinstance(max_seconds, int | float), f"{name}: max_seconds"
    return Case(
        name=name,
        family=family,
        files=files,
        argv=tuple(argv),
        exit=code,
        messages=messages,
        hello=bool(item.get("hello", True)),
        cargo="cargo" in marks,
        max_seconds=None if max_seconds is None else float(max_seconds),
        skipped=None if skipped is None else tuple(str(s) for s in skipped),
        run_document=run_document,
        path_without=tuple(item.get("path_without", ())),
    )


TEMPLATES, CASES = load_corpus()


def test_the_corpus_is_well_formed() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CASES) >= TOTAL
    counts = {family: sum(c.family == family for c in CASES) for family in FAMILIES}
    for family, least in FAMILIES.items():
        assert counts[family] >= least, f"{family}: {counts[family]} cases, want {least}"
    assert counts["path-escape"] + counts["names"] >= PATH_ESCAPE_AND_NAMES
    # the two state-dir links (sequence, runs) stop at the first write after a toolchain check
    assert sum(case.cargo for case in CASES) <= 8, "keep real cargo builds few"
    for case in CASES:
        for relative, spec in case.files.items():
            render(spec, relative)  # every generator is known and well formed


# --- generating the case's files --------------------------------------------------------------


def render(spec: Any, relative: str = "") -> bytes | str:
    """A file's bytes; or "dir" / "fifo" / "symlink:TARGET" for a directory, a named pipe or
    a symbolic link."""
    if isinstance(spec, str):
        return spec.encode("utf-8")
    assert isinstance(spec, dict) and len(spec) >= 1, f"bad file spec {spec!r}"
    if spec.get("dir"):
        return "dir"
    if spec.get("fifo"):
        return "fifo"
    if "symlink" in spec:
        return f"symlink:{spec['symlink']}"
    if "parts" in spec:
        return b"".join(_part(part, relative) for part in spec["parts"])
    return _part(spec, relative)


def _part(part: Any, relative: str) -> bytes:
    if isinstance(part, str):
        return part.encode("utf-8")
    assert isinstance(part, dict), f"bad part {part!r}"
    if "text" in part:
        return str(part["text"]).encode("utf-8")
    if "base64" in part:
        return base64.b64decode(str(part["base64"]))
    if "repeat" in part:
        return str(part["repeat"]).encode("utf-8") * int(part["count"])
    if "random" in part:
        return random.Random(int(part.get("seed", 0))).randbytes(int(part["random"]))
    if "alias_bomb" in part:
        return alias_bomb(int(part["alias_bomb"]["levels"]), int(part["alias_bomb"]["width"]))
    if "run_document" in part:
        return run_document(part["run_document"], Path(relative).stem)
    raise AssertionError(f"unknown file generator {sorted(part)}")


def alias_bomb(levels: int, width: int) -> bytes:
    """`lol0: &lol0 [x, x, ...]`, `lol1: &lol1 [*lol0, *lol0, ...]`, ...: width**levels leaves."""
    lines = [f"lol0: &lol0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels):
        items = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{items}]")
    return ("\n".join(lines) + "\n").encode("utf-8")


def run_document(spec: Any, run_id: str) -> bytes:
    """The template run document (cases.yaml `templates.run_document`), its run_id the file's
    name, with changes: `set: {dotted.path: value}` and `delete: [dotted.path]`."""
    assert isinstance(spec, dict)
    document = json.loads(json.dumps(TEMPLATES["run_document"]))
    document["run_id"] = run_id
    for path, value in (spec.get("set") or {}).items():
        parent, key = _walk(document, str(path))
        parent[key] = value
    for path in spec.get("delete") or []:
        parent, key = _walk(document, str(path))
        del parent[key]
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _walk(document: Any, dotted: str) -> tuple[Any, Any]:
    *steps, last = dotted.split(".")
    node = document
    for step in steps:
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node, int(last) if isinstance(node, list) else last


def materialize(case: Case, case_dir: Path, outside: Path) -> None:
    """Write the case's files into its scratch dir, "@OUTSIDE@" replaced by `outside`."""
    if case.hello:
        for relative in HELLO_FILES:
            target = case_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HELLO / relative, target)
    for relative, spec in case.files.items():
        target = case_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        content = render(spec, relative)
        if content == "dir":
            target.mkdir(exist_ok=True)
        elif content == "fifo":
            os.mkfifo(target)
        elif isinstance(content, str) and content.startswith("symlink:"):
            link = content.removeprefix("symlink:").replace(OUTSIDE.decode(), str(outside))
            target.symlink_to(link)
        else:
            assert isinstance(content, bytes)
            target.write_bytes(content.replace(OUTSIDE, bytes(outside)))


# --- the sandbox and its snapshot -------------------------------------------------------------

Entry = tuple[str, int, int, str]


def snapshot(root: Path, skip: Path) -> dict[str, Entry]:
    """(kind, size, mtime in ns, sha256 or link target) of everything under root but skip."""
    found: dict[str, Entry] = {}
    for directory, dirs, files in os.walk(root, followlinks=False):
        here = Path(directory)
        dirs[:] = sorted(d for d in dirs if here / d != skip)
        for name in [*dirs, *sorted(files)]:
            path = here / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                kind, detail = "link", str(path.readlink())
            elif stat.S_ISREG(info.st_mode):
                kind, detail = "file", hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISDIR(info.st_mode):
                kind, detail = "dir", ""
            else:
                kind, detail = "other", ""
            found[str(path.relative_to(root))] = (kind, info.st_size, info.st_mtime_ns, detail)
    info = root.lstat()
    found["."] = ("dir", info.st_size, info.st_mtime_ns, "")
    return found


def path_without(programs: Sequence[str], farm: Path) -> str:
    """A PATH of one directory that links every program on our PATH (first one wins), except
    `programs`: a machine where those are not installed."""
    farm.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or not Path(directory).is_dir():
            continue
        for entry in sorted(Path(directory).iterdir()):
            link = farm / entry.name
            if entry.name in programs or link.exists() or link.is_symlink():
                continue
            if entry.is_file() and os.access(entry, os.X_OK):
                link.symlink_to(entry)
    return str(farm)


# --- checks after the run ---------------------------------------------------------------------


def check_run_document(case: Case, case_dir: Path) -> None:
    wanted = case.run_document
    assert wanted is not None
    documents = sorted((case_dir / ".minbuild" / "runs").glob("*.json"))
    assert len(documents) == 1, f"expected one run document, found {documents}"
    path = documents[0]
    size = path.stat().st_size
    if "max_bytes" in wanted:
        assert size <= int(wanted["max_bytes"]), f"{path.name}: {size:,} bytes"
    document = json.loads(path.read_text(encoding="utf-8"))
    stages = document["stages"]
    if "stages" in wanted:
        assert [stage["name"] for stage in stages] == wanted["stages"]
    for test_name, status in (wanted.get("tests") or {}).items():
        for stage in stages:
            found = [t["status"] for t in stage["tests"] if t["name"] == test_name]
            assert found == [status], f"stage {stage['name']}: test {test_name}: {found}"
    for key in ("interrupted", "complete"):
        if key in wanted:
            assert document[key] == wanted[key], f"{key}: {document[key]!r}"
    if "git_commit" in wanted:
        assert document["crate"]["git_commit"] == wanted["git_commit"]


def check_skipped(case: Case, stderr: str) -> None:
    assert case.skipped is not None
    lines = [line for line in stderr.splitlines() if "skipped" in line]
    assert len(lines) == len(case.skipped), f"`skipped` lines: {lines}"
    for name in case.skipped:
        naming = [line for line in lines if name in line]
        assert len(naming) == 1, f"{name}: named by {len(naming)} `skipped` lines: {lines}"


def test_the_snapshot_sees_every_change_outside_the_case_dir(tmp_path: Path) -> None:
    case_dir, victim = tmp_path / "case", tmp_path / "outside" / "victim"
    case_dir.mkdir()
    victim.mkdir(parents=True)
    secret = victim / "secret.txt"
    secret.write_text(VICTIM_TEXT, encoding="utf-8")
    before = snapshot(tmp_path, case_dir)
    (case_dir / "inside.txt").write_text("fine", encoding="utf-8")
    (case_dir / "sub").mkdir()
    assert snapshot(tmp_path, case_dir) == before, "the case dir is not watched"
    changes: list[Callable[[], object]] = [
        lambda: secret.write_text(VICTIM_TEXT.upper(), encoding="utf-8"),  # same size
        lambda: os.utime(secret, ns=(0, 0)),
        lambda: (victim / "new").write_text("", encoding="utf-8"),
        lambda: (tmp_path / "victim").mkdir(),
        lambda: (victim / "link").symlink_to("/etc/passwd"),
    ]
    for change in changes:
        change()
        after = snapshot(tmp_path, case_dir)
        assert after != before
        before = after


# --- the test ---------------------------------------------------------------------------------


def _param(case: Case) -> Any:
    # pytest.param cannot carry usefixtures: the mark brings the `cargo` fixture instead
    marks = [pytest.mark.cargo] if case.cargo else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    sandbox = tmp_path / "sandbox"
    case_dir = sandbox / "case"
    victim = sandbox / "outside" / "victim"
    case_dir.mkdir(parents=True)
    victim.mkdir(parents=True)
    (victim / "secret.txt").write_text(VICTIM_TEXT, encoding="utf-8")
    materialize(case, case_dir, victim.parent)
    before = snapshot(sandbox, case_dir)

    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    if case.path_without:
        env["PATH"] = path_without(case.path_without, tmp_path / "path")
    argv = [arg.replace(OUTSIDE.decode(), str(victim.parent)) for arg in case.argv]
    timeout = TIMEOUT if case.max_seconds is None else min(TIMEOUT, case.max_seconds + 10)
    started = time.monotonic()
    try:
        result = run_minbuild(*argv, cwd=case_dir, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as expired:
        tail = (expired.stderr or b"")[-2000:].decode("utf-8", errors="replace")
        pytest.fail(f"still running after {timeout:g}s, killed\n--- stderr (tail) ---\n{tail}")
    seconds = time.monotonic() - started
    stderr = result.stderr

    problems = []
    if "Traceback" in stderr:
        problems.append("a traceback on stderr")
    if result.returncode != case.exit:
        problems.append(f"exit {result.returncode}, expected {case.exit}")
    errors = [line for line in stderr.splitlines() if line.startswith(ERROR_PREFIX)]
    if case.messages is None:
        if errors:
            problems.append(f"expected no `{ERROR_PREFIX}` line, got {len(errors)}")
    elif len(errors) != 1:
        problems.append(f"expected one `{ERROR_PREFIX}` line, got {len(errors)}")
    else:
        line = errors[0]
        if len(line) > MAX_ERROR_LINE:
            problems.append(f"the error line has {len(line)} characters (> {MAX_ERROR_LINE})")
        missed = [pattern for pattern in case.messages if not re.search(pattern, line)]
        if missed:
            problems.append(f"{' and '.join(f'/{p}/' for p in missed)} not in: {line!r}")
    size = len(result.stdout.encode()) + len(result.stderr.encode())
    if size >= MAX_OUTPUT:
        problems.append(f"{size:,} bytes of output (>= {MAX_OUTPUT:,})")
    if case.max_seconds is not None and seconds >= case.max_seconds:
        problems.append(f"took {seconds:.1f}s (>= {case.max_seconds:g}s)")
    after = snapshot(sandbox, case_dir)
    if after != before:
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        problems.append(f"changed outside the case dir: {changed[:10]}")
    tail = "\n".join(stderr[-2000:].splitlines()[-12:])
    if problems:
        pytest.fail("; ".join(problems) + f"\n--- stderr (tail) ---\n{tail}", pytrace=False)
    if case.skipped is not None:
        check_skipped(case, stderr)
    if case.run_document is not None:
        check_run_document(case, case_dir)
