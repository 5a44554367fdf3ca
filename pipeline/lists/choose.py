"""Which lists a run reads: those named, else every list of data/raw/, each content once.

A Markdown file with no paper entries in data/raw/ (notes, a changelog) is not a list, and
must not stop a scheduled refresh of the others; a file named on the command line was meant,
and stays an error when it is not a list. Two files with the same content (one list pulled
under two names) would count every entry twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from pathlib import Path

from pipeline.lists.read import ListError, read_entries

log = logging.getLogger(__name__)


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # run says why it cannot be read


def lists_with_entries(candidates: Sequence[Path], known: Collection[str] = ()) -> tuple[Path, ...]:
    """The candidates that have paper entries, or are broken (``run`` says how).

    A file whose bytes the last run read as a list (its sha256 in ``known``) is one without
    being parsed again: a refresh of unchanged lists reads none of them.
    """
    lists = []
    for path in candidates:
        if _sha256(path) in known:
            lists.append(path)
            continue
        try:
            entries = read_entries(path)[1]
        except ListError:
            entries = None
        if entries == []:
            log.warning("%s: no paper entries, not a list; skipped", path)
        else:
            lists.append(path)
    if not lists:
        folders = sorted({str(p.parent) for p in candidates})
        raise ListError(
            f"no lists in {', '.join(f + '/' for f in folders)}: no *.md there has paper entries"
        )
    return tuple(lists)


def choose_lists(
    paths: Sequence[Path], named: bool, known: Collection[str] = ()
) -> tuple[Path, ...]:
    """The lists to read, each content once: all of ``paths`` when they were named on the
    command line, else those that are lists (``known``: see ``lists_with_entries``)."""
    chosen: dict[str, Path] = {}
    for path in paths if named else lists_with_entries(paths, known):
        digest = _sha256(path) or str(path)
        first = chosen.setdefault(digest, path)
        if first != path and first.resolve() != path.resolve():
            log.warning("%s: the same content as %s; read once", path, first)
    return tuple(chosen.values())
