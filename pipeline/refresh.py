"""One refresh of the dataset: read the lists, plan, ask arXiv, join, commit.

This is the library behind ``python -m pipeline run``; the command line only turns options
into a ``RunConfig`` and a ``RunResult`` into its last lines and an exit code.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.config import RunConfig
from pipeline.lists.load import ListSource, list_sources, read_source
from pipeline.records import Answers, Dataset, Entry, Exit, ListRecord, Manifest, Pulled
from pipeline.stages.account import Findings, summary_of
from pipeline.stages.authors import check_entries
from pipeline.stages.join import build_dataset, detect_changes, removed_papers, unanswered_ids
from pipeline.stages.plan import plan_run, resolve_titles
from pipeline.stages.refine import refine
from pipeline.store.dataset import DatasetLock, check_history
from pipeline.store.history import read_history
from pipeline.store.write import write_findings
from pipeline.unchanged import unchanged_run, write_manifest

log = logging.getLogger(__name__)

ProgressFactory = Callable[[int, str], Callable[[int], None]]
"""Given a total and a unit, a callback told how much more is done."""


@dataclass(frozen=True)
class RunResult:
    """What a run did."""

    exit_code: Exit
    """0 done, 1 arXiv unreachable (nothing written), 3 partial, 5 a list's source failed
    (see ``Exit``)."""
    summary: str
    """The run's last lines, for a person: what was written, changed, needs attention."""
    manifest: Manifest | None = None
    """The manifest written with the dataset; None when nothing was written."""
    dataset: Dataset | None = None
    """The dataset written; None when nothing was written."""


def _no_progress(total: int, label: str) -> Callable[[int], None]:
    return lambda n: None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off: a large run holds hundreds of thousands of small
    records until it ends, and the collector would scan them again and again (a fifth
    of a run's time) to find almost nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What the run made and still holds (the dataset it returns) is moved to the
        # oldest generation as it is: else the first collection after the run would scan
        # it all (a second at 100,000 entries) to find it alive.
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def run(config: RunConfig, progress: ProgressFactory = _no_progress) -> RunResult:
    """Refresh the dataset in ``config.out_dir``; see the README for what each exit means."""
    with _collector_paused():
        return _run(config, progress)


def _load_network_stack() -> None:
    """Import the API client (requests, requests-cache, lxml) on a thread of its own.

    requests-cache keeps the ImportError of each optional package it lacks, and each
    error's traceback keeps every frame the import ran under, back to the top of the
    stack: imported from a run, the run's frame would be among them, and with it every
    record the run made, for as long as the process lives (and its last collection would
    scan them all). A thread's stack holds nothing of the run. Should the import fail, it
    fails again, and is reported, where the client is imported next.
    """
    if "pipeline.api.client" not in sys.modules:
        thread = threading.Thread(target=_import_client)
        thread.start()
        thread.join()


def _import_client() -> None:
    with contextlib.suppress(Exception):
        importlib.import_module("pipeline.api.client")


def _read_lists(sources: list[ListSource]) -> tuple[list[Entry], list[ListRecord]]:
    """Every entry of the lists, and what the manifest keeps of each list: its entries
    counted, not held, so that the run keeps one set of entries alive.

    Takes the sources out of ``sources`` as it reads them: a list's text (tens of MiB for
    a large one) is not needed again.
    """
    entries: list[Entry] = []
    lists: list[ListRecord] = []
    sources.reverse()
    while sources:
        read = read_source(sources.pop())
        entries += read.entries
        lists.append(read.record())
    return entries, lists


def _run(config: RunConfig, progress: ProgressFactory) -> RunResult:
    started = datetime.now(UTC)
    for warning in config.warnings():
        log.warning("%s", warning)
    pulls: list[Pulled] = []
    if config.pull:
        _load_network_stack()
        from pipeline.api.client import pull_lists

        pulls = pull_lists(config)
        for failed in (p for p in pulls if p.error):
            log.warning("pull failed, reading the last copy of %s: %s", failed.name, failed.error)
    sources = list_sources(config.lists)
    run_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"

    # Taking the lock finishes, or rolls back, an interrupted commit first.
    with DatasetLock(config.out_dir, wait=config.wait_for_lock):
        check_history(config.out_dir)
        history = read_history(config.out_dir)
        quiet = unchanged_run(config, sources, pulls, history, started, run_id)
        if quiet is not None:
            manifest = write_manifest(config.out_dir, quiet)
            summary = summary_of(quiet, config.out_dir)
            return RunResult(quiet.exit_code, summary, manifest, quiet.dataset)
        entries, lists = _read_lists(sources)
        plan = plan_run(entries, history, started, config.max_age)
        log.info(
            "%d entries, %d arXiv ids: %d to fetch, %d fresh from the last run, "
            "%d titles to search",
            len(entries),
            len(plan.cited),
            len(plan.ids),
            len(plan.cited) - len(plan.ids),
            len(plan.titles),
        )
        answers = Answers()
        if plan.ids or plan.titles:
            # Imported here: the network stack is a fifth of a run's start-up, and a
            # refresh with nothing new or stale to ask never needs it.
            _load_network_stack()
            from pipeline.api.client import ask_arxiv

            answers = ask_arxiv(config, plan.ids, plan.titles, progress(len(plan.ids), "ids"))
        if answers.unreachable:
            return RunResult(
                Exit.FATAL,
                f"no usable answer from the arXiv API at {config.api_url} (unreachable, or "
                f"every answer refused): {answers.gave_up}; "
                f"nothing written, {config.out_dir} left as it was",
            )
        # arXiv's titles and names tell which words of an entry are which.
        known = {**history.papers, **answers.report.papers}
        # In place: each entry the reader made is freed as its refined one replaces it.
        for i, entry in enumerate(entries):
            entries[i] = refine(entry, known)
        titles = resolve_titles(plan, answers.candidates)
        unanswered = unanswered_ids(answers.report, plan.unanswered, started)
        dataset = build_dataset(entries, answers.report, history.papers, titles, unanswered)
        fetched = {**titles.papers, **answers.report.papers}
        paper_of = {r.paper.arxiv_id: r.paper for r in dataset.papers}
        findings = Findings(
            run_id=run_id,
            started=started,
            api_url=config.api_url,
            lists=lists,
            pulls=pulls,
            cited=plan.cited,
            answers=answers,
            fetched=fetched,
            dataset=dataset,
            changes=detect_changes(history.papers, fetched, started),
            removed=removed_papers(history.papers, paper_of),
            name_checks=check_entries(
                (r.entry, paper_of[r.arxiv_id])
                for r in dataset.entries
                if r.arxiv_id in paper_of and r.entry.kind == "paper"
            ),
        )
        manifest = write_findings(config.out_dir, findings, history)
    return RunResult(findings.exit_code, summary_of(findings, config.out_dir), manifest, dataset)
