"""The output directory's writes: all-or-nothing commits, their recovery, the lock.

A run writes several files (papers, entries, manifest, ...) that must stay consistent with
each other, and a ``kill -9`` may strike at any moment. So a commit goes in three steps:

1. every new file is written under a temporary name (``.NAME.RUN.tmp``) and fsynced;
2. a journal (``.commit-RUN.json``) naming those files is written and fsynced: from this
   moment the run is committed;
3. each temporary file is renamed over its final name (atomic per file), then the journal
   is removed.

Whoever takes the lock, to read or to write, first ``recover``s: a committed journal is
rolled forward and the temporary files of runs that never committed are deleted. Every
file is thus always whole, and after recovery all files belong to the same run. Recovery
acts only on the names a commit writes: a journal naming any other file is refused, and
other files (a user's ``.draft.tmp``, a directory) are left alone. SIGINT and SIGTERM wait
for the renames of step 3, so a signal never leaves files of two runs in place.

The lock is an ``flock`` (via filelock) on ``.lock``: the kernel releases it when its
holder dies, so a crashed run never blocks the next one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import filelock

from pipeline.store.schema import ALL

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
AUTHOR_FIXES_CSV = "author_fixes.csv"
MANIFEST = "manifest.json"
# Every name a commit may write; a journal naming anything else is refused.
DATASET_FILES = frozenset({schema.file for schema in ALL} | {AUTHOR_FIXES_CSV, MANIFEST})

_RUN_ID = r"[A-Za-z0-9_-]+"
_TEMP = re.compile(rf"\.(?P<final>.+)\.{_RUN_ID}\.tmp")
_JOURNAL_TEMP = re.compile(rf"\.commit-{_RUN_ID}\.json\.tmp")


class StoreError(Exception):
    """An output file that cannot be used; the message says which and what to do."""


class LockedError(Exception):
    """Another run holds the output directory."""


class DatasetLock:
    """Exclusive use of an output directory by one command at a time.

    Whoever takes the lock first finishes (or drops) a commit that was interrupted, so
    every reader and writer finds the files of one run.
    """

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
        try:
            recover(self.out_dir)
        except BaseException:
            self._lock.release()
            raise
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

    A symbolic link at ``path`` is replaced, never written through. The file keeps the
    mode of ``mode_from`` (by default the file it replaces); a new file gets the usual
    mode of new files (0666 less the umask). A file that cannot be written is a
    StoreError naming it, and leaves nothing behind.
    """
    temp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
    except BaseException as err:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise StoreError(f"cannot write {path}: {_reason(err)}") from err
        raise
    _written.append(path)


def _reason(err: OSError) -> str:
    return err.strerror or str(err)


def written() -> tuple[Path, ...]:
    """What this process has written (datasets committed, files replaced), in order: what
    stays done whatever interrupts it next."""
    return tuple(_written)


_written: list[Path] = []


def _temp_name(final: str, run_id: str) -> str:
    return f".{final}.{run_id}.tmp"


def _is_file(path: Path) -> bool:
    """A regular file, not a link, directory, FIFO or device."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except FileNotFoundError:
        return False


def _own_temporary(path: Path) -> bool:
    """A temporary file a commit writes; a user's ``.draft.tmp`` or a directory is not."""
    name = path.name
    own = _JOURNAL_TEMP.fullmatch(name) or (
        (match := _TEMP.fullmatch(name)) is not None and match["final"] in DATASET_FILES
    )
    return bool(own) and _is_file(path)


