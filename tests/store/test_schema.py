"""The data dictionary matches the code, and every writer's table carries the declared schema."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.lists.read import read_entries
from pipeline.records import ENTRY_STATUSES, FetchReport
from pipeline.stages.join import build_dataset
from pipeline.store.dataset import entries_table, papers_by_id, papers_table, read_table, to_table
from pipeline.store.dictionary import MANIFEST_KEYS, READ_AS, STATUS_MEANINGS, markdown, type_name
from pipeline.store.schema import ALL, ENTRIES, PAPERS, Column, FileSchema
from standin import FakeArxiv
from tests.conftest import ROOT, cli, fast_run_args

SCHEMA_DOC = ROOT / "docs" / "schema.md"


def assert_declared(table_schema: pa.Schema, declared: FileSchema) -> None:
    """Same columns, types and nullability as declared, each with its description."""
    assert table_schema.equals(declared.arrow, check_metadata=False), declared.file
    for column, field in zip(declared.columns, table_schema, strict=True):
        assert field.metadata is not None, f"{declared.file}:{column.name} has no metadata"
        assert field.metadata[b"description"].decode() == column.description


def example_value(column: Column) -> Any:
    """A column's documented example as a Python value of its type."""
    if pa.types.is_list(column.type):
        return json.loads(column.example)
    if pa.types.is_timestamp(column.type):
        return datetime.fromisoformat(column.example)
    if pa.types.is_integer(column.type):
        return int(column.example)
    if pa.types.is_floating(column.type):
        return float(column.example)
    if pa.types.is_boolean(column.type):
        return json.loads(column.example)
    return column.example


def test_docs_schema_md_is_generated_from_the_schema() -> None:
    assert SCHEMA_DOC.exists(), "docs/schema.md missing: python -m pipeline schema > docs/schema.md"
    assert SCHEMA_DOC.read_text(encoding="utf-8").rstrip("\n") == markdown().rstrip("\n"), (
        "docs/schema.md is out of date; regenerate it: python -m pipeline schema > docs/schema.md"
    )


def test_the_dictionary_covers_every_file_column_status_and_type() -> None:
    text = markdown()
    for schema in ALL:
        assert f"## {schema.file}" in text
        for column in schema.columns:
            assert f"| `{column.name}` | `{type_name(column.type)}` |" in text
            assert type_name(column.type) in READ_AS, f"no 'Reading the types' row for {column}"
    assert set(STATUS_MEANINGS) == set(ENTRY_STATUSES)
    assert "`entries.arxiv_id` -> `papers.arxiv_id`" in text
    assert "`author_fixes.arxiv_id` -> `papers.arxiv_id`" in text
    assert type_name(pa.list_(pa.string())) == "list<string>"


def test_examples_make_a_table_of_the_declared_types() -> None:
    for schema in ALL:
        table = to_table(schema, [{c.name: example_value(c) for c in schema.columns}])
        assert table.num_rows == 1
        assert_declared(table.schema, schema)
        assert table.schema.metadata[b"description"].decode() == schema.description


def test_every_written_file_has_the_declared_schema_and_the_manifest_is_documented(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = cli(fast_run_args(arxiv_api, out, tmp_path / "cache.sqlite", seed_list))
    assert result.returncode == 0, result.stderr

    # The writers' table builders, over a few real entries and papers.
    _, entries = read_entries(seed_list)
    dataset = build_dataset(
        entries[:8], FetchReport(), papers_by_id(read_table(out / "papers.parquet"))
    )
    assert dataset.papers and dataset.entries
    assert_declared(papers_table(dataset.papers).schema, PAPERS)
    assert_declared(entries_table(dataset.entries).schema, ENTRIES)

    # What a run writes.
    declared = {schema.file: schema for schema in ALL}
    written = sorted(p.name for p in out.glob("*.parquet"))
    assert {"papers.parquet", "entries.parquet"} <= set(written)
    for name in written:
        assert name in declared, f"{name} is written but not declared in pipeline/schema.py"
        schema = pq.read_schema(out / name)
        assert_declared(schema, declared[name])
        assert b"arxiv_enrich.run_id" in (schema.metadata or {})

    manifest = json.loads((out / "manifest.json").read_text())
    documented = {key for key, _ in MANIFEST_KEYS}
    actual = set()
    for key, value in manifest.items():
        nested = isinstance(value, dict) and any(d.startswith(f"{key}.") for d in documented)
        actual |= {f"{key}.{sub}" for sub in value} if nested else {key}
    assert actual == documented, (
        "manifest.json keys and MANIFEST_KEYS in pipeline/schema.py differ: "
        f"undocumented {sorted(actual - documented)}, not written {sorted(documented - actual)}"
    )
