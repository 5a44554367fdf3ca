"""Files of earlier runs read back: a column added to the schema since is filled in, any
other difference is one clear error naming the file, before any request is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.store.dataset import StoreError, appended, check_history, read_table, to_table
from pipeline.store.schema import ALL, CHANGES, ENTRIES, PAPERS, REMOVED, Column, FileSchema
from standin import FakeArxiv
from tests.conftest import cli, fast_run_args

WHEN = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def _value(column: Column, n: int) -> Any:
    """A valid value of any column type, different for each row ``n``."""
    kind = column.type
    if pa.types.is_list(kind):
        return [f"{column.name}-{n}-a", f"{column.name}-{n}-b"]
    if pa.types.is_timestamp(kind):
        return WHEN.replace(minute=n)
    if pa.types.is_boolean(kind):
        return n % 2 == 0
    if pa.types.is_integer(kind):
        return n + 1
    if pa.types.is_floating(kind):
        return n + 0.5
    return f"{column.name}-{n}"


def _table(schema: FileSchema, rows: int = 3) -> pa.Table:
    return to_table(schema, [{c.name: _value(c, n) for c in schema.columns} for n in range(rows)])


def _later_columns(schema: FileSchema) -> list[str]:
    """The columns an older file may lack: nullable ones and lists."""
    return [c.name for c in schema.columns if c.nullable or pa.types.is_list(c.type)]


@pytest.mark.parametrize(
    ("schema", "column"),
    [(s, c) for s in ALL for c in _later_columns(s)],
    ids=lambda v: v.file if isinstance(v, FileSchema) else v,
)
def test_a_file_written_before_a_column_was_added_is_read_with_it_empty(
    tmp_path: Path, schema: FileSchema, column: str
) -> None:
    full = _table(schema)
    pq.write_table(full.drop_columns([column]), tmp_path / schema.file)

    table = read_table(tmp_path / schema.file)

    assert table is not None
    assert table.schema.equals(schema.arrow)
    field = schema.arrow.field(column)
    empty: list[str] | None = None if field.nullable else []
    assert table[column].to_pylist() == [empty] * full.num_rows
    assert table.drop_columns([column]).equals(full.drop_columns([column]))


def test_columns_in_another_order_are_read_in_the_schemas(tmp_path: Path) -> None:
    full = _table(PAPERS)
    pq.write_table(full.select(list(reversed(full.column_names))), tmp_path / PAPERS.file)
    table = read_table(tmp_path / PAPERS.file)
    assert table is not None and table.equals(full)


def _with(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.column_names.index(name), name, values)


def _authors_as_text(table: pa.Table) -> pa.Table:
    return _with(table, "authors", pa.array(["A. One, B. Two"] * table.num_rows))


def _checked_at_as_text(table: pa.Table) -> pa.Table:
    return _with(table, "checked_at", pa.array(["2026-11-25"] * table.num_rows))


def _naive_published(table: pa.Table) -> pa.Table:
    return _with(table, "published", table["published"].cast(pa.timestamp("us")))


def _without_arxiv_id(table: pa.Table) -> pa.Table:
    return table.drop_columns(["arxiv_id"])


def _with_unknown_column(table: pa.Table) -> pa.Table:
    return table.append_column("mystery", pa.array([1] * table.num_rows))


def _null_status(table: pa.Table) -> pa.Table:
    return _with(table, "status", pa.array([None] * table.num_rows, pa.string()))


@pytest.mark.parametrize(
    ("schema", "damage", "named"),
    [
        (PAPERS, _authors_as_text, "authors"),
        (REMOVED, _authors_as_text, "authors"),
        (ENTRIES, _checked_at_as_text, "checked_at"),
        (PAPERS, _naive_published, "published"),
        (PAPERS, _without_arxiv_id, "arxiv_id"),
        (CHANGES, _with_unknown_column, "mystery"),
        (ENTRIES, _null_status, "status"),
    ],
)
def test_any_other_difference_is_one_error_naming_the_file_the_column_and_what_to_do(
    tmp_path: Path, schema: FileSchema, damage: Any, named: str
) -> None:
    path = tmp_path / schema.file
    pq.write_table(damage(_table(schema)), path)

    with pytest.raises(StoreError) as caught:
        if schema in (CHANGES, REMOVED):
            check_history(tmp_path)
        else:
            read_table(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert named in message and "move it aside" in message


def test_history_written_before_a_column_was_added_grows_with_it_empty(tmp_path: Path) -> None:
    older = _table(CHANGES, rows=2)
    pq.write_table(older.drop_columns(["old"]), tmp_path / CHANGES.file)
    new_rows = _table(CHANGES, rows=1)

    grown = appended(tmp_path, new_rows)

    assert grown.schema.equals(CHANGES.arrow)
    assert grown["old"].to_pylist() == [None, None, new_rows["old"][0].as_py()]
    assert grown["new"].to_pylist() == [*older["new"].to_pylist(), *new_rows["new"].to_pylist()]


@pytest.mark.parametrize(
    ("schema", "damage"),
    [(PAPERS, _authors_as_text), (ENTRIES, _checked_at_as_text), (REMOVED, _naive_published)],
)
def test_a_run_over_a_dataset_it_cannot_read_stops_before_any_request(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path, schema: FileSchema, damage: Any
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pq.write_table(damage(_table(schema)), out / schema.file)

    done = cli(fast_run_args(arxiv_api, out, tmp_path / "cache.sqlite", seed_list))

    assert done.returncode == 1, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {out / schema.file}: ") and "Traceback" not in done.stderr
    assert arxiv_api.log == []