def _journal_moves(journal: Path) -> list[tuple[str, str]] | None:
    """The renames a journal commits to, or None when it was never complete.

    Only renames of this journal's own temporary files over files of the dataset are
    acted on: a journal naming anything else was not written by a commit, and is refused.
    """
    try:
        moves = json.loads(journal.read_bytes())
    except ValueError:
        return None  # cut short: the run never committed
    except OSError as err:
        raise StoreError(f"{journal}: unreadable commit journal ({_reason(err)})") from err
    well_formed = isinstance(moves, list) and all(
        isinstance(move, list) and len(move) == 2 and all(isinstance(n, str) for n in move)
        for move in moves
    )
    if not well_formed:
        raise StoreError(
            f"{journal}: not a commit journal (a JSON list of [temporary, final] names); "
            "move it aside"
        )
    run_id = journal.name.removeprefix(".commit-").removesuffix(".json")
    for temp, final in moves:
        if final not in DATASET_FILES or temp != _temp_name(final, run_id):
            raise StoreError(
                f"{journal}: refused, it renames {temp!r} to {final!r}, which are not "
                f"this run's files of the dataset; move it aside"
            )
        if os.path.lexists(out := journal.parent / temp) and not _is_file(out):
            raise StoreError(f"{journal}: refused, {out} is not a regular file; move it aside")
    return [(temp, final) for temp, final in moves]


def recover(out_dir: Path) -> None:
    """Finish a committed write that was interrupted; drop files of uncommitted ones.

    Call it holding the lock (``DatasetLock`` does). A journal that is not the
    pipeline's is a StoreError naming it.
    """
    if not out_dir.is_dir():
        return
    for journal in sorted(out_dir.glob(".commit-*.json")):
        if not _is_file(journal):
            continue
        moves = _journal_moves(journal)
        if moves is not None:
            for temp, final in moves:
                if (out_dir / temp).exists():
                    os.replace(out_dir / temp, out_dir / final)
            _fsync_dir(out_dir)
            log.warning("completed an interrupted write of %s", out_dir)
        journal.unlink()
    for path in out_dir.iterdir():
        if _own_temporary(path):
            path.unlink(missing_ok=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait for the block to end: its renames take microseconds, and an
    interrupt in their middle would leave files of two runs until the next recovery.

    A handler, not a signal mask: a mask holds a signal back from one thread only, and the
    kernel hands it to any other.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread is interrupted by a signal handler
        return
    caught: list[int] = []
    before = {
        signum: handler
        for signum in (signal.SIGINT, signal.SIGTERM)
        if (handler := signal.getsignal(signum)) is not None
    }
    for signum in before:
        signal.signal(signum, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        for number in caught:
            signal.raise_signal(number)


def commit(out_dir: Path, files: Mapping[str, bytes], run_id: str) -> None:
    """Replace ``files`` (name -> content) in ``out_dir`` all together (see module doc).

    A failure before the journal is in place removes what was written and changes
    nothing; a failure after it (a rename) leaves the journal for the next ``recover``.
    Either way a StoreError says which.
    """
    unknown = set(files) - DATASET_FILES
    if unknown:
        raise ValueError(f"not files of the dataset: {sorted(unknown)}")
    moves = [(_temp_name(name, run_id), name) for name in files]
    journal = out_dir / f".commit-{run_id}.json"
    journal_temp = out_dir / f".commit-{run_id}.json.tmp"
    started: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for (temp, _), data in zip(moves, files.values(), strict=True):
            started.append(out_dir / temp)
            _write_synced(out_dir / temp, data)
        started.append(journal_temp)
        _write_synced(journal_temp, json.dumps(moves).encode())
        with _signals_held():
            os.replace(journal_temp, journal)
            _written.append(out_dir)  # committed: recovery finishes it whatever happens
            _rename_all(out_dir, journal, moves)
    except BaseException as err:
        if journal.exists():
            raise
        for path in started:
            path.unlink(missing_ok=True)
        if isinstance(err, OSError):
            where = started[-1] if started else out_dir
            raise StoreError(
                f"cannot write {where}: {_reason(err)}; nothing in {out_dir} was changed"
            ) from err
        raise


def _rename_all(out_dir: Path, journal: Path, moves: list[tuple[str, str]]) -> None:
    done = 0
    try:
        for temp, final in moves:
            os.replace(out_dir / temp, out_dir / final)
            done += 1
        _fsync_dir(out_dir)
        journal.unlink()
    except OSError as err:
        raise StoreError(
            f"the write of {out_dir} stopped after {done} of {len(moves)} files "
            f"({_reason(err)}); the new dataset is committed in {journal} and the next "
            "command that reads the directory finishes it"
        ) from err
