"""arXiv's Atom answers: one strict parse that either yields every entry as a ``Paper`` or
says why the answer is broken.

The answer that is vetted is the answer that is used: an answer is cached only when this
parse accepted it, so no cached answer can hold an entry that a later run cannot read.

Quirks of the API handled here:

* the XML is parsed strictly, never in recovery mode (which turns a truncated feed into a
  shorter, valid-looking one), and a DOCTYPE is refused: arXiv never sends one, and entity
  definitions are how an XML bomb is built;
* a rejected query is a 400 (or a 200) whose single entry is titled ``Error``;
* titles and abstracts span lines with indentation;
* the pdf ``<link>`` lost its ``title="pdf"`` after the November 2025 migration: it is
  also found by its type;
* ``IDv1,IDv2`` in one ``id_list`` both come back; one id answered twice with different
  content is a broken answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from sys import intern

from lxml import etree

from pipeline.ids import CANONICAL_ID, parse_id, unversioned
from pipeline.records import Paper

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
_A = f"{{{ATOM}}}"
_X = f"{{{ARXIV}}}"
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")

FIELDS_ALWAYS_SENT = ("pdf link", "categories", "authors")
"""Fields arXiv sends for every paper: one missing from every entry of a run means the API
changed without an error (see ``Feed.missing``)."""

_ENTRY = f"{_A}entry"
_ID = f"{_A}id"
_TITLE = f"{_A}title"
_SUMMARY = f"{_A}summary"
_AUTHOR = f"{_A}author"
_NAME = f"{_A}name"
_CATEGORY = f"{_A}category"
_LINK = f"{_A}link"
_PUBLISHED = f"{_A}published"
_UPDATED = f"{_A}updated"
_PRIMARY = f"{_X}primary_category"
_COMMENT = f"{_X}comment"
_JOURNAL_REF = f"{_X}journal_ref"
_DOI = f"{_X}doi"


class BrokenAnswer(Exception):
    """An answer that cannot be turned into papers as a whole (not a whole Atom feed, an
    entry with an unreadable id or date, contradictory entries...)."""


class _Refusal(Exception):
    """An entry titled ``Error``: arXiv refused the query (its text is the reason)."""


def clean_text(text: str) -> str:
    """One space between words, none at the ends, and no control or bidi characters.

    Titles, abstracts and names end up in people's lists: a U+202E or a C1 control from a
    hostile or broken answer must not reach them.
    """
    if text.isascii():
        if text.isprintable():
            # A printable ASCII text's only space is " ": one already clean is kept as is.
            if "  " not in text and text[:1] != " " and text[-1:] != " ":
                return text
            return " ".join(text.split())
        # The ASCII controls that are not spaces go, every run of spaces becomes one.
        # ``split()`` splits at exactly the characters ``\s`` matches.
        return " ".join(_ASCII_CONTROLS.sub("", text).split())
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")
    )
    return " ".join(kept.split())


@dataclass(frozen=True)
class Feed:
    """A parsed answer: its papers in order, and whether arXiv said the query was wrong."""

    papers: list[Paper]
    error: str | None = None
    """The text of arXiv's ``Error`` entry: the query (an id of it) was refused."""
    missing: frozenset[str] = field(default_factory=frozenset)
    """Fields of ``FIELDS_ALWAYS_SENT`` that no entry of this answer had."""


def _text(element: etree._Element | None) -> str | None:
    return None if element is None else element.text


def _entry_id(text: str) -> tuple[str, int | None, str] | None:
    """An entry's id as (id without version, version, id as ``ArxivId`` writes it), or None
    if ``parse_id`` refuses it."""
    canonical = CANONICAL_ID.fullmatch(text)
    if canonical and canonical[1]:
        return text[:10], int(canonical[1]), text
    # An id without its version, or not canonical: as ``parse_id`` reads it.
    parsed = parse_id(text).id
    return None if parsed is None else (parsed.base, parsed.version, str(parsed))


class _Shared:
    """What the entries of one answer have in common, read once and kept once: dates,
    author names (cleaned) and sets of categories."""

    def __init__(self) -> None:
        self.dates: dict[str, datetime] = {}
        self.names: dict[str, str] = {}
        self.categories: dict[tuple[str, ...], tuple[str, ...]] = {}

    def date(self, element: etree._Element | None, tag: str, arxiv_id: str) -> datetime:
        text = _text(element)
        if text is None:
            raise BrokenAnswer(f"entry {arxiv_id} has no <{tag.split('}')[-1]}>")
        if text in self.dates:
            return self.dates[text]
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError as err:
            raise BrokenAnswer(f"entry {arxiv_id} has an unreadable date {text!r}") from err
        if parsed.tzinfo is None:
            raise BrokenAnswer(f"entry {arxiv_id} has a date without a time zone: {text!r}")
        try:
            self.dates[text] = parsed = parsed.astimezone(UTC)
        except OverflowError as err:  # `0001-01-01T00:00:00+01:00` is before year 1 in UTC
            raise BrokenAnswer(f"entry {arxiv_id} has a date out of range: {text!r}") from err
        return parsed

    def name(self, text: str) -> str:
        cleaned = self.names.get(text)
        if cleaned is None:
            cleaned = self.names[text] = clean_text(text)
        return cleaned

    def category_set(self, terms: list[str]) -> tuple[str, ...]:
        found = tuple(terms)
        return self.categories.setdefault(found, found)


