"""Errors the command line turns into an exit code; importing them loads nothing heavy."""

from __future__ import annotations


class CacheError(Exception):
    """The HTTP cache cannot be used (damaged, or cannot be written); names the file."""
