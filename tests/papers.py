"""Papers built in tests, field by field: what the test names, placeholders for the rest."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pipeline.records import Paper

WHEN = datetime(2020, 1, 1, tzinfo=UTC)


def make_paper(
    arxiv_id: str = "1412.6550",
    title: str = "A Title",
    authors: Sequence[str] = (),
    *,
    version: int = 1,
    when: datetime = WHEN,
    **fields: Any,
) -> Paper:
    """A Paper with the fields a test gives; ``fields`` set any other by name."""
    made = Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        authors=tuple(authors),
        abstract="",
        published=when,
        updated=when,
        primary_category="cs.LG",
        categories=("cs.LG",),
        comment=None,
        journal_ref=None,
        doi=None,
        abs_url=f"https://arxiv.org/abs/{arxiv_id}v{version}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}",
        fetched_at=when,
    )
    return dataclasses.replace(made, **fields)


def standin_record(
    arxiv_id: str, title: str, authors: list[str], versions: int = 1, year: int = 2015, **more: Any
) -> dict[str, Any]:
    """A paper as the stand-in serves it (the seed-record format), one version a month."""
    return {
        "id": arxiv_id,
        "versions": [{"v": v, "date": f"{year}-0{v}-09T15:44:47Z"} for v in range(1, versions + 1)],
        "title": title,
        "authors": authors,
        "primary_category": "cs.LG",
        "categories": ["cs.LG"],
        "comment": None,
        "journal_ref": None,
        "doi": None,
        "summary": "An abstract.",
        **more,
    }
