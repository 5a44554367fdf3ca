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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from pipeline.ids import parse_id, unversioned
from pipeline.records import Paper

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
_A = f"{{{ATOM}}}"
_X = f"{{{ARXIV}}}"
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")

FIELDS_ALWAYS_SENT: dict[str, Callable[[etree._Element], bool]] = {
    "pdf link": lambda entry: _pdf_link(entry) is not None,
    "categories": lambda entry: entry.find(f"{_A}category") is not None,
    "authors": lambda entry: entry.find(f"{_A}author/{_A}name") is not None,
}
"""Fields arXiv sends for every paper (with a test of their presence): one missing from
every entry of a run means the API changed without an error (see ``Feed.missing``)."""


class BrokenAnswer(Exception):
    """An answer that cannot be turned into papers as a whole (not a whole Atom feed, an
    entry with an unreadable id or date, contradictory entries...)."""


def clean_text(text: str) -> str:
    """One space between words, none at the ends, and no control or bidi characters.

    Titles, abstracts and names end up in people's lists: a U+202E or a C1 control from a
    hostile or broken answer must not reach them.
    """
    if text.isascii():
        # The common case, without a look at every character: the ASCII controls that
        # are not spaces go, every run of spaces becomes one.
        # ``split()`` splits at exactly the characters ``\s`` matches.
        return " ".join((text if text.isprintable() else _ASCII_CONTROLS.sub("", text)).split())
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


def _text(entry: etree._Element, tag: str) -> str | None:
    found = entry.find(tag)
    return found.text if found is not None and found.text is not None else None


def _children(entry: etree._Element) -> dict[str, list[etree._Element]]:
    """An entry's child elements by tag, in order: one walk instead of a search per field."""
    children: dict[str, list[etree._Element]] = {}
    for child in entry:
        if isinstance(child.tag, str):  # not a comment or processing instruction
            children.setdefault(child.tag, []).append(child)
    return children


def _first_text(children: dict[str, list[etree._Element]], tag: str) -> str | None:
    found = children.get(tag)
    return found[0].text if found else None


def _date(children: dict[str, list[etree._Element]], tag: str, arxiv_id: str) -> datetime:
    text = _first_text(children, tag)
    if text is None:
        raise BrokenAnswer(f"entry {arxiv_id} has no <{tag.split('}')[-1]}>")
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as err:
        raise BrokenAnswer(f"entry {arxiv_id} has an unreadable date {text!r}") from err
    if parsed.tzinfo is None:
        raise BrokenAnswer(f"entry {arxiv_id} has a date without a time zone: {text!r}")
    return parsed.astimezone(UTC)


def _pdf_link(entry: etree._Element) -> str | None:
    return _pdf_href(entry.iterfind(f"{_A}link"))


def _pdf_href(links: Iterable[etree._Element]) -> str | None:
    for link in links:
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            return link.get("href")
    return None


def _paper(entry: etree._Element, fetched_at: datetime) -> Paper:
    children = _children(entry)
    raw_id = (_first_text(children, f"{_A}id") or "").split("arxiv.org/abs/")[-1].strip()
    parsed = parse_id(raw_id).id
    if parsed is None:
        raise BrokenAnswer(f"an entry with an unreadable id: {raw_id!r}")
    arxiv_id = str(parsed)
    title = _first_text(children, f"{_A}title")
    if title is None or not clean_text(title):
        raise BrokenAnswer(f"entry {arxiv_id} has no title")
    authors = tuple(
        clean_text(name.text or "")
        for author in children.get(f"{_A}author", ())
        for name in author.iterfind(f"{_A}name")
    )
    categories = tuple(c.get("term", "") for c in children.get(f"{_A}category", ()))
    primary = children.get(f"{_X}primary_category")
    links = children.get(f"{_A}link", [])
    pdf_url = _pdf_href(links)
    published = _date(children, f"{_A}published", arxiv_id)
    abs_url = next(
        (
            link.get("href", "")
            for link in links
            if link.get("rel") == "alternate" and link.get("href")
        ),
        f"https://arxiv.org/abs/{arxiv_id}",
    )
    comment, journal_ref, doi = (
        _first_text(children, f"{_X}{tag}") for tag in ("comment", "journal_ref", "doi")
    )
    return Paper(
        arxiv_id=parsed.base,
        version=parsed.version or 1,
        title=clean_text(title),
        authors=authors,
        abstract=clean_text(_first_text(children, f"{_A}summary") or ""),
        published=published,
        updated=_date(children, f"{_A}updated", arxiv_id),
        primary_category=(primary[0].get("term") if primary else None)
        or (categories[0] if categories else ""),
        categories=categories,
        comment=clean_text(comment) or None if comment else None,
        journal_ref=clean_text(journal_ref) or None if journal_ref else None,
        doi=doi.strip() or None if doi else None,
        abs_url=abs_url,
        pdf_url=pdf_url or f"https://arxiv.org/pdf/{arxiv_id}",
        fetched_at=fetched_at,
    )


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
    entries = root.findall(f"{_A}entry")
    for entry in entries:
        if (_text(entry, f"{_A}title") or "").strip() == "Error":
            return Feed([], error=clean_text(_text(entry, f"{_A}summary") or "") or "Error")
    papers = [_paper(entry, fetched_at) for entry in entries]
    _refuse_contradictions(papers)
    missing = frozenset(
        name
        for name, present in FIELDS_ALWAYS_SENT.items()
        if entries and not any(present(entry) for entry in entries)
    )
    return Feed(papers, missing=missing)


def _refuse_contradictions(papers: list[Paper]) -> None:
    """One version of a paper answered twice must be answered the same way."""
    seen: dict[tuple[str, int], Paper] = {}
    for paper in papers:
        key = (paper.arxiv_id, paper.version)
        if key in seen and seen[key] != paper:
            raise BrokenAnswer(f"{paper.arxiv_id}v{paper.version} is answered twice, differently")
        seen[key] = paper


def asked_ids_missing(feed: Feed, asked: Iterable[str]) -> list[str]:
    """The asked ids an answer has no entry for."""
    returned = {p.arxiv_id for p in feed.papers}
    return [i for i in asked if unversioned(i) not in returned]
