"""Where the entries of a Markdown list are: the blocks of text that may cite a paper.

The Markdown is parsed with markdown-it-py (CommonMark plus GitHub's tables), so links,
emphasis, code spans and HTML are read the way GitHub renders them. A block is a list item
(with the sub-items and paragraphs that belong to it), a paragraph line that starts with a
link or a bold title, a line GitHub folded into the item above it, or a table row. Never a
block: headings, block quotes, code, HTML blocks, anchors of a table of contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it.token import Token

from pipeline.ids import found_ids
from pipeline.lists.inline import Seg as Seg
from pipeline.lists.markdown import Item, inline_segments, parser, runs, top_level
from pipeline.lists.markdown import TooDeep as TooDeep
from pipeline.lists.words import looks_like_names

# Links to other files of the repository (`LICENSE`, `notes/x.md`) and anchors cite nothing.
_ABSOLUTE = re.compile(r"\s*(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
# Sections of an awesome list that hold no entries.
_NOT_ENTRIES = re.compile(
    r"^\W*(?:licen[cs]e|contribut\w*|acknowledg\w*|(?:table of )?contents|citation|contact)\b",
    re.IGNORECASE,
)
# A line that GitHub shows as text because the marker lacks its space: `-[Title](url)`.
_NO_SPACE_MARKER = re.compile(r"^[-*+](?=\[|\*\*|__)")

# The parser and the block-by-block reading, under the names the tests know.
_markdown = parser
_top_level = top_level


@dataclass
class Block:
    """The Markdown of one possible entry, before it is split into its parts."""

    line: int
    section: str | None
    segs: list[Seg]
    subs: list[list[Seg]] = field(default_factory=list)
    cells: dict[str, list[Seg]] | None = None
    defects: list[str] = field(default_factory=list)

    def links(self) -> bool:
        """Whether the block links somewhere other than an anchor or names an arXiv id."""
        return any(_cites(segs) for segs in [self.segs, *(self.cells or {}).values()])


def _cites(segs: list[Seg]) -> bool:
    # The links first: most entries link, and a link is quicker to read than text for ids.
    for seg in segs:
        if seg.kind == "link" and (_ABSOLUTE.match(seg.href) or not seg.href.strip()):
            return True
    return any(seg.kind == "text" and found_ids(seg.text) for seg in segs)


def _lines(segs: list[Seg]) -> list[list[Seg]]:
    """The segments of each source line of a paragraph (split at its soft breaks)."""
    lines: list[list[Seg]] = [[]]
    for seg in segs:
        if seg.kind == "sep" and seg.text == "\n":
            lines.append([])
        else:
            lines[-1].append(seg)
    return lines


def _starts_like_an_entry(segs: list[Seg]) -> bool:
    segs = _strip_no_space_marker(segs)[0]
    for seg in segs:
        if seg.kind == "text" and not seg.text.strip():
            continue
        return seg.kind == "link" or seg.strong
    return False


def _strip_no_space_marker(segs: list[Seg]) -> tuple[list[Seg], bool]:
    """The segments without a leading `-` glued to a link or bold text, and whether it was."""
    if len(segs) < 2 or segs[0].kind != "text" or segs[0].strong:
        return segs, False
    first, after = segs[0].text.lstrip(), segs[1]
    if first in ("-", "*", "+") and (after.kind == "link" or after.strong):
        return segs[1:], True
    if _NO_SPACE_MARKER.match(first):
        return [Seg("text", first[1:]), *segs[1:]], True
    return segs, False


@dataclass
class _Item:
    """An open list item: the block it started, if its first line is an entry."""

    block: Block | None
    owner: Block | None  # the entry its sub-items belong to
    first: bool = True


@dataclass
class _Walk:
    blocks: list[Block] = field(default_factory=list)
    section: str | None = None
    items: list[_Item] = field(default_factory=list)
    last_paragraph: Block | None = None
    header: list[str] = field(default_factory=list)
    in_head: bool = False
    row: list[list[Seg]] = field(default_factory=list)
    row_line: int = 0

    def add(self, block: Block) -> bool:
        """Keep ``block`` as an entry, unless its section holds none (License, Contents)."""
        if self.section and _holds_no_entries(self.section):
            return False
        self.blocks.append(block)
        return True

    def item_line(self, first_line: int, segs: list[Seg]) -> None:
        item = self.items[-1]
        owner = self.items[-2].owner if len(self.items) > 1 else None
        lines = _lines(segs)
        if not item.first:
            target = item.block or item.owner
            if target is not None:
                target.subs.extend(lines)
            return
        item.first = False
        if owner is not None and not _names_an_arxiv_id(segs):
            # Authors, dates, code links and notes under a paper belong to that paper.
            owner.subs.extend(lines)
            item.owner = owner
            return
        block = Block(first_line, self.section, lines[0])
        cites = _cites(lines[0])
        if not cites and len(lines) > 1:
            # Names on the first line, the linked title on the next: one entry.
            block.segs = [seg for line in lines for seg in (Seg("sep", " "), *line)][1:]
            lines = lines[:1]
            cites = block.links()
        if cites and not _prose(block.segs) and self.add(block):
            item.block = item.owner = block
        self._folded(lines[1:], first_line, item.block)

    def plain_item(self, item: Item) -> None:
        """A one-line top-level item: what an item with a single line of text makes."""
        self.last_paragraph = None
        segs = item.segs
        if _cites(segs) and not _prose(segs):
            self.add(Block(item.line + 1, self.section, segs))

    def _folded(self, lines: list[list[Seg]], first_line: int, block: Block | None) -> None:
        for n, line in enumerate(lines, 1):
            if _starts_like_an_entry(line) and _cites(line):
                line, no_space = _strip_no_space_marker(line)
                defect = "no_space_marker" if no_space else "missing_list_marker"
                block = Block(first_line + n, self.section, line, defects=[defect])
                self.add(block)
            elif block is not None:
                block.segs.extend([Seg("sep", " "), *line])

    def paragraph(self, token: Token, segs: list[Seg]) -> None:
        first_line = (token.map[0] + 1) if token.map else 0
        block: Block | None = None
        for n, line in enumerate(_lines(segs)):
            if _starts_like_an_entry(line) and _cites(line) and not _names(line):
                line, no_space = _strip_no_space_marker(line)
                block = Block(first_line + n, self.section, line)
                if no_space:
                    block.defects.append("no_space_marker")
                self.add(block)
            elif block is not None:
                block.segs.extend([Seg("sep", " "), *line])
            elif self.last_paragraph is not None and not _cites_a_paper_link(line):
                # Names on the paragraph after a bold title are that paper's authors.
                self.last_paragraph.subs.append(line)
        self.last_paragraph = block

    def table_row(self) -> None:
        if self.in_head:
            self.header = ["".join(s.text for s in cell).strip().lower() for cell in self.row]
            return
        cells: dict[str, list[Seg]] = {}
        for name, cell in zip(self.header, self.row, strict=False):
            cells.setdefault(name, []).extend(cell)
        block = Block(self.row_line, self.section, [], cells=cells)
        if block.links():
            self.add(block)


@lru_cache(maxsize=256)
def _holds_no_entries(section: str) -> bool:
    return bool(_NOT_ENTRIES.match(section))


def _names(segs: list[Seg]) -> bool:
    """A line of author names, linked to their home pages or not."""
    text = "".join(s.text for s in segs if s.kind in ("text", "link"))
    return not _names_an_arxiv_id(segs) and looks_like_names(text)


def _prose(segs: list[Seg]) -> bool:
    """Prose that links people or places in passing (`supervised by Prof. [Wei Li](...)`)."""
    links = [i for i, s in enumerate(segs) if s.kind == "link"]
    if not links or _names_an_arxiv_id(segs):
        return False
    lead = "".join(s.text for s in segs[: links[0]] if s.kind == "text").strip()
    return len(lead.split()) > 3 and all(
        looks_like_names(segs[i].text) and not _bracketed(segs, i) for i in links
    )


def _bracketed(segs: list[Seg], at: int) -> bool:
    before = segs[at - 1].text if at > 0 and segs[at - 1].kind == "text" else ""
    return before.rstrip().endswith("[")


def _names_an_arxiv_id(segs: list[Seg]) -> bool:
    # The links first: an entry that names an id most often names it in its link.
    return any(found_ids(s.href) for s in segs if s.kind == "link") or any(
        found_ids(s.text) for s in segs if s.kind not in ("code", "link")
    )


def _cites_a_paper_link(segs: list[Seg]) -> bool:
    return _names_an_arxiv_id(segs)


def blocks(text: str, *, shortcuts: bool = True) -> list[Block]:
    """Every block of ``text`` that may be an entry, in the order of the file.

    ``shortcuts=False`` reads every block with markdown-it (the reference reading).
    Raises TooDeep when the Markdown nests deeper than the parser follows.
    """
    return list(iter_blocks(text, shortcuts=shortcuts))


def iter_blocks(text: str, *, shortcuts: bool = True) -> Iterator[Block]:
    """``blocks``, each yielded once nothing later in the file can add to it."""
    md = _markdown()
    walk = _Walk()
    quote_depth = 0
    skip_inline = in_cell = False
    for run in runs(md, text) if shortcuts else top_level(md, text):
        if isinstance(run, Item):
            walk.plain_item(run)
        else:
            for token in run:
                kind = token.type
                if kind == "blockquote_open":
                    quote_depth += 1
                elif kind == "blockquote_close":
                    quote_depth -= 1
                elif quote_depth:
                    continue  # a quote, headings included, is no part of the list
                elif kind == "heading_open":
                    skip_inline = True
                    walk.last_paragraph = None
                elif kind == "list_item_open":
                    owner = walk.items[-1].block or walk.items[-1].owner if walk.items else None
                    walk.items.append(_Item(None, owner))
                    walk.last_paragraph = None
                elif kind == "list_item_close":
                    walk.items.pop()
                elif kind == "thead_open":
                    walk.in_head = True
                elif kind == "thead_close":
                    walk.in_head = False
                elif kind == "tr_open":
                    walk.row = []
                    walk.row_line = (token.map[0] + 1) if token.map else 0
                elif kind == "tr_close":
                    walk.table_row()
                elif kind in ("th_open", "td_open"):
                    in_cell = True
                elif kind in ("th_close", "td_close"):
                    in_cell = False
                elif kind == "inline":
                    if skip_inline:
                        walk.section = token.content.strip() or None
                        skip_inline = False
                    elif in_cell:
                        walk.row.append(inline_segments(md, token))
                    elif walk.items:
                        first_line = (token.map[0] + 1) if token.map else 0
                        walk.item_line(first_line, inline_segments(md, token))
                    else:
                        walk.paragraph(token, inline_segments(md, token))
                elif kind in ("html_block", "table_open", "hr", "fence", "code_block"):
                    walk.last_paragraph = None
            run.clear()  # the tokens are read: freed before the entries are made
        # Between top-level blocks only the last paragraph entry may still grow (by the
        # names on the paragraph after it).
        done = walk.blocks
        walk.blocks = [done.pop()] if done and done[-1] is walk.last_paragraph else []
        yield from done
    yield from walk.blocks
