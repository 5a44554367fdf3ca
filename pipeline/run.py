"""One refresh of the dataset: read the lists, fetch what is new or stale, commit the result.

This is the library behind ``python -m pipeline run``: the command line only turns options
into a ``RunConfig`` and a ``RunOutcome`` into an exit code.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline import DEFAULT_API_URL, __version__
from pipeline.lists.read import Entry, ListError, read_entries
from pipeline.records import FetchReport, Paper
from pipeline.stages.authors import NameCheck, best_title_match, check_entries
from pipeline.stages.join import (
    Change,
    Dataset,
    EntryKey,
    TitleMatches,
    build_dataset,
    cited_ids,
    describe_changes,
    detect_changes,
    entry_key,
    ids_to_fetch,
    removed_papers,
)
from pipeline.store.dataset import (
    AUTHOR_FIXES_CSV,
    DatasetLock,
    appended,
    changes_table,
    check_history,
    csv_bytes,
    entries_table,
    papers_by_id,
    papers_table,
    read_table,
    recover,
    removed_table,
    same_content,
    to_table,
    write_dataset,
)
from pipeline.store.schema import AUTHOR_FIXES, CHANGES, ENTRIES, PAPERS, REMOVED

if TYPE_CHECKING:
    from pipeline.api.client import ArxivFetcher

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("data/enriched")
DEFAULT_CACHE = Path("data/cache/arxiv-http.sqlite")

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_LOCKED = 4

ProgressFactory = Callable[[int, str], Callable[[int], None]]


@dataclass(frozen=True)
class RunConfig:
    """How to run: the lists to read, where to write, and how to talk to arXiv."""

    lists: tuple[Path, ...]
    out_dir: Path = DEFAULT_OUT
    cache_path: Path | None = DEFAULT_CACHE
    api_url: str = DEFAULT_API_URL
    delay: float = 3.0
    batch_size: int = 100
    timeout: float = 30.0
    max_retries: int = 5
    max_wait: float = 300.0
    max_age: timedelta = timedelta(days=7)
    wait_for_lock: bool = False
    contact: str | None = None


@dataclass
class RunOutcome:
    """What a run did, for the exit code, the summary lines and the manifest."""

    exit_code: int
    message: str
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListRead:
    path: Path
    sha256: str
    entries: list[Entry]


def read_lists(paths: tuple[Path, ...]) -> list[ListRead]:
    """Every list, or a ListError naming the first that cannot be used."""
    read = []
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            continue  # the same file named twice
        seen.add(path.resolve())
        _, entries = read_entries(path)
        if not entries:
            raise ListError(f"{path}: no paper entries (list items with a link or arXiv id)")
        if not any(e.arxiv_id for e in entries):
            log.warning("%s: no arXiv ids; its entries are searched on arXiv by title", path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()  # as `pull` records it
        read.append(ListRead(path, digest, entries))
    return read


def make_fetcher(config: RunConfig) -> ArxivFetcher:
    """The paced, cached client of this run's arXiv API."""
    # Imported here: the network stack is a fifth of a run's start-up, and a refresh with
    # nothing new or stale to ask never needs it.
    from pipeline.api.client import ArxivFetcher, RetryPolicy
    from pipeline.api.transport import ApiSession, SessionSettings

    session = ApiSession(
        SessionSettings(
            cache_path=config.cache_path,
            delay=config.delay,
            timeout=config.timeout,
            expire_after_seconds=config.max_age.total_seconds(),
            contact=config.contact,
        )
    )
    session.drop_older_than(config.max_age)
    return ArxivFetcher(
        session,
        config.api_url,
        config.batch_size,
        RetryPolicy(
            config.max_retries, backoff_base=max(config.delay, 0.01), max_wait=config.max_wait
        ),
    )


def missing_ids(
    previous_entries: pa.Table | None, now: datetime, max_age: timedelta
) -> dict[str, tuple[str, datetime]]:
    """Ids arXiv recently had no paper for (not found, or rejected with HTTP 400), with
    when it said so: they are not asked again before ``max_age``, like papers."""
    if previous_entries is None:
        return {}
    statuses = pa.array(["not_found", "invalid_id"])
    rows = previous_entries.filter(
        pc.and_(
            pc.is_in(previous_entries["status"], value_set=statuses),
            pc.is_valid(previous_entries["checked_at"]),
        )
    ).select(["arxiv_id", "status", "checked_at"])
    return {
        row["arxiv_id"]: (row["status"], row["checked_at"])
        for row in rows.to_pylist()
        if row["arxiv_id"] and now - row["checked_at"] < max_age
    }


