"""Reading an awesome list: its entries, with everything they say as written.

`walk` finds where the entries are (list items at any depth, paragraph lines that link a
paper, table rows, lines GitHub folded into the item above); `parts` splits each into its
title, authors, venue, year and links. This module reads the file, finds the arXiv ids an
entry cites, and marks the defects a maintainer should hear about.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from functools import lru_cache
from itertools import islice
from pathlib import Path

from pipeline.ids import FoundId, found_ids
from pipeline.lists.parts import Parts, parse
from pipeline.lists.table import parse_row
from pipeline.lists.walk import TooDeep, iter_blocks
from pipeline.lists.words import split_authors
from pipeline.records import DEFECTS, Entry, EntryKind, IdSource

__all__ = [
    "DEFECTS",
    "MAX_LIST_BYTES",
    "Entry",
    "EntryKind",
    "IdSource",
    "ListError",
    "extract_entries",
    "read_entries",
    "read_list_text",
    "split_authors",
]


# The largest list read: ten times the largest awesome list we know of, and the limit of
# `pull`. Parsing costs about forty bytes of memory per byte of Markdown.
MAX_LIST_BYTES = 64 * 1024 * 1024
# One line of a list is an entry or a table row; a megabyte is no list line.
MAX_LINE_CHARS = 1024 * 1024

_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_TITLE_WORD = re.compile(r"\w+")
# Blocks read at a time.
_BATCH = 512


class ListError(Exception):
    """A list file that cannot be read as a UTF-8 Markdown list; the message says why."""


def read_list_text(path: Path) -> str:
    """The text of a list file, or a ListError that says in one line what is wrong."""
    try:
        # Opened without blocking, so that a FIFO without a writer cannot hang the run.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as err:
        raise ListError(f"{path}: no such file") from err
    except IsADirectoryError as err:
        raise ListError(f"{path}: is a directory, not a Markdown list") from err
    except OSError as err:
        raise ListError(f"{path}: cannot be read ({err.strerror})") from err
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ListError(f"{path}: is a directory, not a Markdown list")
        raise ListError(f"{path}: is not a regular file (a list is a Markdown file)")
    if info.st_size > MAX_LIST_BYTES:
        os.close(fd)
        raise ListError(_too_big(path))
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_LIST_BYTES + 1)
        except OSError as err:
            raise ListError(f"{path}: cannot be read ({err.strerror})") from err
    if len(data) > MAX_LIST_BYTES:
        raise ListError(_too_big(path))
    return _decode(path, data)


def _too_big(path: Path) -> str:
    return f"{path}: is larger than {MAX_LIST_BYTES // (1024 * 1024)} MiB, too large for a list"


def _decode(path: Path, data: bytes) -> str:
    if data.startswith(_UTF16_BOMS) or _looks_utf16(data):
        width = "32" if data.startswith(_UTF16_BOMS[:2]) else "16"
        raise ListError(f"{path}: is UTF-{width} text; save it as UTF-8")
    if b"\x00" in data:
        raise ListError(f"{path}: is a binary file, not a Markdown list")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ListError(
            f"{path}: is not UTF-8 text (byte {err.start} is 0x{data[err.start]:02x})"
        ) from err
    return text


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte order mark: ASCII text with a zero byte beside every letter."""
    head = data[:4096]
    if len(head) < 8:
        return False
    half = len(head) // 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return max(even, odd) > 0.9 * half and min(even, odd) < 0.1 * half


def extract_entries(text: str, list_file: str) -> list[Entry]:
    """Every entry of a Markdown list, in the order of the file.

    Raises ListError when the list cannot be read whole (a line too long, nesting deeper
    than the parser follows): a shorter list would drop papers silently.
    """
    _check_lines(text, list_file)
    entries: list[Entry] = []
    seen_ids: set[str] = set()
    seen_titles: set[str] = set()
    blocks = iter_blocks(text)
    try:
        # A few hundred blocks at a time, each step over all of them: a fifth quicker than
        # block by block (each step's code and data stay in the processor's caches), and
        # the blocks are freed once their entries are made.
        while batch := list(islice(blocks, _BATCH)):
            parts = [parse_row(b) if b.cells is not None else parse(b) for b in batch]
            for block, part in zip(batch, parts, strict=True):
                entry = _entry(list_file, block.line, block.section, part, block.defects)
                if entry.kind != "paper":
                    entries.append(entry)
                    continue
                keys = _title_key(entry.title)
                dup = (entry.arxiv_id in seen_ids) or (keys is not None and keys in seen_titles)
                if entry.arxiv_id:
                    seen_ids.add(entry.arxiv_id)
                if keys is not None:
                    seen_titles.add(keys)
                entries.append(_with_defect(entry, "duplicate") if dup else entry)
    except TooDeep as err:
        raise ListError(
            f"{list_file}: line {err.line} nests lists or quotes too deeply to be read"
        ) from err
    return entries


