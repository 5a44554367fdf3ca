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
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import filelock
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipeline.records import Change, Dataset, Paper
from pipeline.store.schema import CHANGES, ENTRIES, PAPERS, REMOVED, FileSchema

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
AUTHOR_FIXES_CSV = "author_fixes.csv"
MANIFEST = "manifest.json"


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


def table_bytes(table: pa.Table, run_id: str) -> bytes:
    """A table as Parquet bytes, stamped with the run that wrote it."""
    metadata = {**(table.schema.metadata or {}), b"arxiv_enrich.run_id": run_id.encode()}
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(metadata), sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def to_table(schema: FileSchema, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A table of ``rows`` (dicts keyed by column name) with exactly ``schema``'s types."""
    return pa.Table.from_pylist(list(rows), schema=schema.arrow)


def paper_record(paper: Paper) -> dict[str, Any]:
    # A shallow copy: dataclasses.asdict deep-copies every value, a third of the write time.
    return dict(vars(paper))


def papers_table(dataset: Dataset) -> pa.Table:
    return to_table(
        PAPERS,
        ({**paper_record(r.paper), "tags": r.tags, "sections": r.sections} for r in dataset.papers),
    )


def entries_table(dataset: Dataset) -> pa.Table:
    return to_table(
        ENTRIES,
        (
            {
                "list_file": r.entry.list_file,
                "line": r.entry.line,
                "section": r.entry.section,
                "tags": r.entry.tags,
                "title": r.entry.title,
                "authors": r.entry.authors,
                "url": r.entry.url,
                "raw_id": r.entry.raw_id,
                "arxiv_id": r.arxiv_id,
                "id_fix": r.entry.id_fix,
                "id_error": r.entry.id_error,
                "id_source": r.id_source,
                "match_score": r.match_score,
                "checked_at": r.checked_at,
                "status": r.status,
            }
            for r in dataset.entries
        ),
    )


def changes_table(changes: Iterable[Change]) -> pa.Table:
    return to_table(CHANGES, (asdict(c) for c in changes))


def removed_table(
    previous: pa.Table | None, removed_ids: Iterable[str], removed_at: datetime
) -> pa.Table:
    """The last rows (of the previous papers table) of papers that left the lists, stamped
    with removed_at."""
    ids = pa.array(sorted(set(removed_ids)), pa.string())
    if previous is None or len(ids) == 0:
        return REMOVED.arrow.empty_table()
    rows = previous.filter(pc.is_in(previous["arxiv_id"], value_set=ids))
    rows = rows.select(PAPERS.arrow.names).cast(PAPERS.arrow)
    stamp = pa.array([removed_at] * rows.num_rows, REMOVED.arrow.field("removed_at").type)
    return pa.Table.from_arrays([*rows.columns, stamp], schema=REMOVED.arrow)


class StoreError(Exception):
    """An output file that cannot be used; the message says which and what to do."""


def check_history(out_dir: Path) -> None:
    """Stop before any work when a file kept run after run cannot be read (see appended)."""
    for path in (out_dir / CHANGES.file, out_dir / REMOVED.file):
        try:
            if path.exists():
                _read_parquet(path)
        except (OSError, pa.ArrowException) as err:
            raise StoreError(
                f"{path} is unreadable ({err}); move it aside to start its history anew"
            ) from err


def appended(out_dir: Path, new_rows: pa.Table) -> pa.Table:
    """The rows of a file kept run after run (changes, removed), with ``new_rows`` added.

    Unlike the dataset, which the next run rebuilds, this history exists nowhere else;
    ``check_history`` has made sure, before the run, that it can be read.
    """
    schema = new_rows.schema
    path = out_dir / schema.metadata[b"file"].decode()
    if not path.exists():
        return new_rows
    existing = _read_parquet(path)
    return pa.concat_tables([existing.select(schema.names).cast(schema), new_rows])


def csv_bytes(table: pa.Table) -> bytes:
    """A table as CSV with a header row, for people who open it in a spreadsheet."""
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def _read_parquet(path: Path) -> pa.Table:
    # ParquetFile, not pq.read_table: the latter imports pyarrow.dataset and with it
    # pandas, a third of a warm run's time.
    with pq.ParquetFile(path) as parquet:
        return parquet.read()


def read_table(path: Path) -> pa.Table | None:
    """A Parquet file of a previous run, or None when there is none or it is unreadable."""
    if not path.exists():
        return None
    try:
        return _read_parquet(path)
    except (OSError, pa.ArrowException) as err:
        log.warning("ignoring unreadable %s: %s", path, err)
        return None


def papers_by_id(table: pa.Table | None) -> dict[str, Paper]:
    """The papers of a papers.parquet table, by id (read column by column: fast)."""
    if table is None:
        return {}
    names = list(Paper.__dataclass_fields__)
    columns = table.select(names).to_pydict()
    columns["authors"] = [tuple(v or ()) for v in columns["authors"]]
    columns["categories"] = [tuple(v or ()) for v in columns["categories"]]
    return {values[0]: Paper(*values) for values in zip(*columns.values(), strict=True)}


def json_bytes(document: Any) -> bytes:
    """A JSON document (the manifest) as UTF-8, times in ISO 8601."""

    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

    return (json.dumps(document, indent=2, ensure_ascii=False, default=default) + "\n").encode()


def write_dataset(
    out_dir: Path,
    tables: Mapping[str, pa.Table],
    manifest: Mapping[str, Any],
    run_id: str,
    extra: Mapping[str, bytes] | None = None,
) -> None:
    """Commit the dataset's tables (file name -> table), other files, and the manifest
    (written last) together."""
    files = {
        **{name: table_bytes(table, run_id) for name, table in tables.items()},
        **(extra or {}),
        MANIFEST: json_bytes(manifest),
    }
    commit(out_dir, files, run_id)


def same_content(before: pa.Table | None, after: pa.Table, ignore: Iterable[str] = ()) -> bool:
    """Whether two versions of a table hold the same rows, leaving aside some columns."""
    if before is None or before.column_names != after.column_names:
        return False
    ignored = [c for c in ignore if c in after.column_names]
    return bool(before.drop_columns(ignored).equals(after.drop_columns(ignored)))
