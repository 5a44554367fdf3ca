"""The parts of one entry, as written: title, authors, venue, year, links and kind.

An entry's title is the text of a link that names a paper, else its bold text, else its
plain text without venue and year; its authors stand before the title, after it
(`by ...`, `- Hubara et al.`), or on the sub-items and paragraph under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pipeline.lists.chunks import ARXIV_TEXT, BRACKETS, MONTH_YEAR, TAG, chunks, read_chunk
from pipeline.lists.inline import Seg
from pipeline.lists.walk import Block
from pipeline.lists.words import (
    COMMENTARY_LINK_TEXT,
    GENERIC_LINK_TEXT,
    another_list,
    host,
    is_code_link,
    is_code_url,
    is_paper_url,
    is_venue,
    is_year,
    looks_like_names,
    split_authors,
    words_of,
    year_of,
)

Kind = Literal["paper", "code", "resource"]
LinkRole = Literal["title", "ref", "venue", "code", "note", "anchor"]

_PREFIX = re.compile(r"^\s*\[(?P<inner>[^\[\]]{1,40})\]\s*")
_TRAILING_YEAR = re.compile(r"\s*\((?:19|20)\d\d\)\s*$")
_EMPTY_BRACKETS = re.compile(r"\[\s*\]|(?<!\S)\(\s*\)")
# Slides, talks and videos are resources even when they are PDFs.
_TALK = re.compile(r"slides?\b|\btalks?\b|\blecture|youtube\.com|youtu\.be|vimeo\.com", re.I)


@dataclass
class Parts:
    """What an entry says, before its arXiv id is looked at."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    truncated: bool = False
    venue: str | None = None
    year: int | None = None
    url: str | None = None
    code_urls: list[str] = field(default_factory=list)
    kind: Kind = "paper"
    tags: tuple[str, ...] = ()
    text: str = ""
    hrefs: list[str] = field(default_factory=list)
    plain: str = ""  # text outside links and code spans, where ids count as citations
    empty_link: bool = False


def role(seg: Seg, wrapped: bool = False) -> LinkRole:
    """What a link is for; ``wrapped`` when it stands in brackets (`[[blog post](url)]`)."""
    label = words_of(seg.text)
    if seg.href.startswith("#"):
        return "anchor"
    if is_code_link(seg.text, seg.href):
        return "code"
    if label in GENERIC_LINK_TEXT and label != "arxiv":
        return "ref"
    if label in COMMENTARY_LINK_TEXT or (
        wrapped and any(w in COMMENTARY_LINK_TEXT for w in label.split())
    ):
        return "note"
    if wrapped and (is_venue(seg.text.strip("[] ")) or re.fullmatch(r"[a-z]{2,8}", label)):
        return "venue"
    return "title"


def clean_title(text: str) -> tuple[str, str | None, int | None]:
    """A title without its `[2018-CVPR]` prefix, tags, `(2023)` or closing period.

    Returns the title, and the venue and year the prefix stated.
    """
    venue: str | None = None
    year: int | None = None
    prefix = _PREFIX.match(text)
    if prefix:
        inner = prefix.group("inner")
        year = year_of(inner)
        rest = re.sub(r"(?:19|20)\d\d(?:[/-]\d\d)?", " ", inner).strip(" -/")
        venue = inner.strip() if is_venue(inner) else rest if rest and is_venue(rest) else None
        text = text[prefix.end() :]
    # Both patterns need a bracket or a parenthesis; most titles have none.
    paren_year = _TRAILING_YEAR.search(text) if "(" in text else None
    if paren_year:
        year = year or year_of(paren_year.group())
        text = text[: paren_year.start()]
    if "[" in text or "(" in text:
        text = _EMPTY_BRACKETS.sub("", text)
    text = text.strip()
    while text.endswith("]") and "[" in text:
        text = text[: text.rindex("[")].rstrip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text.strip(" \t-:,"), venue, year


def text_of(segs: list[Seg]) -> str:
    return "".join([s.text if s.kind != "sep" else " " for s in segs if s.kind != "code"])


