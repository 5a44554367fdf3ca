"""Writing one run's findings: every file of the dataset, committed together."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from pipeline.records import History, Manifest
from pipeline.stages.account import Findings, manifest_of
from pipeline.store.dataset import (
    AUTHOR_FIXES_CSV,
    appended,
    changes_table,
    csv_bytes,
    entries_table,
    papers_table,
    records_table,
    removed_table,
    same_content,
    write_dataset,
)
from pipeline.store.schema import AUTHOR_FIXES, CHANGES, ENTRIES, PAPERS, REMOVED


def manifest_document(manifest: Manifest) -> dict[str, Any]:
    """The manifest as the JSON document ``manifest.json`` holds."""
    return dataclasses.asdict(manifest)


def write_findings(out_dir: Path, findings: Findings, history: History) -> Manifest:
    """Commit every file of the run together; returns the manifest written."""
    papers = papers_table(findings.dataset)
    entries = entries_table(findings.dataset)
    fixes = records_table(AUTHOR_FIXES, findings.name_checks)
    removed = removed_table(
        history.papers_table, (p.arxiv_id for p in findings.removed), findings.started
    )
    # A scheduled job publishes only when the content changed: fetch and search times
    # alone change every time papers are refreshed.
    changed = not (
        same_content(history.papers_table, papers, ignore=["fetched_at"])
        and same_content(history.entries_table, entries, ignore=["checked_at"])
    )
    manifest = manifest_of(findings, changed)
    tables = {
        PAPERS.file: papers,
        ENTRIES.file: entries,
        AUTHOR_FIXES.file: fixes,
        CHANGES.file: appended(out_dir, changes_table(findings.changes)),
        REMOVED.file: appended(out_dir, removed),
    }
    write_dataset(
        out_dir,
        tables,
        manifest_document(manifest),
        findings.run_id,
        {AUTHOR_FIXES_CSV: csv_bytes(fixes)},
    )
    return manifest
