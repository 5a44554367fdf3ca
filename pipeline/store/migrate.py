"""Files of earlier runs, read back in this version's schema.

A file written before a column was added to the schema lacks it: the column is added,
null when nullable and empty when a list, as a run of today would have written it for
data that had none. Any other difference (a column of another type, a required column
missing or null, a column this version does not know) cannot be guessed away: it is one
StoreError naming the file, the columns and what to do, raised before the file is used.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.store.commit import StoreError
from pipeline.store.schema import ALL, CHANGES, REMOVED, FileSchema

# Files kept run after run: they exist nowhere else, so moving one aside loses its history.
HISTORY = (CHANGES, REMOVED)
_UTC = ("UTC", "+00:00", "Etc/UTC")


def schema_of(path: Path) -> FileSchema | None:
    """The schema of a file of the dataset, by its name."""
    return next((s for s in ALL if s.file == path.name), None)


def read_parquet(path: Path) -> pa.Table:
    # ParquetFile, not pq.read_table: the latter imports pyarrow.dataset and with it
    # pandas, a third of a warm run's time.
    with pq.ParquetFile(path) as parquet:
        return parquet.read()


def read_checked(path: Path, schema: FileSchema) -> pa.Table:
    """A file of the dataset in ``schema``, or a StoreError saying why it cannot be."""
    try:
        table = read_parquet(path)
    except (OSError, pa.ArrowException) as err:
        raise StoreError(
            f"{path} is unreadable ({_first_line(err)}); {_what_to_do(schema)}"
        ) from err
    return conform(table, schema, path)


def conform(table: pa.Table, schema: FileSchema, path: Path) -> pa.Table:
    """``table``, read from ``path``, with exactly ``schema``'s columns in its order."""
    problems: list[str] = []
    columns: list[pa.ChunkedArray | pa.Array] = []
    for field in schema.arrow:
        if field.name not in table.column_names:
            added = _added_later(field, table.num_rows)
            if added is None:
                problems.append(f"lacks the required column {field.name}")
            else:
                columns.append(added)
            continue
        column = table[field.name]
        if column.type != field.type:
            try:
                if not _same_instants(column.type, field.type):
                    raise pa.ArrowTypeError
                column = column.cast(field.type)
            except pa.ArrowException:
                problems.append(f"column {field.name} is {column.type}, not {field.type}")
                continue
        if not field.nullable and column.null_count:
            problems.append(f"column {field.name} has {column.null_count} empty values")
        columns.append(column)
    unknown = [name for name in table.column_names if name not in schema.arrow.names]
    if unknown:
        problems.append(f"has columns this version does not know ({', '.join(unknown)})")
    if problems:
        raise StoreError(f"{path}: {'; '.join(problems)}; {_what_to_do(schema)}")
    return pa.Table.from_arrays(columns, schema=schema.arrow)


def _added_later(field: pa.Field, rows: int) -> pa.Array | None:
    """The column a file written before ``field`` existed gets, or None if it has none."""
    if field.nullable:
        return pa.nulls(rows, field.type)
    if pa.types.is_list(field.type):
        return pa.array([[]] * rows, field.type)
    return None


def _same_instants(found: pa.DataType, wanted: pa.DataType) -> bool:
    """UTC timestamps of another unit (pandas writes nanoseconds): the same instants."""
    return (
        pa.types.is_timestamp(found)
        and pa.types.is_timestamp(wanted)
        and found.tz in _UTC
        and wanted.tz in _UTC
    )


def _what_to_do(schema: FileSchema) -> str:
    if schema in HISTORY:
        return (
            "convert it to the schema of docs/schema.md, or move it aside to start its history anew"
        )
    return "move it aside; the next run writes it anew"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
