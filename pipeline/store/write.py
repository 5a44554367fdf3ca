"""Writing one run's findings: every file of the dataset, committed together."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pyarrow.csv as pa_csv

from pipeline.records import History, Manifest
from pipeline.stages.account import Findings, manifest_of
from pipeline.store.dataset import (
    AUTHOR_FIXES_CSV,
    TableFile,
    appended,
    changes_table,
    entries_table,
    in_batches,
    papers_table,
    records_table,
    removed_table,
    table_bytes,
    write_dataset,
)
from pipeline.store.schema import AUTHOR_FIXES, CHANGES, ENTRIES, PAPERS, REMOVED


def manifest_document(manifest: Manifest) -> dict[str, Any]:
    """The manifest as the JSON document ``manifest.json`` holds."""
    return dataclasses.asdict(manifest)


def write_findings(out_dir: Path, findings: Findings, history: History) -> Manifest:
    """Commit every file of the run together; returns the manifest written.

    Each table is encoded batch by batch as it is built, so a run holds a few thousand
    rows in Arrow memory at a time, never a whole table.
    """
    run_id = findings.run_id
    # A scheduled job publishes only when the content changed: fetch and search times
    # alone change every time papers are refreshed.
    papers = TableFile(PAPERS.arrow, run_id, history.papers_table, ignore=["fetched_at"])
    for rows in in_batches(findings.dataset.papers):
        papers.write(papers_table(rows))
    papers_file = papers.close()
    entries = TableFile(ENTRIES.arrow, run_id, history.entries_table, ignore=["checked_at"])
    for entry_rows in in_batches(findings.dataset.entries):
        entries.write(entries_table(entry_rows))
    entries_file = entries.close()
    fixes = TableFile(AUTHOR_FIXES.arrow, run_id)
    fixes_csv = io.BytesIO()
    # A spreadsheet's copy of the same rows, with a header row.
    with pa_csv.CSVWriter(fixes_csv, AUTHOR_FIXES.arrow) as csv:
        for checks in in_batches(findings.name_checks):
            batch = records_table(AUTHOR_FIXES, checks)
            fixes.write(batch)
            csv.write_table(batch)
    removed = removed_table(
        history.papers_table, (p.arxiv_id for p in findings.removed), findings.started
    )
    files = {
        PAPERS.file: papers_file,
        ENTRIES.file: entries_file,
        AUTHOR_FIXES.file: fixes.close(),
        AUTHOR_FIXES_CSV: fixes_csv.getvalue(),
        CHANGES.file: table_bytes(appended(out_dir, changes_table(findings.changes)), run_id),
        REMOVED.file: table_bytes(appended(out_dir, removed), run_id),
    }
    manifest = manifest_of(findings, content_changed=not (papers.unchanged and entries.unchanged))
    write_dataset(out_dir, files, manifest_document(manifest), run_id)
    return manifest
