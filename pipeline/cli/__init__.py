"""The command line: a thin layer of options, exit codes and messages over the library."""

from pipeline.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
