"""A refresh with nothing to do: the lists are the bytes the last run read, read by the
same reader, and nothing is new or stale.

Such a run would rebuild the very dataset it has: it reads the entries back from
entries.parquet instead of the lists, checks with the usual plan that there is nothing to
ask, and writes only the manifest (the record that it ran). Anything else, and the run
does its usual work.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.lists.load import ListRead, ListSource, reader_version
from pipeline.records import (
    Answers,
    Dataset,
    History,
    Manifest,
    NameCheck,
    PaperRow,
    Pulled,
)
from pipeline.stages.account import Findings, manifest_of
from pipeline.stages.join import removed_papers
from pipeline.stages.plan import plan_run
from pipeline.store.commit import StoreError
from pipeline.store.dataset import python_columns, read_table, write_dataset
from pipeline.store.history import entry_rows_of
from pipeline.store.last_run import read_manifest
from pipeline.store.schema import AUTHOR_FIXES
from pipeline.store.write import manifest_document

log = logging.getLogger(__name__)


def _same_lists(manifest: Manifest, sources: list[ListSource]) -> bool:
    """Whether the last run read exactly these lists, byte for byte, with this reader."""
    reader = reader_version()
    read = [(lst.path, lst.sha256, lst.reader) for lst in manifest.lists]
    return read == [(str(s.path), s.sha256, reader) for s in sources]


def unchanged_run(
    config: RunConfig,
    sources: list[ListSource],
    pulls: list[Pulled],
    history: History,
    started: datetime,
    run_id: str,
) -> Findings | None:
    """The findings of a run that has nothing to do, or None when it has something."""
    try:
        manifest = read_manifest(config.out_dir)
    except StoreError:
        return None  # the run rewrites a manifest it cannot read
    if (
        manifest is None
        or history.entries_table is None
        or history.papers_table is None
        or manifest.tool != f"arxiv-enrich {__version__}"
        or not manifest.complete
        or not _same_lists(manifest, sources)
    ):
        return None
    rows = entry_rows_of(history.entries_table)
    entries = [r.entry for r in rows]
    plan = plan_run(entries, history, started, config.max_age)
    if plan.ids or plan.titles:
        return None
    papers = history.papers_table.select(["arxiv_id", "tags", "sections", "code_urls"])
    paper_rows = [
        PaperRow(history.papers[i], tuple(tags), tuple(sections), tuple(code_urls))
        for i, tags, sections, code_urls in zip(*papers.to_pydict().values(), strict=True)
    ]
    if removed_papers(history.papers, (r.paper.arxiv_id for r in paper_rows)):
        return None
    fixes = read_table(config.out_dir / AUTHOR_FIXES.file)
    if fixes is None:
        return None
    by_list: dict[str, list[Any]] = {str(s.path): [] for s in sources}
    for entry in entries:
        by_list.setdefault(entry.list_file, []).append(entry)
    return Findings(
        run_id=run_id,
        started=started,
        api_url=config.api_url,
        lists=[ListRead(s.path, s.sha256, by_list[str(s.path)]).record() for s in sources],
        pulls=pulls,
        cited=plan.cited,
        answers=Answers(),
        fetched={},
        dataset=Dataset(paper_rows, rows),
        changes=[],
        removed=[],
        name_checks=[
            NameCheck(*values) for values in zip(*_columns(fixes, NameCheck), strict=True)
        ],
    )


def _columns(table: pa.Table, record: Any) -> list[list[Any]]:
    """The columns of ``table`` in the order of ``record``'s fields."""
    values = python_columns(table)
    return [values[f.name] for f in dataclasses.fields(record)]


def write_manifest(out_dir: Path, findings: Findings) -> Manifest:
    """Record the run: its manifest, the dataset's files left as they are."""
    log.info("the lists and the dataset are as the last run left them: only the manifest")
    manifest = manifest_of(findings, content_changed=False)
    write_dataset(out_dir, {}, manifest_document(manifest), findings.run_id)
    return manifest
