"""The output directory's tables: built from the run, written through ``commit``, read back."""

from __future__ import annotations

import io
import json
import logging
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.records import Change, EntryRow, Paper, PaperRow
from pipeline.store.commit import (
    AUTHOR_FIXES_CSV,
    MANIFEST,
    DatasetLock,
    LockedError,
    StoreError,
    commit,
    recover,
    write_atomically,
)
from pipeline.store.migrate import HISTORY, conform, read_checked, read_parquet, schema_of
from pipeline.store.schema import CHANGES, ENTRIES, PAPERS, REMOVED, FileSchema

# The commit's names, used by the commands through this module.
__all__ = [
    "AUTHOR_FIXES_CSV",
    "DatasetLock",
    "LockedError",
    "StoreError",
    "recover",
    "write_atomically",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Arrow's default allocator (mimalloc) keeps the memory of the tables a large run builds
# and frees; the C library's returns it, and a 100,000-paper run peaks 60 MiB lower.
pa.set_memory_pool(pa.system_memory_pool())


BATCH_ROWS = 8_192
"""Rows of a table built and encoded at a time: a large run never holds a whole table in
Arrow memory (100,000 papers take about 50 MiB, and as much again while being built)."""


class TableFile:
    """One Parquet file of the dataset, encoded batch by batch as its rows are built; on
    the way it tells whether the rows are those of the file's previous version.

    Written straight into Python's buffer: an Arrow buffer copied to bytes would hold the
    file twice.
    """

    def __init__(
        self,
        schema: pa.Schema,
        run_id: str,
        previous: pa.Table | None = None,
        ignore: Sequence[str] = (),
    ) -> None:
        metadata = {**(schema.metadata or {}), b"arxiv_enrich.run_id": run_id.encode()}
        self._sink = io.BytesIO()
        self._writer = pq.ParquetWriter(
            self._sink, schema.with_metadata(metadata), compression="zstd"
        )
        self._ignore = [name for name in ignore if name in schema.names]
        self._previous = (
            previous.drop_columns(self._ignore)
            if previous is not None and previous.column_names == schema.names
            else None
        )
        self._rows = 0
        self.unchanged = self._previous is not None
        """The rows so far are the previous version's, leaving aside the ignored columns."""

    def write(self, batch: pa.Table) -> None:
        if self.unchanged and self._previous is not None:
            before = self._previous.slice(self._rows, batch.num_rows)
            self.unchanged = before.equals(batch.drop_columns(self._ignore))
        self._writer.write_table(batch)
        self._rows += batch.num_rows

    def close(self) -> bytes:
        """The file's bytes; ``unchanged`` is now final."""
        self._writer.close()
        if self._previous is not None and self._previous.num_rows != self._rows:
            self.unchanged = False
        return self._sink.getvalue()


def table_bytes(table: pa.Table, run_id: str) -> bytes:
    """A table as Parquet bytes, stamped with the run that wrote it."""
    file = TableFile(table.schema, run_id)
    file.write(table)
    return file.close()


def to_table(schema: FileSchema, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A table of ``rows`` (dicts keyed by column name) with exactly ``schema``'s types."""
    return pa.Table.from_pylist(list(rows), schema=schema.arrow)


def columns_table(schema: FileSchema, columns: Mapping[str, Sequence[Any]]) -> pa.Table:
    """A table of ``columns`` (values by column name) with exactly ``schema``'s types:
    one array a column, several times faster than a dict a row."""
    arrow = schema.arrow
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in arrow], schema=arrow)


def _fields_of(records: Sequence[Any], names: Sequence[str]) -> dict[str, Sequence[Any]]:
    """The values of ``names`` in ``records``, by name: each record read in one call and
    the rows turned into columns (the records have slots, no ``__dict__``)."""
    if not records:
        return {name: () for name in names}
    rows = map(operator.attrgetter(*names), records)
    return dict(zip(names, zip(*rows, strict=True), strict=True))


def in_batches(records: Sequence[T], size: int = BATCH_ROWS) -> Iterator[Sequence[T]]:
    """``records`` in slices of ``size`` (at least one slice, empty for no records)."""
    yield records[:size]
    for start in range(size, len(records), size):
        yield records[start : start + size]


