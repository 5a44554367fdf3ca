"""Joining the lists' entries with arXiv's papers: statuses, tags, what is kept from before.

Pure functions over records; nothing here touches the network or the disk.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline.lists.read import Entry, IdSource
from pipeline.records import FetchReport, Paper
from pipeline.store.schema import CHANGED_FIELDS


@dataclass(frozen=True)
class EntryRow:
    """An entry with the id it resolved to and what became of it."""

    entry: Entry
    arxiv_id: str | None
    id_source: IdSource | None
    match_score: float | None
    status: str
    checked_at: datetime | None = None


@dataclass(frozen=True)
class PaperRow:
    """A paper with the tags and sections of the entries that cite it."""

    paper: Paper
    tags: tuple[str, ...]
    sections: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    papers: list[PaperRow]
    entries: list[EntryRow]


def cited_ids(entries: Iterable[Entry]) -> list[str]:
    """The valid arXiv ids the entries cite, each once, in order of first citation."""
    return list(dict.fromkeys(e.arxiv_id for e in entries if e.arxiv_id))


def ids_to_fetch(
    wanted: Iterable[str], previous: Mapping[str, Paper], now: datetime, max_age: timedelta
) -> list[str]:
    """The ids that are new, or whose data in the previous dataset is older than max_age."""
    return [i for i in wanted if i not in previous or now - previous[i].fetched_at >= max_age]


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


EntryKey = tuple[str, int]


def entry_key(entry: Entry) -> EntryKey:
    """An entry's identity within a run: its list file and line."""
    return (entry.list_file, entry.line)


@dataclass(frozen=True)
class TitleMatches:
    """What searching arXiv by title gave: when each entry was searched, the ids found
    with their scores, and the papers."""

    checked_at: Mapping[EntryKey, datetime] = field(default_factory=dict)
    resolved: Mapping[EntryKey, tuple[str, float]] = field(default_factory=dict)
    papers: Mapping[str, Paper] = field(default_factory=dict)


def entry_status(
    arxiv_id: str | None,
    entry: Entry,
    report: FetchReport,
    papers: Mapping[str, Paper],
    searched: bool = False,
) -> str:
    if arxiv_id is None:
        if entry.id_error:
            return "invalid_id"
        return "not_on_arxiv" if searched else "no_arxiv_id"
    if arxiv_id in papers:
        return "enriched"
    if arxiv_id in report.invalid:
        return "invalid_id"
    if arxiv_id in report.not_found:
        return "not_found"
    return "failed"


def build_dataset(
    entries: list[Entry],
    report: FetchReport,
    previous: Mapping[str, Paper],
    titles: TitleMatches | None = None,
    id_checked_at: Mapping[str, datetime] | None = None,
) -> Dataset:
    """The dataset of this run.

    A paper's row comes from this run's answer (by id, or by title search), or else from
    the previous dataset (not stale, or not refreshed because the run gave up).
    ``id_checked_at`` says when arXiv last had no paper for an id (not found, rejected).
    """
    titles = titles or TitleMatches()
    id_checked_at = id_checked_at or {}
    resolved: list[tuple[Entry, str | None, IdSource | None, float | None]] = []
    for entry in entries:
        if entry.arxiv_id is None and entry_key(entry) in titles.resolved:
            found_id, found_score = titles.resolved[entry_key(entry)]
            resolved.append((entry, found_id, "title_search", found_score))
        else:
            resolved.append((entry, entry.arxiv_id, entry.id_source, None))

    papers: dict[str, Paper] = {}
    for cited in _unique(arxiv_id for _, arxiv_id, _, _ in resolved):
        paper = report.papers.get(cited) or titles.papers.get(cited) or previous.get(cited)
        if paper is not None:
            papers[cited] = paper

    rows = []
    for entry, arxiv_id, source, score in resolved:
        key = entry_key(entry)
        status = entry_status(arxiv_id, entry, report, papers, key in titles.checked_at)
        if key in titles.checked_at:
            checked_at: datetime | None = titles.checked_at[key]
        elif arxiv_id is not None and status in ("not_found", "invalid_id"):
            checked_at = id_checked_at.get(arxiv_id)
        else:
            checked_at = None
        rows.append(EntryRow(entry, arxiv_id, source, score, status, checked_at))
    citing: dict[str, list[Entry]] = defaultdict(list)
    for r in rows:
        if r.arxiv_id is not None:
            citing[r.arxiv_id].append(r.entry)
    paper_rows = [
        PaperRow(
            paper,
            _unique(t for e in citing[arxiv_id] for t in e.tags),
            _unique(e.section for e in citing[arxiv_id]),
        )
        for arxiv_id, paper in papers.items()
    ]
    return Dataset(paper_rows, rows)


@dataclass(frozen=True)
class Change:
    """One field of a paper that arXiv changed since the previous run."""

    arxiv_id: str
    field: str
    old: str | None
    new: str | None
    detected_at: datetime


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
            what = "new versions" if name == "version" else f"a changed {name}"
            lines.append(f"{len(ids)} papers have {what}: {', '.join(ids)}")
    return lines
