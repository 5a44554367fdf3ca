"""Use what arXiv says to read an entry: which of its words are the title, which are names.

The reader splits an entry by the shape of its writing; when the entry cites a paper arXiv
knows, arXiv's title and names are found in the entry's own text (fuzzy, with rapidfuzz),
and the entry keeps them as the list writes them. An entry whose text contains neither
(a wrong link) keeps its text as written. With ids that disagree, the entry cites the id
whose arXiv title matches its title. Pure: no I/O.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace

from rapidfuzz import fuzz, process

from pipeline.records import Entry, Paper
from pipeline.stages.authors import share_a_surname

# How alike (0-100) arXiv's title and a stretch of the entry's text must be to be the title.
TITLE_MATCH = 90.0
# How alike a piece of the entry and one of arXiv's names must be to be that name.
NAME_MATCH = 85.0

# Each pattern looks ahead for a character a match can start with before it tries the
# alternatives at a position: the same matches, a third faster.
_SEPARATORS = re.compile(r"(?=[\s,;:&|a])\s*(?:,|;|:|\band\b|&|\s[-–—]\s|\|)\s*")
# One `\s*` before the alternatives, not one in each: the same matches (each alternative
# starts with a character that is not a space), a third faster.
# What is never part of a name: `by`, a bracketed note or tag (`[1]`, `【Pruning】`),
# `et al.`, an ellipsis.
_NOT_NAME = re.compile(
    r"^by\s+|(?=[\s\[【e.…])\s*(?:\[[^\]]*\]|【[^】]*】|\bet\.?\s*al\b\.?|\.\.\.|…)",
    re.IGNORECASE,
)
_TRUNCATED = re.compile(r"(?=[e.…])(?:\bet\.?\s*al\b|\.\.\.|…)", re.IGNORECASE)
# Letters and digits lower-cased, every other ASCII character a space (a byte table: the
# upper half is never used); `\W` and `_` are exactly what `str.isalnum` rejects.
_ASCII_PLAIN = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(256))
_NOT_ALNUM = re.compile(r"[\W_]")
_EDGES = " \t.,;:-–—[]()*_`'\""


_ENTRY_FIELDS = [f.name for f in fields(Entry)]
_entry_values = operator.attrgetter(*_ENTRY_FIELDS)
_TITLE_AT, _AUTHORS_AT, _TRUNCATED_AT = (
    _ENTRY_FIELDS.index(name) for name in ("title", "authors", "authors_truncated")
)


def _read_as(entry: Entry, title: str | None, authors: tuple[str, ...], truncated: bool) -> Entry:
    """``entry`` with another reading of its title and names: ``dataclasses.replace``
    with the entry's values read in one call (it reads them one by one, at twice the cost)."""
    values = list(_entry_values(entry))
    values[_TITLE_AT], values[_AUTHORS_AT], values[_TRUNCATED_AT] = title, authors, truncated
    return Entry(*values)


def _plain(text: str) -> str:
    """Lower case with every other character a space: the same length as ``text``."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_PLAIN).decode("ascii")
    if "Σ" not in text:
        return _NOT_ALNUM.sub(" ", text).lower()
    # `str.lower` writes a final capital sigma as ς, character by character it is σ.
    return "".join(c.lower() if c.isalnum() else " " for c in text)


def title_span(title: str, text: str) -> tuple[int, int, float]:
    """Where in ``text`` arXiv's ``title`` stands best, and how well (0-100)."""
    needle, hay = " ".join(_plain(title).split()), _plain(text)
    if not needle or not hay.strip():
        return 0, 0, 0.0
    found = fuzz.partial_ratio_alignment(needle, hay)
    if found is None:
        return 0, 0, 0.0
    return found.dest_start, found.dest_end, found.score


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The span moved to word edges, to whichever side holds more of a cut word."""
    left = start
    while left > 0 and text[left - 1].isalnum():
        left -= 1
    right = start
    while right < len(text) and text[right].isalnum():
        right += 1
    if left < start:
        start = left if right - start >= start - left else right
    left = right = end
    while left > 0 and text[left - 1].isalnum():
        left -= 1
    while right < len(text) and text[right].isalnum():
        right += 1
    if right > end:
        end = right if end - left >= right - end else left
    return start, max(start, end)


def _choose_id(entry: Entry, papers: Mapping[str, Paper]) -> Entry:
    """With ids that disagree, cite the one whose arXiv title the entry's title matches."""
    if not entry.other_ids or not entry.title:
        return entry
    ids = [i for i in (entry.arxiv_id, *entry.other_ids) if i and i in papers]
    scored = [(fuzz.ratio(_plain(entry.title), _plain(papers[i].title)), i) for i in ids]
    if not scored:
        return entry
    score, best = max(scored, key=lambda pair: pair[0])
    if best == entry.arxiv_id or score < TITLE_MATCH:
        return entry
    others = tuple(i for i in (entry.arxiv_id, *entry.other_ids) if i and i != best)
    return replace(
        entry,
        arxiv_id=best,
        raw_id=best,
        id_fix=None,
        id_error=None,
        id_source="text",
        other_ids=others,
    )