def parse(block: Block) -> Parts:
    """The parts of a list item or paragraph entry (table rows: ``table.parse_row``)."""
    parts = Parts()
    segs = block.segs
    roles = _roles(segs)
    _links(parts, segs, roles)
    title_at = roles.index("title") if "title" in roles else None
    plain_before = text_of(segs[:title_at]) if title_at is not None else ""
    all_text = text_of(segs)
    if "【" in all_text:
        parts.tags = tuple(t.strip() for t in TAG.findall(all_text))
    for i, r in enumerate(roles):
        if r == "venue" and parts.venue is None:
            parts.venue = segs[i].text.strip("[] ")
    if title_at is not None:
        title_seg = segs[title_at]
        parts.title, venue, year = clean_title(title_seg.text)
        parts.venue = parts.venue or venue
        parts.year = year
        before = TAG.sub("", plain_before) if "【" in plain_before else plain_before
        before = _PREFIX.sub("", before.strip().rstrip("["))
        if looks_like_names(before, loose=True):
            parts.authors, parts.truncated = split_authors(before)
        _after(parts, segs[title_at + 1 :])
    else:
        _untitled(parts, segs)
    for sub in block.subs:
        _sub(parts, sub)
    # As written, spaces included: `refine` takes the title from it.
    texts = [all_text.strip(), *(text_of(x).strip() for x in block.subs)]
    parts.text = " | ".join([t for t in texts if t])
    parts.plain = plain(segs)
    parts.kind = _kind(parts, segs, roles)
    if parts.kind != "paper":
        # Who wrote a blog post or a library, and where, is not what the list is for.
        parts.authors, parts.truncated, parts.venue = (), False, None
    if parts.kind == "code" and parts.url in parts.code_urls:
        parts.code_urls.remove(parts.url)
    elif parts.kind == "paper" and parts.url in parts.code_urls:
        parts.url = None  # the paper's own link is missing; its code is not the paper
    return parts


def _roles(segs: list[Seg]) -> list[LinkRole | None]:
    """The role of every link; a bracketed link beside a plain-text title is its venue."""
    roles: list[LinkRole | None] = []
    for i, seg in enumerate(segs):
        if seg.kind != "link":
            roles.append(None)
            continue
        wrapped = _wrapped(segs, i)
        r = role(seg, wrapped)
        if wrapped and r == "title":
            if is_code_url(seg.href):
                r = "code"
            elif len(seg.text.split()) <= 8 and seg.text.strip()[:1].isupper():
                r = "venue" if _plain_words(segs) >= 4 else r
        roles.append(r)
    return roles


def _plain_words(segs: list[Seg]) -> int:
    return len(text_of([s for s in segs if s.kind == "text" and not s.strong]).split())


def _wrapped(segs: list[Seg], at: int) -> bool:
    before = segs[at - 1].text if at > 0 and segs[at - 1].kind == "text" else ""
    after = segs[at + 1].text if at + 1 < len(segs) and segs[at + 1].kind == "text" else ""
    return before.rstrip().endswith("[") and after.lstrip(" )").startswith("]")


def plain(segs: list[Seg]) -> str:
    return " ".join([s.text for s in segs if s.kind == "text"])


def _links(parts: Parts, segs: list[Seg], roles: list[LinkRole | None]) -> None:
    url_by_role: dict[str, str] = {}
    for seg, r in zip(segs, roles, strict=True):
        if seg.kind != "link" or r == "anchor":
            continue
        href = seg.href.strip()
        if not href:
            parts.empty_link = True
            continue
        parts.hrefs.append(href)
        code = r == "code" or (r == "title" and is_code_url(href) and not another_list(href))
        if code and href not in parts.code_urls:
            parts.code_urls.append(href)
        url_by_role.setdefault(str(r), href)
    title_url = url_by_role.get("title")
    ref_url = url_by_role.get("ref") or url_by_role.get("venue")
    if title_url and (is_paper_url(title_url) or not ref_url or not is_code_url(title_url)):
        parts.url = title_url
    else:
        parts.url = ref_url or title_url or url_by_role.get("note") or url_by_role.get("code")
    if parts.url and parts.url == title_url and title_url in parts.code_urls and ref_url:
        parts.url = ref_url


def _after(parts: Parts, segs: list[Seg]) -> None:
    """Authors, venue and year written after the title: `by A, B, 2022 - note`, `. NIPS 2015.`"""
    text = " ".join(
        [(s.text if s.kind == "text" else " | ") for s in segs if s.kind in ("text", "sep", "link")]
    )
    italic = " ".join([s.text for s in segs if s.kind == "text" and s.emphasis]).strip()
    if italic and looks_like_names(italic):
        if not parts.authors:
            parts.authors, parts.truncated = split_authors(italic)
    elif italic and parts.authors and not parts.venue:
        # `Authors. [Title](url). *Venue*, 2020.`: the emphasised words are the venue.
        parts.venue = italic.strip(" .,")
        text = " ".join(
            (s.text if s.kind == "text" and not s.emphasis else " | ")
            for s in segs
            if s.kind in ("text", "sep", "link")
        )
    described = False
    for chunk in chunks(text):
        if described:
            # Past a description only a date stands on its own: `(Jul 2024)`.
            if MONTH_YEAR.fullmatch(chunk):
                parts.year = parts.year or year_of(chunk)
        elif not _read_chunk(parts, chunk):
            described = True  # what a description mentions is not the entry's


