"""Errors the command line turns into an exit code; importing them loads nothing heavy."""

from __future__ import annotations

from pathlib import Path


class CacheError(Exception):
    """The HTTP cache cannot be used (damaged, or cannot be written); names the file."""

    @classmethod
    def of(cls, path: Path | str, err: Exception) -> CacheError:
        return cls(
            f"{path}: the HTTP cache cannot be used ({err}); free space if the disk is full, "
            f"or remove it with `python -m pipeline cache clear --cache {path}`"
        )
