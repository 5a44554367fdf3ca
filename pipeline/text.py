"""Small helpers for the lines people read."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

T = TypeVar("T")


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


REMEMBERED_CHARS = 2_000
"""The longest text ``remembered`` functions keep: a few lines of a list."""


def remembered(maxsize: int) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """``functools.lru_cache(maxsize)`` for a pure function of one text, that remembers
    only texts of up to ``REMEMBERED_CHARS``: a list may hold a few entries of a megabyte,
    and a cache that kept them would hold their memory as long as the process lives."""

    def remember(function: Callable[[str], T]) -> Callable[[str], T]:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(text: str) -> T:
            return cached(text) if len(text) <= REMEMBERED_CHARS else function(text)

        return call

    return remember
