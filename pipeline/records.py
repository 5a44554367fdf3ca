"""The plain records that flow between the stages: a paper as arXiv knows it, and what a
fetch achieved. No behaviour, and no imports of the network stack, so that a run with
nothing to fetch never loads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
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


@dataclass
class FetchReport:
    """What a fetch achieved: papers by id, and what became of every other id."""

    papers: dict[str, Paper] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    invalid: set[str] = field(default_factory=set)
    pending: list[str] = field(default_factory=list)
    gave_up: str | None = None
    retries: int = 0