class TitleSearch:
    """Finding arXiv ids for entries that give none, by searching arXiv for their titles.

    A search younger than ``max_age`` is not repeated: its outcome (a match whose paper is
    still in the dataset, or no match) is carried over from the previous entries, as it is
    when a search cannot be made because arXiv stopped answering. ``titles`` are the
    titles left to search; ``resolve`` turns the candidates found into ``TitleMatches``.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        previous_entries: pa.Table | None,
        previous: Mapping[str, Paper],
        now: datetime,
        max_age: timedelta,
    ) -> None:
        self.now = now
        self.earlier: dict[tuple[str, str], dict[str, Any]] = {}
        self.checked_at: dict[EntryKey, datetime] = {}
        self.resolved: dict[EntryKey, tuple[str, float]] = {}
        self.to_search: list[Entry] = []
        title_only = [e for e in entries if e.arxiv_id is None and not e.id_error and e.title]
        if title_only and previous_entries is not None:
            searched = previous_entries.filter(pc.is_valid(previous_entries["checked_at"]))
            for row in searched.to_pylist():
                if row["title"] and (row["arxiv_id"] is None or row["arxiv_id"] in previous):
                    self.earlier[(row["list_file"], row["title"])] = row
        for entry in title_only:
            row = self._earlier(entry)
            if row is not None and now - row["checked_at"] < max_age:
                self._carry_over(entry, row)
            else:
                self.to_search.append(entry)

    @property
    def titles(self) -> list[str]:
        return [e.title for e in self.to_search if e.title]

    def _earlier(self, entry: Entry) -> dict[str, Any] | None:
        return self.earlier.get((entry.list_file, entry.title or ""))

    def _carry_over(self, entry: Entry, row: Mapping[str, Any]) -> None:
        self.checked_at[entry_key(entry)] = row["checked_at"]
        if row["arxiv_id"] is not None:
            self.resolved[entry_key(entry)] = (row["arxiv_id"], row["match_score"])

    def resolve(self, candidates: Mapping[str, list[Paper]]) -> TitleMatches:
        """The matches, given the candidate papers found for each searched title."""
        papers: dict[str, Paper] = {}
        for entry in self.to_search:
            found = candidates.get(entry.title or "")
            if found is None:
                # Not searched this time (arXiv stopped answering): keep what was known.
                if (row := self._earlier(entry)) is not None:
                    self._carry_over(entry, row)
                continue
            self.checked_at[entry_key(entry)] = self.now
            match = best_title_match(entry.title or "", entry.authors, found)
            if match is not None:
                paper, score = match
                self.resolved[entry_key(entry)] = (paper.arxiv_id, score)
                papers[paper.arxiv_id] = paper
        return TitleMatches(self.checked_at, self.resolved, papers)


def _no_progress(total: int, label: str) -> Callable[[int], None]:
    return lambda n: None


@dataclass(frozen=True)
class RunResult:
    """Everything one run found out, before it is written."""

    run_id: str
    started: datetime
    lists: list[ListRead]
    wanted: list[str]
    report: FetchReport
    fetched: Mapping[str, Paper]
    dataset: Dataset
    changes: list[Change]
    removed: list[Paper]
    name_checks: list[NameCheck]
    gave_up: str | None
    requests_sent: int
    from_cache: int
    answers: int

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.gave_up else EXIT_OK


def manifest_of(result: RunResult, api_url: str, content_changed: bool) -> dict[str, Any]:
    """``manifest.json``: what the run read, did and wrote (keys documented in schema.py)."""
    dataset, report = result.dataset, result.report
    actions = Counter(c.action for c in result.name_checks)
    return {
        "tool": f"arxiv-enrich {__version__}",
        "run_id": result.run_id,
        "started_at": result.started,
        "finished_at": datetime.now(UTC),
        "exit_code": result.exit_code,
        "complete": not result.gave_up,
        "api_url": api_url,
        "lists": [
            {"path": str(lst.path), "sha256": lst.sha256, "entries": len(lst.entries)}
            for lst in result.lists
        ],
        "counts": {
            "entries": len(dataset.entries),
            "papers": len(dataset.papers),
            "statuses": dict(sorted(Counter(r.status for r in dataset.entries).items())),
            "ids_cited": len(result.wanted),
            "ids_fetched": len(result.fetched),
            "ids_kept_from_previous": sum(
                1 for r in dataset.papers if r.paper.arxiv_id not in result.fetched
            ),
        },
        "requests": {
            "sent": result.requests_sent,
            "from_cache": result.from_cache,
            "answers": result.answers,
            "retries": report.retries,
        },
        "gave_up": result.gave_up,
        "pending_ids": report.pending,
        "changes": {"count": len(result.changes), "summary": describe_changes(result.changes)},
        "removed_ids": [p.arxiv_id for p in result.removed],
        "author_fixes": {"fix": actions["fix"], "review": actions["review"]},
        "content_changed": content_changed,
    }


def summary_of(result: RunResult, out_dir: Path) -> str:
    """The run's last lines: what was written, what changed, what needs a person."""
    statuses = Counter(r.status for r in result.dataset.entries)
    lines = [
        f"wrote {len(result.dataset.papers)} papers and {len(result.dataset.entries)} entries "
        f"({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}) to {out_dir}; "
        f"{result.requests_sent} requests sent, {result.from_cache} answered from cache",
        *describe_changes(result.changes),
    ]
    if result.removed:
        lines.append(f"{len(result.removed)} papers left the lists (kept in removed.parquet)")
    if result.name_checks:
        actions = Counter(c.action for c in result.name_checks)
        lines.append(
            f"{actions['fix']} author names to fix, {actions['review']} differences to review "
            "(author_fixes.csv); `python -m pipeline fix LIST` writes the corrected list"
        )
    if result.gave_up:
        lines.append(
            f"stopped asking arXiv: {result.gave_up}; {len(result.report.pending)} ids pending "
            "(listed in manifest.json), the next run fetches them"
        )
    return "\n".join(lines)


