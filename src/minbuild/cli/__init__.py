"""The command line: option declarations, the argument parser derived from them, the handlers."""

from minbuild.cli.main import main

__all__ = ["main"]
