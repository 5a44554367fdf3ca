"""The parts of a Markdown table row: its columns by their header."""

from __future__ import annotations

from pipeline.lists.inline import Seg
from pipeline.lists.parts import Parts, clean_title, parse, plain, text_of
from pipeline.lists.walk import Block
from pipeline.lists.words import split_authors, year_of


def parse_row(block: Block) -> Parts:
    """A table row: its columns by their header (title, paper, authors, venue, year, code)."""
    cells = block.cells or {}

    def column(*names: str) -> list[Seg]:
        for name, segs in cells.items():
            if any(n in name for n in names):
                return segs
        return []

    title_cell = column("title", "name")
    paper_cell = column("paper")
    segs = [*title_cell, Seg("sep", " "), *paper_cell] if title_cell else paper_cell
    code_cell = column("code", "implementation", "github", "repo")
    parts = parse(Block(block.line, block.section, segs))
    for link in code_cell:
        if link.kind == "link" and link.href and link.href not in parts.code_urls:
            parts.code_urls.append(link.href)
    if title_cell and not any(s.kind == "link" for s in title_cell):
        parts.title = clean_title(text_of(title_cell))[0] or parts.title
    authors = text_of(column("author"))
    if authors.strip():
        parts.authors, parts.truncated = split_authors(authors)
    venue = text_of(column("venue", "conference", "conf", "publication", "journal")).strip()
    if venue and venue != "-":
        parts.venue = venue
        parts.year = year_of(venue) or parts.year
    year = year_of(text_of(column("year", "date", "time")))
    parts.year = year or parts.year
    parts.text = " ".join(" ".join(text_of(c).split()) for c in cells.values()).strip()
    parts.hrefs = [s.href for c in cells.values() for s in c if s.kind == "link" and s.href]
    parts.plain = " ".join(plain(c) for c in cells.values())
    parts.kind = "paper" if parts.kind != "paper" and (parts.venue or parts.year) else parts.kind
    return parts