def _check_lines(text: str, list_file: str) -> None:
    start = 0
    number = 1
    while True:
        end = text.find("\n", start)
        stop = len(text) if end < 0 else end
        if stop - start > MAX_LINE_CHARS:
            raise ListError(
                f"{list_file}: line {number} is longer than {MAX_LINE_CHARS} characters; "
                "no list line is"
            )
        if end < 0:
            return
        start, number = end + 1, number + 1


def _title_key(title: str | None) -> str | None:
    if not title:
        return None
    # Singular and plural are one title (`Network` / `Networks`): a re-citation. The
    # words without their last `s`, joined by spaces.
    low = title.lower()
    # Most titles are words and single spaces already, and stay as they are.
    if not (low.replace(" ", "").isalnum() and "  " not in low and low.strip(" ") == low):
        low = " ".join(_TITLE_WORD.findall(low))
    key = low.replace("s ", " ").removesuffix("s")
    return key if len(key) >= 8 else None


def _with_defect(entry: Entry, defect: str) -> Entry:
    from dataclasses import replace

    return replace(entry, defects=(*entry.defects, defect))


def _entry(
    list_file: str, line: int, section: str | None, parts: Parts, defects: list[str]
) -> Entry:
    found: FoundId | None = None
    source: IdSource | None = None
    all_ids: list[FoundId] = []
    # The entry's own link wins; an id in another link (`[arXiv:ID](...)`) or in the text
    # is an id the text names.
    in_href = {href: found_ids(href) for href in parts.hrefs}
    if parts.url and (in_url := in_href.get(parts.url) or found_ids(parts.url)):
        found, source = in_url[0], "link"
    for href in parts.hrefs:
        all_ids.extend(in_href[href])
    all_ids.extend(found_ids(parts.plain))
    if found is None and all_ids:
        found, source = all_ids[0], "text"
    arxiv_id = found.parsed.id.base if found and found.parsed.id else None
    others: list[str] = []
    for other in all_ids:
        base = other.parsed.id.base if other.parsed.id else None
        if base and base != arxiv_id and base not in others:
            others.append(base)
    marks = list(defects)
    if others and arxiv_id:
        marks.append("ids_disagree")
    if parts.empty_link:
        marks.append("empty_link")
    kind: EntryKind = "paper" if arxiv_id or (found and found.parsed.raw) else parts.kind
    return Entry(
        list_file=list_file,
        line=line,
        section=section,
        tags=_shared_tags(parts.tags),
        title=parts.title,
        authors=parts.authors,
        authors_truncated=parts.truncated,
        url=parts.url,
        raw_id=found.parsed.raw if found else None,
        arxiv_id=arxiv_id,
        id_fix=found.parsed.fix if found else None,
        id_error=found.parsed.error if found else None,
        id_source=source,
        kind=kind,
        venue=_shared_text(parts.venue),
        year=parts.year,
        code_urls=tuple(parts.code_urls),
        defects=tuple(marks),
        other_ids=tuple(others) if arxiv_id else (),
        text=parts.text,
    )


# Tags and venues repeat across a list: its entries keep one copy of each.
@lru_cache(maxsize=1024)
def _shared_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tags


@lru_cache(maxsize=1024)
def _shared_text(text: str | None) -> str | None:
    return text


def read_entries(path: Path) -> tuple[str, list[Entry]]:
    """The text of a list file and its entries, named as given on the command line."""
    text = read_list_text(path)
    return text, extract_entries(text, str(path))
