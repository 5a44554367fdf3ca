"""The output directory: typed tables, all-or-nothing commits, the previous dataset, the lock.

A run writes several files (papers, entries, manifest, ...) that must stay consistent with
each other, and a ``kill -9`` may strike at any moment. So a commit goes in three steps:

1. every new file is written under a temporary name (``.NAME.RUN.tmp``) and fsynced;
2. a journal (``.commit-RUN.json``) naming those files is written and fsynced: from this
   moment the run is committed;
3. each temporary file is renamed over its final name (atomic per file), then the journal
   is removed.

Before reading or writing, ``recover`` rolls a committed journal forward and deletes
temporary files of runs that never committed. Every file is thus always whole, and after
recovery all files belong to the same run. The lock is an ``flock`` (via filelock) on
``.lock``: the kernel releases it when its holder dies, so a crashed run never blocks the
next one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import filelock

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
AUTHOR_FIXES_CSV = "author_fixes.csv"
MANIFEST = "manifest.json"


class StoreError(Exception):
    """An output file that cannot be used; the message says which and what to do."""


class LockedError(Exception):
    """Another run holds the output directory."""


class DatasetLock:
    """Exclusive use of an output directory by one run at a time."""

    def __init__(self, out_dir: Path, wait: bool = False) -> None:
        self.out_dir = out_dir
        self._lock = filelock.FileLock(str(out_dir / LOCK_NAME), timeout=-1 if wait else 0)

    def __enter__(self) -> DatasetLock:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except filelock.Timeout as err:
            raise LockedError(
                f"another run is writing {self.out_dir} (lock {self.out_dir / LOCK_NAME}); "
                "try again later or pass --wait"
            ) from err
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_atomically(path: Path, data: bytes, mode_from: Path | None = None) -> None:
    """Replace ``path`` with ``data`` in one step: a reader sees the old file or the new.

    The file keeps the mode of ``mode_from`` (by default the file it replaces); a new file
    gets the usual mode of new files (0666 less the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        like = mode_from if mode_from is not None else path
        if like.exists():
            shutil.copymode(like, temp)
        else:
            # mkstemp makes the file private (0600); give it the mode of any new file.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def recover(out_dir: Path) -> None:
    """Finish a committed write that was interrupted; drop files of uncommitted ones."""
    if not out_dir.is_dir():
        return
    for journal in sorted(out_dir.glob(".commit-*.json")):
        try:
            moves = json.loads(journal.read_text())
        except (OSError, ValueError):
            # The journal itself was not complete: the run never committed.
            journal.unlink(missing_ok=True)
            continue
        for temp, final in moves:
            if (out_dir / temp).exists():
                os.replace(out_dir / temp, out_dir / final)
        _fsync_dir(out_dir)
        journal.unlink()
        log.warning("completed an interrupted write of %s", out_dir)
    for temp in out_dir.glob(".*.tmp"):
        temp.unlink(missing_ok=True)


def commit(out_dir: Path, files: Mapping[str, bytes], run_id: str) -> None:
    """Replace ``files`` (name -> content) in ``out_dir`` all together (see module doc)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    moves = []
    for name, data in files.items():
        temp = f".{name}.{run_id}.tmp"
        _write_synced(out_dir / temp, data)
        moves.append((temp, name))
    journal = out_dir / f".commit-{run_id}.json"
    _write_synced(out_dir / f".commit-{run_id}.json.tmp", json.dumps(moves).encode())
    os.replace(out_dir / f".commit-{run_id}.json.tmp", journal)
    _fsync_dir(out_dir)
    for temp, final in moves:
        os.replace(out_dir / temp, out_dir / final)
    _fsync_dir(out_dir)
    journal.unlink()
