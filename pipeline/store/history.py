"""The previous run, read back once and typed: what the next run plans from."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.records import Entry, EntryRow, History, Paper, Searched, Unanswered
from pipeline.store.dataset import papers_by_id, python_columns, read_table
from pipeline.store.schema import ENTRIES, PAPERS

_UNANSWERED = ("not_found", "invalid_id")


def read_history(out_dir: Path) -> History:
    """The papers, the ids arXiv had no paper for, and the title searches of the dataset
    in ``out_dir`` (an empty history when there is none)."""
    papers_table = read_table(out_dir / PAPERS.file)
    entries_table = read_table(out_dir / ENTRIES.file)
    papers = papers_by_id(papers_table)
    unanswered: dict[str, Unanswered] = {}
    searched: dict[tuple[str, str], Searched] = {}
    if entries_table is not None:
        unanswered = _unanswered(entries_table)
        searched = _searched(entries_table, papers)
    return History(papers, unanswered, searched, papers_table, entries_table)


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    columns = python_columns(table)
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def _asked_rows(entries: pa.Table) -> pa.Table:
    """Rows of entries that arXiv was asked about and that have no paper row of their own."""
    return entries.filter(pc.is_valid(entries["checked_at"]))


def _unanswered(entries: pa.Table) -> dict[str, Unanswered]:
    # Filtered in Python, not with pyarrow: its conversion of Python values (the statuses
    # to compare with) imports pandas, a third of a warm run's time.
    rows = _rows(_asked_rows(entries).select(["arxiv_id", "status", "checked_at"]))
    return {
        row["arxiv_id"]: Unanswered(row["status"], row["checked_at"])
        for row in rows
        if row["arxiv_id"] and row["status"] in _UNANSWERED
    }


def _searched(entries: pa.Table, papers: dict[str, Paper]) -> dict[tuple[str, str], Searched]:
    """Title searches whose outcome still stands: no match, or a match whose paper is
    still in the dataset."""
    rows = _asked_rows(entries).select(
        ["list_file", "title", "arxiv_id", "match_score", "checked_at"]
    )
    return {
        (row["list_file"], row["title"]): Searched(
            row["arxiv_id"], cast(float | None, row["match_score"]), row["checked_at"]
        )
        for row in _rows(rows)
        if row["title"] and (row["arxiv_id"] is None or row["arxiv_id"] in papers)
    }


def entries_of(entries: pa.Table) -> list[Entry]:
    """The entries of an entries.parquet table as the reader and ``refine`` made them,
    in the order of the table (``Entry.text`` is not stored: it is empty)."""
    columns = python_columns(entries)
    for name in ("tags", "authors", "code_urls", "defects", "other_ids"):
        columns[name] = [tuple(v or ()) for v in columns[name]]
    columns["authors_truncated"] = [bool(v) for v in columns["authors_truncated"]]
    # Datasets written before entries had a kind hold only papers.
    columns["kind"] = [kind or "paper" for kind in columns["kind"]]
    # The row's id and source are what the run resolved: an id found by a title search
    # is not the entry's own.
    searched = [source == "title_search" for source in columns["id_source"]]
    for name in ("arxiv_id", "id_source"):
        columns[name] = [None if s else v for s, v in zip(searched, columns[name], strict=True)]
    columns["text"] = [""] * entries.num_rows
    ordered = [columns[name] for name in Entry.__dataclass_fields__]
    return [Entry(*values) for values in zip(*ordered, strict=True)]


def entry_rows_of(entries: pa.Table) -> list[EntryRow]:
    """The rows of an entries.parquet table: each entry (``entries_of``) with the id it
    resolved to and what became of it."""
    resolved = entries.select(["arxiv_id", "id_source", "match_score", "status", "checked_at"])
    return [
        EntryRow(*values)
        for values in zip(entries_of(entries), *python_columns(resolved).values(), strict=True)
    ]
