"""minbuild: take a Cargo project down the minimal-build staircase; size and test each stage."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("minbuild")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
