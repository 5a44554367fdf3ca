"""Joining the lists' entries with arXiv's papers: statuses, tags, what is kept from before.

Pure functions over records; nothing here touches the network or the disk.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

from pipeline.records import (
    CHANGED_FIELDS,
    Change,
    Dataset,
    Entry,
    EntryKey,
    EntryRow,
    EntryStatus,
    FetchReport,
    IdSource,
    Paper,
    PaperRow,
    TitleMatches,
    Unanswered,
)
from pipeline.text import counted


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def entry_key(entry: Entry) -> EntryKey:
    """An entry's identity within a run: its list file and line."""
    return (entry.list_file, entry.line)


def unanswered_ids(
    report: FetchReport, earlier: Mapping[str, Unanswered], now: datetime
) -> dict[str, Unanswered]:
    """Every id arXiv has no paper for: said in this run's answers, or recently before."""
    return {
        **earlier,
        **{i: Unanswered("not_found", now) for i in report.not_found},
        **{i: Unanswered("invalid_id", now) for i in report.invalid},
    }


def entry_status(
    arxiv_id: str | None,
    entry: Entry,
    unanswered: Mapping[str, Unanswered],
    papers: Mapping[str, Paper],
    searched: bool = False,
) -> EntryStatus:
    if entry.kind != "paper":
        return "not_a_paper"
    if arxiv_id is None:
        if entry.id_error:
            return "invalid_id"
        return "not_on_arxiv" if searched else "no_arxiv_id"
    if arxiv_id in papers:
        return "enriched"
    if arxiv_id in unanswered:
        return unanswered[arxiv_id].status
    return "failed"


def build_dataset(
    entries: list[Entry],
    report: FetchReport,
    previous: Mapping[str, Paper],
    titles: TitleMatches | None = None,
    unanswered: Mapping[str, Unanswered] | None = None,
) -> Dataset:
    """The dataset of this run.

    A paper's row comes from this run's answer (by id, or by title search), or else from
    the previous dataset (not stale, or not refreshed because the run gave up).
    ``unanswered`` are the ids arXiv has no paper for (not found, or rejected), and when
    it said so (see ``unanswered_ids``).
    """
    titles = titles or TitleMatches()
    unanswered = unanswered or {}
    resolved: list[tuple[Entry, str | None, IdSource | None, float | None]] = []
    for entry in entries:
        found = titles.resolved.get(entry_key(entry)) if entry.arxiv_id is None else None
        if found is not None:
            resolved.append((entry, found[0], "title_search", found[1]))
        else:
            resolved.append((entry, entry.arxiv_id, entry.id_source, None))

    papers: dict[str, Paper] = {}
    for cited in _unique(arxiv_id for _, arxiv_id, _, _ in resolved):
        paper = report.papers.get(cited) or titles.papers.get(cited) or previous.get(cited)
        if paper is not None:
            papers[cited] = paper

    rows = []
    citing: dict[str, list[Entry]] = defaultdict(list)
    for entry, arxiv_id, source, score in resolved:
        searched_at = titles.checked_at.get(entry_key(entry)) if titles.checked_at else None
        status = entry_status(arxiv_id, entry, unanswered, papers, searched_at is not None)
        if searched_at is not None:
            checked_at: datetime | None = searched_at
        elif arxiv_id is not None and arxiv_id in unanswered and arxiv_id not in papers:
            checked_at = unanswered[arxiv_id].checked_at
        else:
            checked_at = None
        rows.append(EntryRow(entry, arxiv_id, source, score, status, checked_at))
        if arxiv_id is not None:
            citing[arxiv_id].append(entry)
    paper_rows = [_paper_row(paper, citing[arxiv_id]) for arxiv_id, paper in papers.items()]
    return Dataset(paper_rows, rows)


def _paper_row(paper: Paper, cited_by: list[Entry]) -> PaperRow:
    """A paper with the tags, sections and code links of the entries that cite it."""
    if len(cited_by) == 1:  # the usual case: no merging to do
        [entry] = cited_by
        return PaperRow(
            paper,
            _unique(entry.tags),
            (entry.section,) if entry.section else (),
            _unique(entry.code_urls),
        )
    return PaperRow(
        paper,
        _unique(t for e in cited_by for t in e.tags),
        _unique(e.section for e in cited_by),
        _unique(u for e in cited_by for u in e.code_urls),
    )


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return str(value)


def detect_changes(
    previous: Mapping[str, Paper], fetched: Mapping[str, Paper], detected_at: datetime
) -> list[Change]:
    """What differs, field by field, between a paper's previous row and this run's answer."""
    changes = []
    for arxiv_id, paper in sorted(fetched.items()):
        before = previous.get(arxiv_id)
        if before is None:
            continue
        for name in CHANGED_FIELDS:
            old, new = getattr(before, name), getattr(paper, name)
            if old != new:
                changes.append(Change(arxiv_id, name, _as_text(old), _as_text(new), detected_at))
    return changes


def removed_papers(previous: Mapping[str, Paper], cited: Iterable[str]) -> list[Paper]:
    """Papers of the previous dataset that no list cites any more."""
    still = set(cited)
    return [p for i, p in sorted(previous.items()) if i not in still]


def describe_changes(changes: Iterable[Change]) -> list[str]:
    """One line a kind of change, for the run's last lines and the manifest."""
    by_field: dict[str, list[str]] = defaultdict(list)
    for change in changes:
        by_field[change.field].append(
            f"{change.arxiv_id} (v{change.old} -> v{change.new})"
            if change.field == "version"
            else change.arxiv_id
        )
    lines = []
    for name in CHANGED_FIELDS:
        ids = by_field.get(name)
        if ids:
            one = len(ids) == 1
            if name == "version":
                what = "a new version" if one else "new versions"
            else:
                what = f"a changed {name}"
            verb = "has" if one else "have"
            lines.append(f"{counted(len(ids), 'paper')} {verb} {what}: {', '.join(ids)}")
    return lines
