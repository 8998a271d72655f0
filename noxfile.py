"""nox sessions for minbuild. Each one is a thin call into the package (src/minbuild)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nox

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


@nox.session(name="min-build", reuse_venv=True)
def min_build(session: nox.Session) -> None:
    """Take the demo crate (or --config FILE) down the staircase: every stage sized and tested."""
    _install(session)
    session.run("minbuild", "min-build", *session.posargs)


@nox.session(reuse_venv=True)
def init(session: nox.Session) -> None:
    """Write a starting project file for a Cargo project (-- --manifest-path P [--output F])."""
    _install(session)
    session.run("minbuild", "init", *session.posargs)


@nox.session(reuse_venv=True)
def setup(session: nox.Session) -> None:
    """Install Debian's rustc-web (with std's source) so the build-std stages can run."""
    _install(session)
    session.run("minbuild", "setup", *session.posargs)


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


@nox.session(name="cross-build", reuse_venv=True)
def cross_build(session: nox.Session) -> None:
    """Build the last stage (or --stages all) for every foreign target and test it there."""
    _install(session, "[cross]")
    session.run("minbuild", "cross-build", *session.posargs)


@nox.session(name="feature-matrix", reuse_venv=True)
def feature_matrix(session: nox.Session) -> None:
    """cargo check every feature combination up to --depth (default 2); args pass through."""
    _install(session)
    session.run("minbuild", "feature-matrix", *session.posargs)


@nox.session(name="feature-cost", reuse_venv=True)
def feature_cost(session: nox.Session) -> None:
    """Bytes each optional feature adds to the minimal stage (and to the full set), tested."""
    _install(session)
    session.run("minbuild", "feature-cost", *session.posargs)


@nox.session(reuse_venv=True)
def optimize(session: nox.Session) -> None:
    """Search for the smallest build that passes its tests; what each setting is worth."""
    _install(session)
    session.run("minbuild", "optimize", *session.posargs)
