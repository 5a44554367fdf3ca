"""One refresh of the dataset: read the lists, fetch what is new or stale, commit the result.

This is the library behind ``python -m pipeline run``: the command line only turns options
into a ``RunConfig`` and a ``RunOutcome`` into an exit code.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.enrich import (
    Dataset,
    build_dataset,
    cited_ids,
    describe_changes,
    detect_changes,
    ids_to_fetch,
    removed_papers,
)
from pipeline.extract import Entry, ListError, read_entries
from pipeline.fetch import DEFAULT_API_URL, ArxivFetcher, FetchReport, Paper, RetryPolicy
from pipeline.http import ApiSession, SessionSettings
from pipeline.schema import CHANGES, ENTRIES, REMOVED
from pipeline.store import (
    DatasetLock,
    appended,
    changes_table,
    entries_table,
    read_previous_papers,
    read_table,
    recover,
    removed_table,
    table_bytes,
    write_dataset,
)

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_LOCKED = 4

ProgressFactory = Callable[[int, str], Callable[[int], None]]


@dataclass(frozen=True)
class RunConfig:
    """Everything a run depends on besides the lists, the previous dataset and arXiv."""

    lists: tuple[Path, ...]
    out_dir: Path = Path("data/enriched")
    cache_path: Path | None = Path("data/cache/arxiv-http.sqlite")
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
    for path in paths:
        text, entries = read_entries(path)
        if not entries:
            raise ListError(f"{path}: no paper entries (list items with a link or arXiv id)")
        read.append(ListRead(path, hashlib.sha256(text.encode()).hexdigest(), entries))
    return read


def make_fetcher(config: RunConfig) -> ArxivFetcher:
    session = ApiSession(
        SessionSettings(
            cache_path=config.cache_path,
            delay=config.delay,
            timeout=config.timeout,
            expire_after_seconds=config.max_age.total_seconds(),
            contact=config.contact,
        )
    )
    return ArxivFetcher(
        session,
        config.api_url,
        config.batch_size,
        RetryPolicy(
            config.max_retries, backoff_base=max(config.delay, 0.01), max_wait=config.max_wait
        ),
    )


def content_changed(out_dir: Path, previous: Mapping[str, Paper], dataset: Dataset) -> bool:
    """Whether the dataset says anything new, leaving aside when papers were fetched.

    A scheduled job commits or publishes the dataset only then (fetched_at alone changes
    every time a paper is refreshed).
    """

    def unstamped(paper: Paper) -> Paper:
        return replace(paper, fetched_at=datetime.min.replace(tzinfo=UTC))

    now = {r.paper.arxiv_id: unstamped(r.paper) for r in dataset.papers}
    if now != {i: unstamped(p) for i, p in previous.items()}:
        return True
    before = read_table(out_dir / ENTRIES.file)
    return before is None or not before.equals(entries_table(dataset))


def _no_progress(total: int, label: str) -> Callable[[int], None]:
    return lambda n: None


def run(config: RunConfig, progress: ProgressFactory = _no_progress) -> RunOutcome:
    """Refresh the dataset in ``config.out_dir``; see the README for what each exit means."""
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    lists = read_lists(config.lists)
    entries = [e for lst in lists for e in lst.entries]
    wanted = cited_ids(entries)

    with DatasetLock(config.out_dir, wait=config.wait_for_lock):
        recover(config.out_dir)
        previous = read_previous_papers(config.out_dir)
        to_fetch = ids_to_fetch(wanted, previous, started, config.max_age)
        log.info(
            "%d entries, %d arXiv ids: %d to fetch, %d fresh from the last run",
            len(entries),
            len(wanted),
            len(to_fetch),
            len(wanted) - len(to_fetch),
        )
        fetcher = make_fetcher(config)
        fetcher.session.drop_older_than(config.max_age)
        report = (
            fetcher.fetch(to_fetch, progress(len(to_fetch), "ids")) if to_fetch else FetchReport()
        )
        session = fetcher.session

        if report.gave_up and report.answers == 0:
            return RunOutcome(
                EXIT_FATAL,
                f"arXiv API unreachable at {config.api_url}: {report.gave_up}; "
                f"nothing written, {config.out_dir} left as it was",
            )

        dataset = build_dataset(entries, report, previous)
        statuses = Counter(r.status for r in dataset.entries)
        changes = detect_changes(previous, report.papers, started)
        change_lines = describe_changes(changes)
        removed = removed_papers(previous, (r.paper.arxiv_id for r in dataset.papers))
        exit_code = EXIT_PARTIAL if report.gave_up else EXIT_OK
        manifest: dict[str, Any] = {
            "tool": f"arxiv-enrich {__version__}",
            "run_id": run_id,
            "started_at": started,
            "finished_at": datetime.now(UTC),
            "exit_code": exit_code,
            "complete": not report.gave_up,
            "api_url": config.api_url,
            "lists": [
                {"path": str(lst.path), "sha256": lst.sha256, "entries": len(lst.entries)}
                for lst in lists
            ],
            "counts": {
                "entries": len(dataset.entries),
                "papers": len(dataset.papers),
                "statuses": dict(sorted(statuses.items())),
                "ids_cited": len(wanted),
                "ids_fetched": len(report.papers),
                "ids_kept_from_previous": len(dataset.papers) - len(report.papers),
            },
            "requests": {
                "sent": session.requests_sent,
                "from_cache": session.answers_from_cache,
                "answers": report.answers,
                "retries": report.retries,
            },
            "gave_up": report.gave_up,
            "pending_ids": report.pending,
            "changes": {"count": len(changes), "summary": change_lines},
            "removed_ids": [p.arxiv_id for p in removed],
            "content_changed": content_changed(config.out_dir, previous, dataset),
        }
        extra = {
            CHANGES.file: table_bytes(appended(config.out_dir, changes_table(changes)), run_id),
            REMOVED.file: table_bytes(
                appended(
                    config.out_dir,
                    removed_table(config.out_dir, (p.arxiv_id for p in removed), started),
                ),
                run_id,
            ),
        }
        write_dataset(config.out_dir, dataset, manifest, run_id, extra)

    summary = (
        f"wrote {len(dataset.papers)} papers and {len(dataset.entries)} entries "
        f"({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}) to {config.out_dir}; "
        f"{session.requests_sent} requests sent, {session.answers_from_cache} answered from cache"
    )
    summary += "".join(f"\n{line}" for line in change_lines)
    if removed:
        summary += f"\n{len(removed)} papers left the lists (kept in removed.parquet)"
    if report.gave_up:
        summary += (
            f"\nstopped asking arXiv: {report.gave_up}; {len(report.pending)} ids pending "
            "(listed in manifest.json), the next run fetches them"
        )
    return RunOutcome(exit_code, summary, manifest)
