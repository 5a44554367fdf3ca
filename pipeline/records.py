"""The typed records that cross stages: papers, fetch results, the joined dataset, what a
run remembers of the previous one.

No behaviour, and no imports of the network stack or of pyarrow at run time, so that a run
with nothing to fetch never loads them. Statuses, sources and actions are ``Literal``
types: a misspelt one is a type error, not a silent mismatch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from enum import IntEnum
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    TypeVar,
    cast,
    dataclass_transform,
    get_args,
    get_type_hints,
)

if TYPE_CHECKING:
    import pyarrow as pa

_R = TypeVar("_R")


@dataclass_transform(frozen_default=True)
def record(cls: type[_R]) -> type[_R]:
    """A record made many times a run (a few for every entry of every list): a frozen
    dataclass with slots to the type checker, which refuses an assignment to any field.

    At run time its fields are plain slots. A frozen dataclass sets each field through
    ``object.__setattr__``, which costs four times as much as setting a slot; a record is
    still hashable and equal by value, as a frozen dataclass is. Records are shared (the
    ids ``parse_id`` and ``found_ids`` remember, the papers of a run): ``mypy --strict``,
    which ``make test`` runs, is what keeps every field as it was made.
    """
    return dataclass(slots=True, unsafe_hash=True)(cls)


EntryStatus = Literal[
    "enriched", "not_found", "invalid_id", "no_arxiv_id", "not_on_arxiv", "failed", "not_a_paper"
]
ENTRY_STATUSES: tuple[EntryStatus, ...] = get_args(EntryStatus)

IdSource = Literal["link", "text", "title_search"]
"""Where an entry's arXiv id came from."""

EntryKind = Literal["paper", "code", "resource"]
"""paper; code: a repository with no paper title; resource: a blog post, slides, a tool,
a course, another list. Only papers are looked up on arXiv."""
ENTRY_KINDS: tuple[EntryKind, ...] = get_args(EntryKind)

Defect = Literal[
    "missing_list_marker", "no_space_marker", "ids_disagree", "empty_link", "duplicate"
]
"""What is wrong with how an entry is written, for the list's maintainer."""
DEFECTS: tuple[Defect, ...] = get_args(Defect)

NameKind = Literal[
    "case_spacing_diacritics",
    "initials",
    "misspelling",
    "different_name",
    "missing_from_list",
    "added_in_list",
    "title_differs",
]
NAME_KINDS: tuple[NameKind, ...] = get_args(NameKind)

NameAction = Literal["fix", "review"]
"""fix: ``python -m pipeline fix`` corrects it; review: for a person to decide."""

ChangedField = Literal["version", "title", "authors", "doi", "journal_ref"]
CHANGED_FIELDS: tuple[ChangedField, ...] = get_args(ChangedField)

_WITHDRAWN = re.compile(r"\bwithdrawn\b", re.IGNORECASE)

EntryKey = tuple[str, int]
"""An entry's identity within a run: its list file and line."""


@record
class Paper:
    """arXiv's record of one paper, at the latest version the API returned."""

    arxiv_id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: datetime
    updated: datetime
    primary_category: str
    categories: tuple[str, ...]
    comment: str | None
    journal_ref: str | None
    doi: str | None
    abs_url: str
    pdf_url: str
    fetched_at: datetime

    @property
    def withdrawn(self) -> bool:
        """arXiv's latest version withdraws the paper: the feed has no flag for it, a
        withdrawal is a new version whose comment gives the reason."""
        return bool(self.comment and _WITHDRAWN.search(self.comment))


@record
class Entry:
    """One entry of a list, as written, with the arXiv id found in it (if any)."""

    list_file: str
    line: int
    section: str | None
    tags: tuple[str, ...]
    title: str | None
    authors: tuple[str, ...]
    authors_truncated: bool
    url: str | None
    raw_id: str | None
    arxiv_id: str | None
    id_fix: str | None
    id_error: str | None
    id_source: IdSource | None
    kind: EntryKind = "paper"
    venue: str | None = None
    year: int | None = None
    code_urls: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()
    other_ids: tuple[str, ...] = ()
    """Other valid arXiv ids the entry names that differ from ``arxiv_id`` (see
    ``ids_disagree``)."""
    text: str = ""
    """The entry's plain text without Markdown, for ``refine``; not stored."""


@dataclass
class FetchReport:
    """What a fetch achieved: papers by id, and what became of every other id."""

    papers: dict[str, Paper] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    invalid: set[str] = field(default_factory=set)
    pending: list[str] = field(default_factory=list)
    gave_up: str | None = None
    retries: int = 0


