"""The one place minbuild starts a process: logged, time-limited, never through a shell."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shlex
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from minbuild.util import files, leftovers, waits
from minbuild.util.errors import CommandFailed, CommandTimedOut, ToolMissingError
from minbuild.util.text import shorten

log = logging.getLogger("minbuild.util.command")

TAIL_LINES = 20
TAIL_LINE_CHARS = 300
"""A line longer than this is cut in a tail: one 10 MB line must not become the tail."""


@dataclass(frozen=True)
class Completed:
    """What a finished process left behind."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    left: tuple[str, ...] = ()
    """What it left running once it ended (with a `reap` token), each ended since."""

    def tail(self, lines: int = TAIL_LINES) -> str:
        return output_tail(self.stdout, self.stderr, lines)

    def first_error(self) -> str | None:
        """The first line of standard error that cargo or rustc starts with `error`."""
        return next((ln.strip() for ln in self.stderr.splitlines() if ln.startswith("error")), None)


class Runner(Protocol):
    """Something that runs a process the way `run` does: `run` itself, or in tests a fake
    that returns recorded output."""

    def __call__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float | None = None,
        check: bool = True,
        log_file: Path | None = None,
        stdin: str | None = None,
        reap: bool | str = False,
        on_line: Callable[[str], None] | None = None,
    ) -> Completed: ...


def output_tail(stdout: str, stderr: str, lines: int = TAIL_LINES) -> str:
    """The last lines of a process's output, stdout first, as a person would read them;
    bounded in bytes too (each line cut to TAIL_LINE_CHARS)."""
    combined = [*_last_lines(stdout, lines), *_last_lines(stderr, lines)]
    return "\n".join(shorten(line, TAIL_LINE_CHARS) for line in combined[-lines:])


def _last_lines(text: str, count: int) -> list[str]:
    # rsplit from the end: a huge output is not split into millions of lines to keep 20.
    return text.rstrip("\n").rsplit("\n", count)[-count:] if text else []


def shell_line(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """A line a person can paste into a POSIX shell to run the same thing."""
    assignments = [f"{key}={shlex.quote(value)}" for key, value in sorted((env or {}).items())]
    return " ".join([*assignments, shlex.join(argv)])


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    check: bool = True,
    log_file: Path | None = None,
    stdin: str | None = None,
    reap: bool | str = False,
    on_line: Callable[[str], None] | None = None,
) -> Completed:
    """Run argv with `env` layered over ours (and `stdin` as its input); raise CommandFailed
    (with the tail) if check fails. `reap`: once it exits, kill what it left running in its
    process group (a test's child that holds its output pipe open would keep us waiting);
    a token (leftovers.new_token) also marks its environment, so that what left the group
    (setsid, a double fork) is found, ended and named in `Completed.left`.
    `on_line`: each line of standard output as it comes (cargo's messages, for progress),
    and cargo's WAITING_FOR_LOCK lines from standard error."""
    argv = [str(arg) for arg in argv]
    changes = dict(env or {})
    if isinstance(reap, str):
        changes[leftovers.VARIABLE] = reap
    log.info("$ %s%s", shell_line(argv, changes), f"  (in {cwd})" if cwd else "")
    started = time.monotonic()
    left: list[leftovers.Leftover] = []
    stdout, stderr, returncode = _spawn(
        argv, {**os.environ, **changes}, cwd, timeout, stdin, reap=reap, on_line=on_line, left=left
    )
    result = Completed(
        tuple(argv),
        returncode,
        stdout,
        stderr,
        time.monotonic() - started,
        tuple(map(str, left)),
    )
    if log_file is not None:
        _write_log(log_file, result, changes)
    if returncode == _TIMED_OUT:
        raise CommandTimedOut(argv, timeout or 0, result.tail(), stdout)
    if check and returncode != 0:
        raise CommandFailed(argv, returncode, result.tail())
    return result


_TIMED_OUT = -(2**31)
# Processes started by any thread, so an interrupt in one thread can stop them all; once it
# has, no thread may start another (a lane between two commands of a build would, else).
_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPED = threading.Event()


