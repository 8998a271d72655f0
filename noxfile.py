"""nox sessions for minbuild. Each one is a thin call into the package (src/minbuild)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nox

from minbuild.commands.registry import BY_NAME

nox.options.sessions = ["lint", "docs", "tests"]
nox.options.reuse_existing_virtualenvs = True
ROOT = Path(__file__).resolve().parent


def _install(session: nox.Session, extras: str = "") -> None:
    """Install minbuild into the session's venv once; again only when pyproject.toml changes."""
    spec = f".{extras}"
    stamp = Path(session.virtualenv.location) / ".minbuild-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    if stamp.is_file() and stamp.read_text() == digest:
        return
    session.install("-e", spec)
    stamp.write_text(digest)


@nox.session(reuse_venv=True)
def tests(session: nox.Session) -> None:
    """Run the test suite (unit, system, cargo, nightly and build-std tiers); args go to pytest."""
    _install(session, "[test]")
    session.run("pytest", *session.posargs)


@nox.session(reuse_venv=True)
def lint(session: nox.Session) -> None:
    """ruff (lint and format check), mypy --strict, and the layer contract (import-linter)."""
    _install(session, "[lint,test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("lint-imports")


@nox.session(reuse_venv=True)
def docs(session: nox.Session) -> None:
    """Build the docs site into site/, strict (a broken link or anchor fails); `-- serve` serves
    it at http://127.0.0.1:8000."""
    _install(session, "[docs]")
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # material's notice of its successor, every build
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", "--strict", *session.posargs[1:])
        return
    session.run("mkdocs", "build", "--strict", "--clean", *session.posargs)


COMMAND_SESSIONS = {
    "min-build": "",
    "cross-build": "[cross]",
    "feature-matrix": "",
    "feature-cost": "",
    "optimize": "",
    "init": "",
    "setup": "",
}
"""The commands users run through nox, each with the extras it needs: a session of the same
name and help as the command's entry in the table, its args passed through."""


def _command_session(name: str, extras: str) -> None:
    def run(session: nox.Session) -> None:
        _install(session, extras)
        session.run("minbuild", name, *session.posargs)

    run.__doc__ = BY_NAME[name].help
    nox.session(name=name, reuse_venv=True)(run)


for _name, _extras in COMMAND_SESSIONS.items():
    _command_session(_name, _extras)