@dataclass(frozen=True)
class Answers:
    """Everything arXiv said in one run: papers by id, title-search candidates, and what
    it took."""

    report: FetchReport = field(default_factory=FetchReport)
    candidates: Mapping[str, list[Paper]] = field(default_factory=dict)
    """Candidate papers by searched title; a title whose search failed is absent."""
    gave_up: str | None = None
    """Why the run stopped asking arXiv, if it did."""
    requests_sent: int = 0
    from_cache: int = 0
    answers: int = 0
    """Answers that were used (from the network or the cache)."""
    missing_fields: list[str] = field(default_factory=list)
    """Fields arXiv sends for every paper that no answer of this run had: the API changed
    without an error (in November 2025 the pdf link lost the attribute clients found it
    by)."""

    @property
    def unreachable(self) -> bool:
        """The run gave up before any answer: arXiv was never reached."""
        return self.gave_up is not None and self.answers == 0


@dataclass(frozen=True)
class Unanswered:
    """An id arXiv had no paper for, and when it said so."""

    status: Literal["not_found", "invalid_id"]
    checked_at: datetime


@dataclass(frozen=True)
class Searched:
    """The outcome of an earlier title search: the id it matched (if any), and when."""

    arxiv_id: str | None
    match_score: float | None
    checked_at: datetime


@dataclass(frozen=True)
class History:
    """What the previous run left behind, as the next run needs it.

    ``papers_table`` and ``entries_table`` are the files as read, kept for the store
    (removed rows, "did the content change"); stages use the typed fields.
    """

    papers: Mapping[str, Paper] = field(default_factory=dict)
    unanswered: Mapping[str, Unanswered] = field(default_factory=dict)
    searched: Mapping[tuple[str, str], Searched] = field(default_factory=dict)
    """Title searches by (list file, title as written)."""
    papers_table: pa.Table | None = None
    entries_table: pa.Table | None = None


@dataclass(frozen=True)
class TitleMatches:
    """What searching arXiv by title gave: when each entry was searched, the ids found
    with their scores, and the papers."""

    checked_at: Mapping[EntryKey, datetime] = field(default_factory=dict)
    resolved: Mapping[EntryKey, tuple[str, float]] = field(default_factory=dict)
    papers: Mapping[str, Paper] = field(default_factory=dict)


@record
class EntryRow:
    """An entry with the id it resolved to and what became of it."""

    entry: Entry
    arxiv_id: str | None
    id_source: IdSource | None
    match_score: float | None
    status: EntryStatus
    checked_at: datetime | None = None


@record
class PaperRow:
    """A paper with the tags and sections of the entries that cite it."""

    paper: Paper
    tags: tuple[str, ...]
    sections: tuple[str, ...]
    code_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    papers: list[PaperRow]
    entries: list[EntryRow]


@dataclass(frozen=True)
class Change:
    """One field of a paper that arXiv changed since the previous run."""

    arxiv_id: str
    field: ChangedField
    old: str | None
    new: str | None
    detected_at: datetime


@record
class NameCheck:
    """One difference between an entry and arXiv's record; fields are AUTHOR_FIXES columns.

    ``position`` is 1-based in arXiv's author list, in the list's for an author arXiv
    lacks, and None for a title row.
    """

    list_file: str
    line: int
    arxiv_id: str
    position: int | None
    listed: str | None
    on_arxiv: str | None
    kind: NameKind
    similarity: float
    action: NameAction


class Exit(IntEnum):
    """The exit codes of the command line: a contract for scheduled jobs."""

    OK = 0
    """Done: everything asked of arXiv was answered."""
    FATAL = 1
    """Nothing written: arXiv unreachable, an unreadable dataset, an unexpected failure."""
    USAGE = 2
    """Bad option or unusable input file."""
    PARTIAL = 3
    """arXiv stopped answering: what was fetched is written, the next run resumes."""
    LOCKED = 4
    """Another run holds the output directory."""
    PULL_FAILED = 5
    """Done, but a list could not be pulled from its source: its last copy was read."""
    INTERRUPTED = 130
    """Interrupted (SIGINT); the message says what had been written."""


def _doc(text: str) -> Any:
    """A manifest field's meaning: it becomes the data dictionary's row for the key."""
    return field(metadata={"doc": text})


@dataclass(frozen=True)
class Pulled:
    """What pulling one list from its recorded source came to."""

    name: str = _doc("The list's name (data/raw/NAME.md).")
    url: str = _doc("Where it is pulled from.")
    succeeded_at: datetime | None = _doc(
        "When a pull of it last succeeded (this run's start when it did now)."
    )
    error: str | None = _doc("Why this run's pull failed (the last copy was used), or `null`.")
    changed: bool = field(default=False, metadata={"doc": "The pull brought new content."})