def _input_file(text: str) -> IO[bytes]:
    """`text` in an unnamed temporary file, at its start: a child's standard input."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the child reads it; closed with the run
    handle.write(text.encode("utf-8", errors="replace"))
    handle.seek(0)
    return handle


def _spawn(
    argv: list[str],
    env: dict[str, str],
    cwd: Path | None,
    timeout: float | None,
    stdin: str | None = None,
    *,
    reap: bool | str = False,
    on_line: Callable[[str], None] | None = None,
    left: list[leftovers.Leftover] | None = None,
) -> tuple[str, str, int]:
    # The input is read from a file, not written to a pipe: communicate() writes a pipe 512
    # bytes at a time, and demangling wasmtime's 469,449 names (70 MB) took minutes that way.
    source = subprocess.DEVNULL if stdin is None else _input_file(stdin)
    # A new session puts the child and everything it starts in one process group, so a
    # timeout or Ctrl-C can kill a hanging test binary together with its children.
    try:
        process = subprocess.Popen(  # noqa: S603 - argv list, never a shell
            argv,
            env=env,
            cwd=cwd,
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError as error:
        if cwd is not None and not cwd.is_dir():
            raise ToolMissingError(f"working directory {cwd} does not exist") from error
        raise ToolMissingError(f"{argv[0]}: command not found (is it installed?)") from error
    except OSError as error:  # not executable, a directory, a bad interpreter line
        raise ToolMissingError(f"{argv[0]}: cannot run it: {error.strerror}") from error
    finally:
        if not isinstance(source, int):
            source.close()  # the child has its own descriptor of the unnamed file
    with _RUNNING_LOCK:
        _RUNNING.add(process)
        stopped = _STOPPED.is_set()
    if stopped:  # started in the instant after kill_all: it must not outlive the run
        _discard(process)
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
        raise KeyboardInterrupt(f"stopping: {argv[0]} not run")
    reaper = threading.Thread(target=_reap, args=(process, reap, left), daemon=True)
    if reap:
        reaper.start()
    talk = (
        functools.partial(waits.communicate, process, None)
        if on_line is None
        else _streaming(process, on_line)
    )
    try:
        stdout, stderr = talk(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = talk()
        return stdout, stderr, _TIMED_OUT
    except BaseException:
        _discard(process)
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
        if reaper.is_alive():
            waits.join(reaper)  # what it ended is named in the result
    return stdout, stderr, process.returncode


WAITING_FOR_LOCK = "Blocking waiting for file lock"
"""cargo's line on standard error while another cargo holds the target dir or the package
cache: passed to `on_line` too, so that progress can say why nothing moves."""


def _streaming(
    process: subprocess.Popen[str], on_line: Callable[[str], None]
) -> Callable[..., tuple[str, str]]:
    """`communicate`, but each line of standard output goes to `on_line` as it comes: a
    thread of its own reads each stream (a full stderr pipe must not stall the process)."""
    chunks: dict[str, list[str]] = {"out": [], "err": []}

    def out() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            chunks["out"].append(line)
            with contextlib.suppress(Exception):  # progress never costs a build its output
                on_line(line)

    def err() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            chunks["err"].append(line)
            if line.lstrip().startswith(WAITING_FOR_LOCK):  # cargo says so nowhere else
                with contextlib.suppress(Exception):
                    on_line(line)

    readers = [threading.Thread(target=out, daemon=True), threading.Thread(target=err, daemon=True)]
    for reader in readers:
        reader.start()

    def talk(timeout: float | None = None) -> tuple[str, str]:
        waits.wait(process, timeout)
        for reader in readers:
            waits.join(reader)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()  # as communicate does: the reading is over
        return "".join(chunks["out"]), "".join(chunks["err"])

    return talk


def kill_all() -> None:
    """Kill every process group still running (Ctrl-C or SIGTERM while other threads are
    building), and from now on kill each process as it starts, until `resume`."""
    with _RUNNING_LOCK:
        _STOPPED.set()
        for process in list(_RUNNING):
            _kill_group(process)


def resume() -> None:
    """Processes may start again (a new run in the same process: tests, benchmarks)."""
    _STOPPED.clear()


def _reap(
    process: subprocess.Popen[str], token: bool | str, left: list[leftovers.Leftover] | None
) -> None:
    process.wait()
    if isinstance(token, str):
        ended = leftovers.end(token)  # its group too: they carry the token
        if left is not None:
            left.extend(ended)
    _kill_group(process)


def _discard(process: subprocess.Popen[str]) -> None:
    """Kill a process that must not finish, wait for it, and close its pipes."""
    _kill_group(process)
    process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _write_log(path: Path, result: Completed, env: Mapping[str, str]) -> None:
    status = "timed out" if result.returncode == _TIMED_OUT else f"exit {result.returncode}"
    text = (
        f"$ {shell_line(result.argv, env)}\n# {status} after {result.seconds:.1f}s\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        if error.errno in files.FULL:
            raise files.disk_full(path, len(text.encode())) from error
        raise
