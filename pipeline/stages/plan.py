"""What to ask arXiv this run, from the lists, the previous run and ``--max-age``.

One rule, kept here and nowhere else: what arXiv told us less than ``max_age`` ago (a
paper, "no such id", a title search's outcome) is not asked again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline.records import Entry, EntryKey, History, Paper, Searched, TitleMatches, Unanswered
from pipeline.stages.authors import best_title_match
from pipeline.stages.join import entry_key


def cited_ids(entries: Iterable[Entry]) -> list[str]:
    """The valid arXiv ids the entries cite, each once, in order of first citation; with
    the other ids of an entry whose ids disagree, so that arXiv's titles can settle it."""
    return list(
        dict.fromkeys(i for e in entries for i in (e.arxiv_id, *e.other_ids) if i is not None)
    )


def ids_to_fetch(
    wanted: Iterable[str], previous: Mapping[str, Paper], now: datetime, max_age: timedelta
) -> list[str]:
    """The ids that are new, or whose data in the previous dataset is older than max_age."""
    return [i for i in wanted if i not in previous or now - previous[i].fetched_at >= max_age]


@dataclass(frozen=True)
class Plan:
    """What this run asks arXiv, and what it carries over from the previous run."""

    now: datetime
    cited: list[str]
    """Every valid arXiv id the lists cite, in order of first citation."""
    ids: list[str]
    """Ids to ask for: new, or stale."""
    unanswered: Mapping[str, Unanswered]
    """Ids arXiv recently had no paper for: not asked again."""
    searches: list[Entry]
    """Entries without an id whose titles are searched on arXiv."""
    earlier_searches: Mapping[EntryKey, Searched] = field(default_factory=dict)
    """Earlier outcomes of the title-only entries, by entry."""

    @property
    def titles(self) -> list[str]:
        return [e.title for e in self.searches if e.title]


def plan_run(entries: Sequence[Entry], history: History, now: datetime, max_age: timedelta) -> Plan:
    """The requests this run needs, given what the previous run learned and when."""
    cited = cited_ids(entries)
    unanswered = {
        arxiv_id: known
        for arxiv_id, known in history.unanswered.items()
        if now - known.checked_at < max_age
    }
    ids = [i for i in ids_to_fetch(cited, history.papers, now, max_age) if i not in unanswered]
    earlier: dict[EntryKey, Searched] = {}
    searches: list[Entry] = []
    for entry in entries:
        if entry.kind != "paper" or entry.arxiv_id is not None or entry.id_error:
            continue
        if not entry.title:
            continue
        found = history.searched.get((entry.list_file, entry.title))
        if found is not None:
            earlier[entry_key(entry)] = found
        if found is None or now - found.checked_at >= max_age:
            searches.append(entry)
    return Plan(now, cited, ids, unanswered, searches, earlier)


def resolve_titles(plan: Plan, candidates: Mapping[str, list[Paper]]) -> TitleMatches:
    """The title matches of this run: searched now where ``candidates`` has the title,
    otherwise (fresh, or not searched because arXiv stopped answering) as found before."""
    checked_at: dict[EntryKey, datetime] = {}
    resolved: dict[EntryKey, tuple[str, float]] = {}
    papers: dict[str, Paper] = {}
    searched_now = {entry_key(e): e for e in plan.searches if (e.title or "") in candidates}
    for key, earlier in plan.earlier_searches.items():
        if key in searched_now:
            continue
        checked_at[key] = earlier.checked_at
        if earlier.arxiv_id is not None:
            resolved[key] = (earlier.arxiv_id, earlier.match_score or 0.0)
    for key, entry in searched_now.items():
        checked_at[key] = plan.now
        match = best_title_match(entry.title or "", entry.authors, candidates[entry.title or ""])
        if match is not None:
            paper, score = match
            resolved[key] = (paper.arxiv_id, score)
            papers[paper.arxiv_id] = paper
    return TitleMatches(checked_at, resolved, papers)
