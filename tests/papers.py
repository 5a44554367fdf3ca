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