def _names_in(text: str, names: Sequence[str]) -> list[str]:
    """The pieces of ``text`` that are one of ``names``, as the text writes them: alike
    enough, or `J. Smith` for `John Smith` (the last word and the first initial agree)."""
    # A name with no letters or digits (a lone "-" from a broken record) names nobody.
    read = [(n, _plain(n).split()) for n in names]
    wanted = [words for _, words in read if words]
    joined = [" ".join(words) for words in wanted]
    exact = set(joined)
    # A piece written exactly as arXiv writes a name needs no plain form.
    as_written = {n for n, words in read if 0 < len(words) <= 6}
    surnames = {(words[-1], words[0][0]) for words in wanted}
    found: list[str] = []
    for piece in _SEPARATORS.split(text):
        piece = _without_not_names(piece.strip()).strip(_EDGES)
        if piece in as_written:
            if piece not in found:
                found.append(piece)
            continue
        words = _plain(piece).split()
        if not words or len(words) > 6 or piece in found:
            continue
        key = " ".join(words)
        if (
            key in exact
            or (len(words) >= 2 and (words[-1], words[0][0]) in surnames)
            or process.extractOne(key, joined, scorer=fuzz.ratio, score_cutoff=NAME_MATCH)
        ):
            found.append(piece)
    return found


def _without_not_names(piece: str) -> str:
    """``piece`` without what ``_NOT_NAME`` matches; most pieces have none of the
    characters a match needs, and are returned as they are without trying the pattern."""
    if (
        "[" in piece
        or "【" in piece
        or "..." in piece
        or "…" in piece
        or "et" in piece.lower()
        or piece[:2].lower() == "by"
    ):
        return _NOT_NAME.sub("", piece)
    return piece


def _truncated(text: str) -> bool:
    """Whether ``text`` says its names go on (`et al.`, an ellipsis); the pattern is tried
    only on text with the characters a match needs."""
    return ("..." in text or "…" in text or "et" in text.lower()) and bool(_TRUNCATED.search(text))


def _same_title(title: str | None, on_arxiv: str) -> bool:
    words = " ".join(_plain(title or "").split())
    if not words:
        return False
    theirs = " ".join(_plain(on_arxiv).split())
    return words == theirs or fuzz.ratio(words, theirs) >= TITLE_MATCH


def refine(entry: Entry, papers: Mapping[str, Paper]) -> Entry:
    """``entry`` with its title and names as arXiv's record finds them in its text.

    Only what the reader evidently got wrong is changed: a title that is not arXiv's when
    arXiv's title stands in the text, names that share no surname with arXiv's when
    arXiv's names stand in the text. A misspelt name the reader read is kept: telling the
    maintainer about it is the author check's job.
    """
    entry = _choose_id(entry, papers)
    paper = papers.get(entry.arxiv_id) if entry.arxiv_id else None
    if paper is None or not entry.text:
        return entry
    text = entry.text
    title, rest = entry.title, text
    if _same_title(title, paper.title):
        # The title read is arXiv's: what stands around it may be names, it is not.
        at = text.find(title) if title else -1
        if title and at >= 0:
            rest = text[:at] + " | " + text[at + len(title) :]
    else:
        start, end, score = title_span(paper.title, text)
        if score >= TITLE_MATCH and end > start:
            start, end = _whole_words(text, start, end)
            title = text[start:end].strip(_EDGES) or title
            rest = text[:start] + " | " + text[end:]
    authors, truncated = entry.authors, entry.authors_truncated
    if not (authors and share_a_surname(authors, paper.authors)):
        names = _names_in(rest, paper.authors)
        if names:
            authors, truncated = tuple(names), _truncated(rest)
        elif title and title != entry.title:
            # Words the reader took for names that are part of the title are not names.
            authors = tuple(a for a in authors if a not in title)
    if (title, authors, truncated) == (entry.title, entry.authors, entry.authors_truncated):
        return entry  # the text stays as written
    return _read_as(entry, title, authors, truncated)