def _links(links: Iterable[etree._Element]) -> tuple[str | None, str | None]:
    """The abstract page's and the pdf's URLs among an entry's links."""
    abs_url = pdf_url = None
    pdf_seen = False
    for link in links:
        get = link.get
        if abs_url is None and get("rel") == "alternate":
            abs_url = get("href") or None
        if not pdf_seen and (get("title") == "pdf" or get("type") == "application/pdf"):
            pdf_url, pdf_seen = get("href"), True
    return abs_url, pdf_url


def _pdf_href(links: Iterable[etree._Element]) -> str | None:
    for link in links:
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            return link.get("href")
    return None


def _optional(text: str | None) -> str | None:
    return clean_text(text) or None if text else None


def _paper(entry: etree._Element, fetched_at: datetime, shared: _Shared) -> Paper:
    """One entry as a paper, in one walk over its children; ``_Refusal`` for an error."""
    first: dict[object, etree._Element] = {}
    authors: list[str] = []
    terms: list[str] = []
    links: list[etree._Element] = []
    for child in entry:
        tag = child.tag
        if tag == _AUTHOR:
            authors += [shared.name(name.text or "") for name in child if name.tag == _NAME]
        elif tag == _CATEGORY:
            terms.append(intern(child.get("term", "")))  # a few names, shared by thousands
        elif tag == _LINK:
            links.append(child)
        elif tag not in first:
            first[tag] = child
    title = _text(first.get(_TITLE))
    if title is not None and title.strip() == "Error":
        raise _Refusal(clean_text(_text(first.get(_SUMMARY)) or "") or "Error")
    raw_id = (_text(first.get(_ID)) or "").split("arxiv.org/abs/")[-1].strip()
    parsed = _entry_id(raw_id)
    if parsed is None:
        raise BrokenAnswer(f"an entry with an unreadable id: {raw_id!r}")
    base, version, arxiv_id = parsed
    title = clean_text(title) if title is not None else ""
    if not title:
        raise BrokenAnswer(f"entry {arxiv_id} has no title")
    published = shared.date(first.get(_PUBLISHED), _PUBLISHED, arxiv_id)
    updated = shared.date(first.get(_UPDATED), _UPDATED, arxiv_id)
    primary = first.get(_PRIMARY)
    doi = _text(first.get(_DOI))
    abs_url, pdf_url = _links(links)
    return Paper(
        arxiv_id=base,
        version=version or 1,
        title=title,
        authors=tuple(authors),
        abstract=clean_text(_text(first.get(_SUMMARY)) or ""),
        published=published,
        updated=updated,
        primary_category=(intern(primary.get("term") or "") if primary is not None else "")
        or (terms[0] if terms else ""),
        categories=shared.category_set(terms),
        comment=_optional(_text(first.get(_COMMENT))),
        journal_ref=_optional(_text(first.get(_JOURNAL_REF))),
        doi=doi.strip() or None if doi else None,
        abs_url=abs_url or f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=pdf_url or f"https://arxiv.org/pdf/{arxiv_id}",
        fetched_at=fetched_at,
    )


def _error_entry(entries: Iterable[etree._Element]) -> str | None:
    """The text of the first entry titled ``Error``, if any."""
    for entry in entries:
        title = entry.find(_TITLE)
        if title is not None and (title.text or "").strip() == "Error":
            return clean_text(_text(entry.find(_SUMMARY)) or "") or "Error"
    return None


def _missing(entries: list[etree._Element], papers: list[Paper]) -> frozenset[str]:
    """Fields of ``FIELDS_ALWAYS_SENT`` that no entry had."""
    if not entries:
        return frozenset()
    present = {
        "pdf link": any(_pdf_href(e.iterchildren(_LINK)) is not None for e in entries),
        "categories": any(p.categories for p in papers),
        "authors": any(p.authors for p in papers),
    }
    return frozenset(name for name in FIELDS_ALWAYS_SENT if not present[name])


def parse_feed(body: bytes, fetched_at: datetime) -> Feed:
    """Every entry of an answer as a ``Paper``, or ``BrokenAnswer`` saying why not."""
    try:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
        )
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as err:
        raise BrokenAnswer(f"not well-formed XML ({err})") from err
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise BrokenAnswer("the answer declares a DOCTYPE")
    if root.tag != f"{_A}feed":
        raise BrokenAnswer(f"not an Atom feed (root element {root.tag!r})")
    entries = list(root.iterchildren(_ENTRY))
    shared = _Shared()
    try:
        papers = [_paper(entry, fetched_at, shared) for entry in entries]
    except _Refusal as refusal:  # no entry before it was broken: it is the first one
        return Feed([], error=str(refusal))
    except BrokenAnswer:
        # An error entry anywhere says more than a broken entry before it.
        error = _error_entry(entries)
        if error is not None:
            return Feed([], error=error)
        raise
    _refuse_contradictions(papers)
    return Feed(papers, missing=_missing(entries, papers))


def _refuse_contradictions(papers: list[Paper]) -> None:
    """One version of a paper answered twice must be answered the same way."""
    seen: dict[tuple[str, int], Paper] = {}
    for paper in papers:
        key = (paper.arxiv_id, paper.version)
        if key in seen and seen[key] != paper:
            raise BrokenAnswer(f"{paper.arxiv_id}v{paper.version} is answered twice, differently")
        seen[key] = paper


def base_id(arxiv_id: str) -> str:
    """``unversioned``, quicker for the ids asked most: those without a version."""
    # unversioned strips, then drops a "v" and its digits at the end.
    return arxiv_id.strip() if "v" not in arxiv_id else unversioned(arxiv_id)


def asked_ids_missing(feed: Feed, asked: Iterable[str]) -> list[str]:
    """The asked ids an answer has no entry for."""
    returned = {p.arxiv_id for p in feed.papers}
    return [i for i in asked if base_id(i) not in returned]