def _read_chunk(parts: Parts, chunk: str) -> bool:
    """Read names, a venue or a year from ``chunk``; False when it is a description."""
    reading = read_chunk(chunk)
    if reading.described:
        if reading.names and not parts.authors:
            parts.authors, parts.truncated = split_authors(reading.names)
        elif reading.venue and parts.authors and not parts.venue:
            parts.venue = reading.venue
            parts.year = parts.year or reading.year
            return True
        return False
    if reading.names and not parts.authors:
        parts.authors, parts.truncated = split_authors(reading.names)
    if reading.venue and not parts.venue:
        parts.venue = reading.venue
    if reading.year and not parts.year:
        parts.year = reading.year
    return True


def _untitled(parts: Parts, segs: list[Seg]) -> None:
    """An entry whose links are generic (`paper`, `CVPR`): the title is its own text."""
    strong = " ".join(s.text for s in segs if s.kind == "text" and s.strong).strip()
    first_link = next((i for i, s in enumerate(segs) if s.kind == "link"), len(segs))
    if strong and len(strong.split()) >= 2:
        parts.title, venue, year = clean_title(strong)
        parts.venue = parts.venue or venue
        parts.year = parts.year or year
        rest = [s for s in segs if not (s.kind == "text" and s.strong)]
        _after(parts, rest)
        return
    before = TAG.sub("", text_of(segs[:first_link]))
    after_segs = segs[first_link + 1 :]
    after = text_of([s for s in after_segs if s.kind == "text"])
    before = ARXIV_TEXT.sub("", before)
    candidate = before if len(before.strip(" [(-").split()) >= 2 else after
    source = "before" if candidate is before else "after"
    candidate = _PREFIX.sub("", candidate.strip().rstrip("[( ").strip())
    if source == "after":
        candidate = candidate.lstrip("]) ").strip()
        candidate = BRACKETS.sub("", candidate)
    head, venue, year = _split_trailing(candidate)
    title, prefix_venue, prefix_year = clean_title(head)
    parts.title = title or None
    parts.venue = parts.venue or venue or prefix_venue
    parts.year = parts.year or year or prefix_year
    if parts.year is None and parts.venue:
        parts.year = year_of(parts.venue)
    if source == "before":
        _after(parts, after_segs)


def _split_trailing(text: str) -> tuple[str, str | None, int | None]:
    """`Title,ICLR,2015` -> the title, the venue and the year written after it."""
    pieces = text.split(",")
    venue: str | None = None
    year: int | None = None
    while len(pieces) > 1:
        last = pieces[-1].strip(" .")
        if is_year(last):
            year = year or year_of(last)
        elif is_venue(last) or last.lower() in ("nips workshop",):
            venue = last
            year = year or year_of(last)
        else:
            break
        pieces.pop()
    return ",".join(pieces), venue, year


def _sub(parts: Parts, segs: list[Seg]) -> None:
    """A sub-item or paragraph under the entry: its authors, dates or code links."""
    links = [s for s in segs if s.kind == "link"]
    for link in links:
        code = is_code_url(link.href) or is_code_link(link.text, link.href)
        if code and link.href not in parts.code_urls and link.href != parts.url:
            parts.code_urls.append(link.href)
    text = " ".join(text_of(segs).split())
    if not text:
        return
    if re.match(r"^(?:19|20)\d\d-\d\d(?:-\d\d)?\b", text):
        year = year_of(text)
        if year and (parts.year is None or year < parts.year):
            parts.year = year
        return
    if links and any(is_code_url(link.href) for link in links):
        return
    if not parts.authors and looks_like_names(text, loose=True):
        parts.authors, parts.truncated = split_authors(text)


def _kind(parts: Parts, segs: list[Seg], roles: list[LinkRole | None]) -> Kind:
    if any("arxiv.org" in host(h) for h in parts.hrefs):
        return "paper"
    if _TALK.search(parts.url or "") or _TALK.search(parts.title or ""):
        return "resource"
    if parts.url and is_paper_url(parts.url):
        return "paper"
    if any(r in ("ref", "venue") for r in roles) or (parts.venue and is_venue(parts.venue)):
        return "paper"
    if parts.url and parts.url in parts.code_urls:
        return "resource" if another_list(parts.url) else "code"
    if parts.venue and parts.authors:
        return "paper"
    return "resource"