def write_result(
    out_dir: Path,
    result: RunResult,
    api_url: str,
    previous_papers: pa.Table | None,
    previous_entries: pa.Table | None,
) -> dict[str, Any]:
    """Commit every file of the run together; returns the manifest written."""
    papers = papers_table(result.dataset)
    entries = entries_table(result.dataset)
    fixes = to_table(AUTHOR_FIXES, (vars(c) for c in result.name_checks))
    removed = removed_table(previous_papers, (p.arxiv_id for p in result.removed), result.started)
    # A scheduled job publishes only when the content changed: fetch and search times
    # alone change every time papers are refreshed.
    changed = not (
        same_content(previous_papers, papers, ignore=["fetched_at"])
        and same_content(previous_entries, entries, ignore=["checked_at"])
    )
    manifest = manifest_of(result, api_url, changed)
    tables = {
        PAPERS.file: papers,
        ENTRIES.file: entries,
        AUTHOR_FIXES.file: fixes,
        CHANGES.file: appended(out_dir, changes_table(result.changes)),
        REMOVED.file: appended(out_dir, removed),
    }
    write_dataset(out_dir, tables, manifest, result.run_id, {AUTHOR_FIXES_CSV: csv_bytes(fixes)})
    return manifest


def run(config: RunConfig, progress: ProgressFactory = _no_progress) -> RunOutcome:
    """Refresh the dataset in ``config.out_dir``; see the README for what each exit means."""
    started = datetime.now(UTC)
    lists = read_lists(config.lists)
    entries = [e for lst in lists for e in lst.entries]
    wanted = cited_ids(entries)

    with DatasetLock(config.out_dir, wait=config.wait_for_lock):
        recover(config.out_dir)
        check_history(config.out_dir)
        previous_papers = read_table(config.out_dir / PAPERS.file)
        previous_entries = read_table(config.out_dir / ENTRIES.file)
        previous = papers_by_id(previous_papers)
        known_missing = missing_ids(previous_entries, started, config.max_age)
        to_fetch = [
            i
            for i in ids_to_fetch(wanted, previous, started, config.max_age)
            if i not in known_missing
        ]
        log.info(
            "%d entries, %d arXiv ids: %d to fetch, %d fresh from the last run",
            len(entries),
            len(wanted),
            len(to_fetch),
            len(wanted) - len(to_fetch),
        )
        title_search = TitleSearch(entries, previous_entries, previous, started, config.max_age)
        fetcher = make_fetcher(config) if to_fetch or title_search.titles else None
        report = FetchReport()
        candidates: dict[str, list[Paper]] = {}
        if fetcher is not None:
            if to_fetch:
                report = fetcher.fetch(to_fetch, progress(len(to_fetch), "ids"))
            candidates = fetcher.search_titles(title_search.titles)
        titles = title_search.resolve(candidates)
        gave_up = report.gave_up or (fetcher.gave_up if fetcher else None)
        if gave_up and fetcher is not None and fetcher.answers == 0:
            return RunOutcome(
                EXIT_FATAL,
                f"arXiv API unreachable at {config.api_url}: {gave_up}; "
                f"nothing written, {config.out_dir} left as it was",
            )

        id_checked_at = {i: started for i in report.not_found | report.invalid}
        for arxiv_id, (status, checked_at) in known_missing.items():
            (report.not_found if status == "not_found" else report.invalid).add(arxiv_id)
            id_checked_at[arxiv_id] = checked_at
        dataset = build_dataset(entries, report, previous, titles, id_checked_at)
        paper_of = {r.paper.arxiv_id: r.paper for r in dataset.papers}
        result = RunResult(
            run_id=f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
            started=started,
            lists=lists,
            wanted=wanted,
            report=report,
            dataset=dataset,
            fetched={**titles.papers, **report.papers},
            changes=detect_changes(previous, {**titles.papers, **report.papers}, started),
            removed=removed_papers(previous, paper_of),
            name_checks=check_entries(
                (r.entry, paper_of[r.arxiv_id]) for r in dataset.entries if r.arxiv_id in paper_of
            ),
            gave_up=gave_up,
            requests_sent=fetcher.session.requests_sent if fetcher else 0,
            from_cache=fetcher.session.answers_from_cache if fetcher else 0,
            answers=fetcher.answers if fetcher else 0,
        )
        manifest = write_result(
            config.out_dir, result, config.api_url, previous_papers, previous_entries
        )
    return RunOutcome(result.exit_code, summary_of(result, config.out_dir), manifest)