def records_table(schema: FileSchema, records: Sequence[Any]) -> pa.Table:
    """A table of dataclass ``records`` whose fields are ``schema``'s columns."""
    return columns_table(schema, _fields_of(records, schema.arrow.names))


_PAPER_FIELDS = tuple(f.name for f in fields(Paper))


def papers_table(rows: Sequence[PaperRow]) -> pa.Table:
    papers = [r.paper for r in rows]
    columns = _fields_of(papers, _PAPER_FIELDS)
    columns.update(_fields_of(rows, ("tags", "sections", "code_urls")))
    columns["withdrawn"] = [p.withdrawn for p in papers]
    return columns_table(PAPERS, columns)


# Columns of entries.parquet that are the entry's own fields, as the reader (and
# ``refine``) left them; the others say what the run made of the entry.
ENTRY_FIELDS = (
    "list_file",
    "line",
    "section",
    "tags",
    "title",
    "authors",
    "url",
    "raw_id",
    "id_fix",
    "id_error",
    "kind",
    "venue",
    "year",
    "code_urls",
    "defects",
    "authors_truncated",
    "other_ids",
)


def entries_table(rows: Sequence[EntryRow]) -> pa.Table:
    columns = _fields_of([r.entry for r in rows], ENTRY_FIELDS)
    columns.update(
        _fields_of(rows, ("arxiv_id", "id_source", "match_score", "checked_at", "status"))
    )
    return columns_table(ENTRIES, columns)


def changes_table(changes: Iterable[Change]) -> pa.Table:
    return records_table(CHANGES, list(changes))


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


def check_history(out_dir: Path) -> None:
    """Stop before any work when a file kept run after run cannot be read, or not in
    today's schema (see ``appended``); a StoreError says which and what to do."""
    for schema in HISTORY:
        if (out_dir / schema.file).exists():
            read_checked(out_dir / schema.file, schema)


def appended(out_dir: Path, new_rows: pa.Table) -> pa.Table:
    """The rows of a file kept run after run (changes, removed), with ``new_rows`` added.

    Unlike the dataset, which the next run rebuilds, this history exists nowhere else;
    ``check_history`` has made sure, before the run, that it can be read.
    """
    path = out_dir / new_rows.schema.metadata[b"file"].decode()
    schema = schema_of(path)
    if not path.exists() or schema is None:
        return new_rows
    return pa.concat_tables([read_checked(path, schema), new_rows.cast(schema.arrow)])


def read_table(path: Path) -> pa.Table | None:
    """A Parquet file of a previous run in today's schema (see ``migrate``), or None when
    there is none or it is unreadable (the run rebuilds it).

    A file that can be read but not in today's schema is a StoreError: the run must not
    go on with it, nor silently lose it.
    """
    if not path.exists():
        return None
    try:
        table = read_parquet(path)
    except (OSError, pa.ArrowException) as err:
        log.warning("ignoring unreadable %s: %s", path, err)
        return None
    schema = schema_of(path)
    return table if schema is None else conform(table, schema, path)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _values(column: pa.ChunkedArray) -> list[Any]:
    """A column as Python values; UTC timestamps turned into datetimes here, because
    pyarrow's own conversion imports pandas (a third of a warm run's time)."""
    if pa.types.is_timestamp(column.type) and column.type.unit == "us":
        micros = column.cast(pa.int64()).to_pylist()
        return [None if v is None else _EPOCH + timedelta(microseconds=v) for v in micros]
    values: list[Any] = column.to_pylist()
    return values


def python_columns(table: pa.Table) -> dict[str, list[Any]]:
    """``table.to_pydict()``, without pandas."""
    return {name: _values(table[name]) for name in table.column_names}


def papers_by_id(table: pa.Table | None) -> dict[str, Paper]:
    """The papers of a papers.parquet table, by id (read column by column: fast)."""
    if table is None:
        return {}
    names = list(_PAPER_FIELDS)
    columns = python_columns(table.select(names))
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
    out_dir: Path, files: Mapping[str, bytes], manifest: Mapping[str, Any], run_id: str
) -> None:
    """Commit the dataset's files (name -> bytes) and the manifest (written last) together."""
    commit(out_dir, {**files, MANIFEST: json_bytes(manifest)}, run_id)