@dataclass(frozen=True)
class ListRecord:
    path: str = _doc("The list file as given to the run.")
    sha256: str = _doc("sha256 of the list's bytes.")
    entries: int = _doc("Number of entries read from it.")
    reader: str = _doc(
        "Fingerprint of the reader (its code and Markdown parser) that read the entries: "
        "a list with the same `sha256` and `reader` is not read again."
    )


@dataclass(frozen=True)
class Counts:
    entries: int = _doc("Rows of entries.parquet.")
    papers: int = _doc("Rows of papers.parquet.")
    statuses: dict[str, int] = _doc("Entries per status (statuses no entry has are left out).")
    ids_cited: int = _doc("Distinct valid arXiv ids the lists cite.")
    ids_fetched: int = _doc("Papers arXiv returned during this run.")
    ids_kept_from_previous: int = _doc("Papers whose row comes from the previous dataset.")


@dataclass(frozen=True)
class Requests:
    sent: int = _doc("HTTP requests sent to arXiv.")
    from_cache: int = _doc("Requests answered by the local HTTP cache.")
    answers: int = _doc("Answers from arXiv that were used.")
    retries: int = _doc("Requests sent again after a failure.")
    missing_fields: list[str] = _doc(
        "Fields arXiv sends for every paper (`pdf link`, `categories`, `authors`) that no "
        "answer of this run had: the API changed without an error; check the data."
    )


@dataclass(frozen=True)
class Changes:
    count: int = _doc("Rows this run added to changes.parquet.")
    summary: list[str] = _doc("One line per changed field: how many papers, which ids.")


@dataclass(frozen=True)
class AuthorFixCounts:
    fix: int = _doc("Rows of author_fixes.parquet that `python -m pipeline fix` corrects.")
    review: int = _doc("Rows of author_fixes.parquet left for a person to decide.")


@dataclass(frozen=True)
class Manifest:
    """``manifest.json``: what a run read, did and wrote. Each field's ``doc`` is its row
    in the data dictionary."""

    tool: str = _doc("Program and version that wrote the dataset, e.g. `arxiv-enrich 0.1.0`.")
    run_id: str = _doc(
        "Id of the run; every Parquet file carries the id of the run that wrote it as "
        "`arxiv_enrich.run_id` (a run that changes no file writes only the manifest)."
    )
    started_at: datetime = _doc(
        "Start of the run (ISO 8601, UTC); `detected_at` and `removed_at` of rows this run "
        "added equal it."
    )
    finished_at: datetime = _doc("End of the run (ISO 8601, UTC).")
    exit_code: int = _doc("0: arXiv answered everything; 3: partial, the next run resumes.")
    complete: bool = _doc("`true` unless the run stopped asking arXiv (see `gave_up`).")
    api_url: str = _doc("The arXiv API the run asked.")
    lists: list[ListRecord] = _doc(
        "The lists read: `path`, `sha256` of the text, number of `entries`, the `reader` "
        "that read them."
    )
    pulls: list[Pulled] = _doc(
        "With `run --pull`, each list pulled from its source: `name`, `url`, "
        "`succeeded_at` (when a pull last succeeded), `error` (why this pull failed, the "
        "last copy being used), `changed`."
    )
    counts: Counts = _doc("")
    requests: Requests = _doc("")
    gave_up: str | None = _doc("Why the run stopped asking arXiv, or `null`.")
    pending_ids: list[str] = _doc(
        "Ids left unfetched because the run gave up; the next run fetches them."
    )
    changes: Changes = _doc("")
    removed_ids: list[str] = _doc(
        "Papers no list cites any more, moved to removed.parquet by this run."
    )
    author_fixes: AuthorFixCounts = _doc("")
    content_changed: bool = _doc(
        "`true` when papers or entries differ from the previous dataset other than in "
        "`fetched_at` and `checked_at`: a scheduled job publishes only then."
    )


def manifest_keys(record: type = Manifest, prefix: str = "") -> list[tuple[str, str]]:
    """Every key of the manifest with its meaning, nested keys dotted (``counts.papers``)."""
    keys: list[tuple[str, str]] = []
    hints = get_type_hints(record)
    for f in fields(record):
        hint = hints[f.name]
        if is_dataclass(hint):
            keys += manifest_keys(cast(type, hint), f"{prefix}{f.name}.")
        else:
            keys.append((f"{prefix}{f.name}", f.metadata["doc"]))
    return keys
