"""Small helpers for the lines people read."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 paper``, ``2 papers``; ``plural`` for nouns that do not just take an s."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
