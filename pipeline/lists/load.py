"""The lists of a run, read and fingerprinted."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.lists.read import Entry, ListError, read_entries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListRead:
    """One list as this run read it."""

    path: Path
    sha256: str
    """Of the file's bytes, as ``pull`` records it."""
    entries: list[Entry]


def read_lists(paths: tuple[Path, ...]) -> list[ListRead]:
    """Every list, or a ListError naming the first that cannot be used."""
    read = []
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            continue  # the same file named twice
        seen.add(path.resolve())
        _, entries = read_entries(path)
        if not entries:
            raise ListError(f"{path}: no paper entries (list items with a link or arXiv id)")
        if not any(e.arxiv_id for e in entries):
            log.warning("%s: no arXiv ids; its entries are searched on arXiv by title", path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        read.append(ListRead(path, digest, entries))
    return read
