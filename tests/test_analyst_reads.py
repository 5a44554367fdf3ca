"""The dataset reads with the documented types in pyarrow, pandas, DuckDB and Polars.

The types are those of docs/schema.md ("Reading the types"): UTC timestamps to the
microsecond, lists of strings as real lists, int32 version and line numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.store.dictionary import READ_AS, type_name
from pipeline.store.schema import ALL, ENTRIES, PAPERS, FileSchema
from standin import FakeArxiv
from tests.conftest import cli, fast_run_args

HINTON = "1503.02531"  # Distilling the Knowledge in a Neural Network
HINTON_AUTHORS = ["Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean"]

POLARS_TYPES = {
    "string": pl.String(),
    "int32": pl.Int32(),
    "double": pl.Float64(),
    "timestamp[us, tz=UTC]": pl.Datetime("us", "UTC"),
    "list<string>": pl.List(pl.String()),
    "bool": pl.Boolean(),
}


def dataset(api: FakeArxiv, seed_list: Path, tmp_path: Path) -> list[tuple[Path, FileSchema]]:
    """Run the pipeline once; every Parquet file it wrote, with its declared schema."""
    out = tmp_path / "enriched"
    result = cli(fast_run_args(api, out, tmp_path / "cache.sqlite", seed_list))
    assert result.returncode == 0, result.stderr
    files = [(out / s.file, s) for s in ALL if (out / s.file).exists()]
    assert {p.name for p, _ in files} >= {"papers.parquet", "entries.parquet"}
    return files


def hinton_published(papers: Path) -> datetime:
    table = pq.read_table(papers, filters=[("arxiv_id", "=", HINTON)])
    value: datetime = table["published"][0].as_py()
    assert value.utcoffset() == timedelta(0)
    return value


def test_pyarrow(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    files = dataset(arxiv_api, seed_list, tmp_path)
    for path, schema in files:
        table = pq.read_table(path)
        assert table.schema.equals(schema.arrow, check_metadata=False), path.name
    papers = pq.read_table(path.with_name(PAPERS.file))
    assert papers.schema.field("published").type == pa.timestamp("us", tz="UTC")
    assert papers.schema.field("authors").type == pa.list_(pa.string())
    assert papers.schema.field("version").type == pa.int32()
    assert pq.read_schema(path.with_name(ENTRIES.file)).field("line").type == pa.int32()
    hinton = papers.filter(pc.equal(papers["arxiv_id"], HINTON)).to_pylist()[0]
    assert hinton["authors"] == HINTON_AUTHORS
    assert hinton["published"] == datetime(2015, 3, 9, 8, 35, 12, tzinfo=UTC)


def test_pandas(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    files = dataset(arxiv_api, seed_list, tmp_path)
    for path, schema in files:
        frame = pd.read_parquet(path)
        for column in schema.columns:
            kind, series = type_name(column.type), frame[column.name]
            where = f"{path.name}:{column.name}"
            if kind == "timestamp[us, tz=UTC]":
                assert str(series.dtype) == "datetime64[us, UTC]", where
            elif kind == "int32":
                expected = "float64" if series.isna().any() else "int32"
                assert str(series.dtype) == expected, where
            elif kind == "double":
                assert str(series.dtype) == "float64", where
            elif kind == "bool":
                expected = "object" if series.isna().any() else "bool"
                assert str(series.dtype) == expected, where
            elif kind == "list<string>":
                assert series.dtype == object, where
                for value in series.dropna():
                    assert isinstance(value, np.ndarray), where
                    assert all(isinstance(v, str) for v in value), where
            else:
                assert pd.api.types.is_string_dtype(series), where
    papers_file = path.with_name(PAPERS.file)
    papers = pd.read_parquet(papers_file).set_index("arxiv_id")
    authors: Any = papers.loc[HINTON, "authors"]
    assert list(authors) == HINTON_AUTHORS
    assert papers.loc[HINTON, "published"] == pd.Timestamp(hinton_published(papers_file))
    assert papers["published"].dt.year.between(2014, 2018).all()


def test_duckdb(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    files = dataset(arxiv_api, seed_list, tmp_path)
    con = duckdb.connect()
    for path, schema in files:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        types = {row[0]: row[1] for row in described}
        for column in schema.columns:
            documented = READ_AS[type_name(column.type)][1].strip("`")
            assert types[column.name] == documented, f"{path.name}:{column.name}"
    papers = path.with_name(PAPERS.file)
    authors, published_us, version = con.execute(
        f"SELECT authors, epoch_us(published), version FROM read_parquet('{papers}') "
        "WHERE arxiv_id = ?",
        [HINTON],
    ).fetchone() or (None, None, None)
    assert authors == HINTON_AUTHORS
    assert published_us == int(hinton_published(papers).timestamp() * 1_000_000)
    assert isinstance(version, int)


def test_polars(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    files = dataset(arxiv_api, seed_list, tmp_path)
    for path, schema in files:
        frame = pl.read_parquet(path)
        for column in schema.columns:
            expected = POLARS_TYPES[type_name(column.type)]
            assert frame.schema[column.name] == expected, f"{path.name}:{column.name}"
    papers_file = path.with_name(PAPERS.file)
    papers = pl.read_parquet(papers_file).filter(pl.col("arxiv_id") == HINTON)
    assert papers["authors"].to_list() == [HINTON_AUTHORS]
    assert papers["published"].item() == hinton_published(papers_file)
