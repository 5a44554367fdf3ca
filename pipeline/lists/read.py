"""Reading an awesome list: its paper entries, with everything they say as written.

An entry is a list item, outside block quotes, that links somewhere or names an arXiv id.
(The preamble of an awesome list quotes links to other lists in a block quote: those are not
papers.) The Markdown is parsed with markdown-it-py, so that links, emphasis and code spans
are read the way GitHub renders them, and each entry keeps its line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.ids import FoundId, find_ids

IdSource = Literal["link", "text", "title_search"]

# 【Pruning】: the tag notation of Chinese-language awesome lists.
_TAG = re.compile(r"【([^】]+)】")
_ET_AL = re.compile(r",?\s*\bet\.?\s*al\b\.?", re.IGNORECASE)
_AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&)\s*")


class ListError(Exception):
    """A list file that cannot be read as a UTF-8 Markdown list; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One paper entry of a list, as written, with the arXiv id found in it (if any)."""

    list_file: str
    line: int
    section: str | None
    tags: tuple[str, ...]
    title: str | None
    authors: tuple[str, ...]
    authors_truncated: bool
    url: str | None
    raw_id: str | None
    arxiv_id: str | None
    id_fix: str | None
    id_error: str | None
    id_source: IdSource | None


def read_list_text(path: Path) -> str:
    """The text of a list file, or a ListError that says in one line what is wrong."""
    if not path.exists():
        raise ListError(f"{path}: no such file")
    if path.is_dir():
        raise ListError(f"{path}: is a directory, not a Markdown list")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ListError(f"{path}: cannot be read ({err.strerror})") from err
    if b"\x00" in data:
        raise ListError(f"{path}: is a binary file, not a Markdown list")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ListError(
            f"{path}: is not UTF-8 text (byte {err.start} is 0x{data[err.start]:02x})"
        ) from err


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    # Keep hrefs as written (the list's own text), and skip the percent-encoding work
    # that is a sixth of the parsing time of a long list.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    return md


def extract_entries(text: str, list_file: str) -> list[Entry]:
    """Every paper entry of a Markdown list, in the order of the file."""
    tokens = _markdown().parse(text)
    entries: list[Entry] = []
    section: str | None = None
    quote_depth = 0
    item_depth = 0
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            section = tokens[i + 1].content.strip() or None
        elif token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "list_item_open":
            item_depth += 1
        elif token.type == "list_item_close":
            item_depth -= 1
        elif (
            token.type == "inline"
            and item_depth > 0
            and quote_depth == 0
            and tokens[i - 1].type == "paragraph_open"
            and tokens[i - 2].type == "list_item_open"
        ):
            entry = _entry_from_inline(token, list_file, section)
            if entry is not None:
                entries.append(entry)
    return entries


def _entry_from_inline(token: Token, list_file: str, section: str | None) -> Entry | None:
    children = token.children or []
    link_at = next((n for n, c in enumerate(children) if c.type == "link_open"), None)
    text_ids = find_ids(token.content)
    if link_at is None and not text_ids:
        return None
    url: str | None = None
    title: str | None = None
    before = token.content
    if link_at is not None:
        url = str(children[link_at].attrs.get("href", "")) or None
        title_parts = []
        for child in children[link_at + 1 :]:
            if child.type == "link_close":
                break
            title_parts.append(child.content)
        title = "".join(title_parts).strip() or None
        before = "".join(c.content for c in children[:link_at] if c.type == "text")

    tags = tuple(t.strip() for t in _TAG.findall(before))
    # Authors stand before the title link; without a link there is no telling them from
    # the title, so none are read.
    authors, truncated = split_authors(_TAG.sub("", before)) if link_at is not None else ((), False)

    found: FoundId | None = None
    source: IdSource | None = None
    if url and (in_url := find_ids(url)):
        found, source = in_url[0], "link"
    elif text_ids:
        found, source = text_ids[0], "text"

    line = (token.map[0] + 1) if token.map else 0
    return Entry(
        list_file=list_file,
        line=line,
        section=section,
        tags=tags,
        title=title,
        authors=authors,
        authors_truncated=truncated,
        url=url,
        raw_id=found.parsed.raw if found else None,
        arxiv_id=found.parsed.id.base if found and found.parsed.id else None,
        id_fix=found.parsed.fix if found else None,
        id_error=found.parsed.error if found else None,
        id_source=source,
    )


def split_authors(text: str) -> tuple[tuple[str, ...], bool]:
    """The author names of the text before an entry's title, and whether it ends in et al.

    Understands ``First Last, First Last .``, ``A and B``, and the inverted
    ``Last, First, Last, First`` form (every piece a single word, an even count).
    """
    text = text.strip().rstrip(".:").strip()
    truncated = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text).strip().rstrip(",.").strip()
    if not text:
        return (), truncated
    pieces = [p.strip() for p in _AUTHOR_SEPARATORS.split(text) if p.strip()]
    single_words = all(" " not in p for p in pieces)
    if single_words and len(pieces) >= 2 and len(pieces) % 2 == 0 and "," in text:
        pieces = [f"{first} {last}" for last, first in zip(pieces[::2], pieces[1::2], strict=True)]
    return tuple(pieces), truncated


def read_entries(path: Path) -> tuple[str, list[Entry]]:
    """The text of a list file and its entries, named as given on the command line."""
    text = read_list_text(path)
    return text, extract_entries(text, str(path))
