"""Synthetic lists and matching stand-in records, for measuring the pipeline at scale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

TAGS = ("Pruning", "Quantization", "Distillation", "Structure", "Binarization")


def synthetic_ids(n: int) -> list[str]:
    """``n`` distinct valid new-style ids (five-digit numbers, months from 2001 on)."""
    ids = []
    for i in range(n):
        year, month = divmod(i // 90000, 12)
        ids.append(f"{20 + year:02d}{month + 1:02d}.{10000 + i % 90000:05d}")
    return ids


def synthetic_records(ids: list[str]) -> Iterator[dict[str, Any]]:
    """Stand-in records for ``ids``: a title, three authors, one version."""
    for n, arxiv_id in enumerate(ids):
        yield {
            "id": arxiv_id,
            "versions": [{"v": 1, "date": "2020-01-15T10:00:00Z"}],
            "title": f"Synthetic paper number {n} on compressing neural networks",
            "authors": [f"Author {n} One", f"Author {n % 97} Two", "Common Author"],
            "primary_category": "cs.LG",
            "categories": ["cs.LG", "cs.CV"],
            "comment": None,
            "journal_ref": None,
            "doi": None,
            "summary": f"An abstract of synthetic paper {n}. " * 5,
        }


def write_list(path: Path, ids: list[str]) -> Path:
    """An awesome list citing every id once, in the seed list's format, by year sections."""
    lines = ["# synthetic list", ""]
    for n, arxiv_id in enumerate(ids):
        if n % 1000 == 0:
            lines += ["", f"### Part {n // 1000}"]
        lines.append(
            f"- 【{TAGS[n % len(TAGS)]}】Author {n} One, Author {n % 97} Two, Common Author "
            f".[Synthetic paper number {n} on compressing neural networks]"
            f"(https://arxiv.org/pdf/{arxiv_id}) .[J] arXiv preprint arXiv:{arxiv_id}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
