"""The parse of arXiv's answers as first written: entry by entry, a search per field, every
text cleaned the general way. It is slower and kept only as the oracle that the parse of
``pipeline.api.feed`` must agree with, answer by answer and error by error."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from lxml import etree

from pipeline.api.feed import BrokenAnswer, Feed
from pipeline.ids import parse_id
from pipeline.records import Paper

_A = "{http://www.w3.org/2005/Atom}"
_X = "{http://arxiv.org/schemas/atom}"
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def clean_text(text: str) -> str:
    if text.isascii():
        return " ".join((text if text.isprintable() else _ASCII_CONTROLS.sub("", text)).split())
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")
    )
    return " ".join(kept.split())


def _pdf_href(links: Iterable[etree._Element]) -> str | None:
    for link in links:
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            return link.get("href")
    return None


FIELDS_ALWAYS_SENT: dict[str, Callable[[etree._Element], bool]] = {
    "pdf link": lambda entry: _pdf_href(entry.iterfind(f"{_A}link")) is not None,
    "categories": lambda entry: entry.find(f"{_A}category") is not None,
    "authors": lambda entry: entry.find(f"{_A}author/{_A}name") is not None,
}


def _text(entry: etree._Element, tag: str) -> str | None:
    found = entry.find(tag)
    return found.text if found is not None and found.text is not None else None


def _children(entry: etree._Element) -> dict[str, list[etree._Element]]:
    children: dict[str, list[etree._Element]] = {}
    for child in entry:
        if isinstance(child.tag, str):
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
    seen: dict[tuple[str, int], Paper] = {}
    for paper in papers:
        key = (paper.arxiv_id, paper.version)
        if key in seen and seen[key] != paper:
            raise BrokenAnswer(f"{paper.arxiv_id}v{paper.version} is answered twice, differently")
        seen[key] = paper
    missing = frozenset(
        name
        for name, present in FIELDS_ALWAYS_SENT.items()
        if entries and not any(present(entry) for entry in entries)
    )
    return Feed(papers, missing=missing)
