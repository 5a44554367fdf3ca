"""The text after an entry's title, in chunks, and what each chunk states.

`. NIPS 2015.`, `by A and B, 2022 - a note`, `[J] arXiv preprint arXiv:ID`: the chunks are
split at brackets, dashes and parentheses; a chunk states names, a venue, a year, or is a
description. Both readings are remembered: what follows a title recurs across a list.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pipeline.lists.words import is_venue, is_year, looks_like_names, year_of
from pipeline.text import remembered

# 【Pruning】: the tag notation of Chinese-language awesome lists.
TAG = re.compile(r"【([^】]+)】")
# `[2018-CVPR]`, `[2019/04]`, `[CVPR 2020]`, `[72:fire:]`: bracketed prefixes and tags.
BRACKETS = re.compile(r"\[[^\[\]]*\]")
ARXIV_TEXT = re.compile(r"\barXiv:\s?\S+", re.IGNORECASE)
MONTH_YEAR = re.compile(r"(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d\d")
_DASH = re.compile(r"\s+[-–—]+\s+|^\s*[-–—]+\s+")
_BREAKS = re.compile(r"\||" + _DASH.pattern)
_BY = re.compile(r"^by\s+", re.IGNORECASE)
_BY_TAIL = re.compile(r"\bby\s+(.+)$")
_DATED = re.compile(r"\b(?:19|20)\d\d$")


class Reading(NamedTuple):
    """What a chunk states, whatever the entry has already: names, a venue, a year. For a
    description, the names it ends with (`... by A and B`) and the journal it is, if any."""

    described: bool
    names: str
    venue: str | None
    year: int | None


def chunks(text: str) -> tuple[str, ...]:
    """The pieces of the text after a title, in order: split at brackets, dashes, parens."""
    # The pattern needs its colon: skipped when the text has none.
    if ":" in text:
        text = ARXIV_TEXT.sub(" ", text)
    return _chunks(text)


@remembered(maxsize=1024)
def _chunks(text: str) -> tuple[str, ...]:
    """``chunks`` of a text without `arXiv:ID`: what follows an id recurs more than it."""
    # Each pattern needs its bracket: skipped when the text has none.
    if "【" in text:
        text = TAG.sub(" ", text)
    if "[" in text:
        text = BRACKETS.sub(" | ", text)
    text = text.replace("(", " | ").replace(")", " | ")
    found = []
    for piece in _BREAKS.split(text):
        piece = piece.strip(" .,;:[]")
        if piece:
            found.append(piece)
    return tuple(found)


@lru_cache(maxsize=1024)
def read_chunk(chunk: str) -> Reading:
    """What ``chunk`` states: venues and dates recur, and are read once."""
    if MONTH_YEAR.fullmatch(chunk):
        return Reading(False, "", None, year_of(chunk))
    by = _BY.match(chunk)
    if by:
        chunk = chunk[by.end() :]
    pieces = [p.strip() for p in chunk.split(",") if p.strip()]
    venue = year = None
    while pieces and (is_year(pieces[-1]) or (not by and is_venue(pieces[-1]))):
        last = pieces.pop()
        if is_year(last):
            year = year or year_of(last)
        else:
            venue = last
            year = year or year_of(last)
    names = ", ".join(pieces)
    if pieces and not looks_like_names(names):
        tail = _BY_TAIL.search(chunk)
        tail_names = tail.group(1) if tail and looks_like_names(tail.group(1)) else ""
        if _journal(chunk):
            return Reading(True, tail_names, chunk, year_of(chunk))
        return Reading(True, tail_names, None, None)
    return Reading(False, names, venue, year)


def _journal(chunk: str) -> bool:
    """A journal written out with its year (`Adv. Theor. Math. Phys. 1998`)."""
    dated = bool(_DATED.search(chunk))
    return dated and chunk[:1].isupper() and len(chunk) <= 60 and not looks_like_names(chunk)
