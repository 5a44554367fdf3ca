"""Small helpers for the lines people read."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 paper``, ``2 papers``; ``plural`` for nouns that do not just take an s."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def duration(seconds: float) -> str:
    """``45 s``, ``17 min``, ``2.5 h``: as precise as a person reading a plan needs."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
