"""The lists of a run, read and fingerprinted."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from pipeline.lists.read import Entry, ListError, extract_entries, read_list_text
from pipeline.records import ListRecord

log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
# The code that turns a list's bytes into entries: a change to any of it may read the
# same bytes differently.
# (tests/lists/test_load.py holds this to what pipeline.lists.read imports.)
_READER_SOURCES = (
    *(_HERE / name for name in ("read.py", "walk.py", "markdown.py", "inline.py")),
    *(_HERE / name for name in ("parts.py", "chunks.py", "table.py", "words.py")),
    *(_HERE.parent / name for name in ("ids.py", "text.py", "records.py")),
)


@functools.cache
def reader_version() -> str:
    """A fingerprint of the reader: its source and the Markdown parser's version. Entries
    read by the same reader from the same bytes are the same entries."""
    digest = hashlib.sha256(metadata.version("markdown-it-py").encode())
    for path in _READER_SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ListSource:
    """A list file that can be read: its text and the fingerprint of its bytes."""

    path: Path
    text: str
    sha256: str
    """Of the file's bytes, as ``pull`` records it."""


@dataclass(frozen=True)
class ListRead:
    """One list as this run read it."""

    path: Path
    sha256: str
    """Of the file's bytes, as ``pull`` records it."""
    entries: list[Entry]
    reader: str = field(default_factory=reader_version)
    """The reader that read the entries (``reader_version``)."""

    def record(self) -> ListRecord:
        """What the manifest keeps of the list: its entries counted, not held."""
        return ListRecord(str(self.path), self.sha256, len(self.entries), self.reader)


def list_sources(paths: tuple[Path, ...]) -> list[ListSource]:
    """Every list's text, or a ListError naming the first that cannot be read."""
    return list(_sources(paths))


def _sources(paths: tuple[Path, ...]) -> Iterator[ListSource]:
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            continue  # the same file named twice
        seen.add(path.resolve())
        text = read_list_text(path)
        yield ListSource(path, text, hashlib.sha256(path.read_bytes()).hexdigest())


def read_source(source: ListSource) -> ListRead:
    """The entries of a list, or a ListError when it has none."""
    path = source.path
    entries = extract_entries(source.text, str(path))
    if not entries:
        raise ListError(f"{path}: no paper entries (list items with a link or arXiv id)")
    if not any(e.arxiv_id for e in entries):
        log.warning("%s: no arXiv ids; its entries are searched on arXiv by title", path)
    return ListRead(path, source.sha256, entries)


def read_lists(paths: tuple[Path, ...]) -> list[ListRead]:
    """Every list, or a ListError naming the first that cannot be used."""
    return [read_source(source) for source in _sources(paths)]
