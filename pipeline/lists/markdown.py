"""The Markdown of a list, parsed one top-level block at a time.

markdown-it-py (CommonMark plus GitHub's tables) is the reference reading. ``top_level``
yields its tokens block by block, exactly as a whole parse makes them. ``runs`` is what
the reader uses: the same blocks, except that

* a top-level list made of one-line items of plain text and plain links (the bulk of an
  awesome list) comes out as its items' lines and segments, read without markdown-it;
* the inline text of the other blocks is parsed only when it is read (``inline_segments``),
  and not by markdown-it when it is plain.

Both readings give the walker the same entries (the tests compare them).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import table as table_rule
from markdown_it.rules_block.list import skipBulletListMarker, skipOrderedListMarker
from markdown_it.rules_core import StateCore
from markdown_it.rules_core import block as core_block
from markdown_it.rules_core import inline as core_inline
from markdown_it.rules_core import normalize as core_normalize
from markdown_it.rules_core import text_join as core_text_join
from markdown_it.token import Token

from pipeline.lists.inline import Seg, segments, simple_segments

# Deeper than any list a person writes; deeper input is refused rather than cut short.
MAX_NESTING = 60

# What the first character of an item may not be for the item to be one plain paragraph:
# the starts of headings, quotes, fences, rules, lists, HTML, and of leading whitespace.
_BLOCK_STARTS = frozenset("#>=~+-*_`<|")
# An ordered list marker (`1.`, `2)`) as markdown-it reads one.
_ORDERED = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
# Plain items read before the walker is given them (all but the last two).
_HELD = 512


class TooDeep(Exception):
    """The list nests deeper than the parser follows; the rest would be lost."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class Item(NamedTuple):
    """A one-line list item read without markdown-it: its line (from 0), text and segments."""

    line: int
    content: str
    segs: list[Seg]


def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.options["maxNesting"] = MAX_NESTING
    # Keep hrefs as written (the list's own text), and skip the percent-encoding work
    # that is a sixth of the parsing time of a long list.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    tokenize = md.block.tokenize

    def guarded(state: StateBlock, start: int, end: int) -> None:
        # markdown-it drops everything after a block nested deeper than maxNesting.
        if state.level >= MAX_NESTING:
            line = state.skipEmptyLines(start)
            if line < end and state.sCount[line] >= state.blkIndent:
                raise TooDeep(line + 1)
        tokenize(state, start, end)

    md.block.tokenize = guarded  # type: ignore[method-assign,assignment]
    return md


def top_level(md: MarkdownIt, text: str) -> Iterator[list[Token]]:
    """The tokens of ``text`` as ``md.parse`` makes them, one top-level block at a time.

    ``md.parse`` holds every token of the file at once, about forty bytes for each byte of
    Markdown; a block at a time, memory follows the largest block instead. The loop is
    markdown-it's own (``ParserBlock.tokenize``) at the top level, followed by the core
    rules after ``block`` (inline parsing) on each block's tokens. A link reference
    definition (`[label]: url`) serves links before it too, so a file that may hold one
    is parsed whole.
    """
    for run in _runs(md, text, shortcuts=False):
        assert not isinstance(run, Item)
        yield run


def runs(md: MarkdownIt, text: str) -> Iterator[list[Token] | Item]:
    """The blocks of ``text`` as ``top_level`` yields them, with the shortcuts above.

    The items of a plain list are yielded one by one; an inline token whose children are
    None is yet to be parsed (``inline_segments``).
    """
    return _runs(md, text, shortcuts=True)


def inline_segments(md: MarkdownIt, token: Token) -> list[Seg]:
    """The segments of an inline token, parsing it now if ``runs`` left it unparsed."""
    if token.children is not None:
        return segments(token)
    found = simple_segments(token.content)
    if found is not None:
        return found
    # Parsed on a copy, so that the children are freed once read. Parsing is left for
    # later only in a file without link reference definitions, the one thing the inline
    # rules would read from the environment.
    copy = Token("inline", "", 0, content=token.content, children=[])
    core = StateCore(token.content, md, {}, [copy])
    core_inline(core)
    core_text_join(core)
    return segments(copy)


def _runs(md: MarkdownIt, text: str, shortcuts: bool) -> Iterator[list[Token] | Item]:
    core = StateCore(text, md, {})
    if "\r" in text or "\0" in text:
        # Otherwise normalizing changes nothing but makes a copy of the whole file.
        core_normalize(core)
    src = core.src
    if "]:" in src:
        yield md.parse(text)
        return
    if not src:
        return
    after_block = [r for r in md.core.ruler.getRules("") if r not in (core_normalize, core_block)]
    # Parsing inline text later is the same only when nothing else reads it first.
    lazy = shortcuts and after_block == [core_inline, core_text_join]
    state = StateBlock(src, md, core.env, [])
    rules = md.block.ruler.getRules("")
    line, end = state.line, state.lineMax
    has_empty_lines = False
    while line < end:
        # At the top level the block indent is 0 and the nesting level 0: markdown-it's
        # checks of both never stop this loop.
        state.line = line = state.skipEmptyLines(line)
        if line >= end:
            break
        if lazy and src.startswith("- ", state.bMarks[line]):
            resume = yield from _plain_items(state, line)
            if resume > line:
                line = resume
                continue
        if not any(rule(state, line, end, False) for rule in rules):
            raise RuntimeError("no Markdown block rule matched")
        state.tight = not has_empty_lines
        line = state.line
        if line - 1 < end and state.isEmpty(line - 1):
            has_empty_lines = True
        if line < end and state.isEmpty(line):
            has_empty_lines = True
            line += 1
            state.line = line
        done = StateCore(src, md, core.env, state.tokens)
        state.tokens = []
        if lazy:
            for token in done.tokens:
                if token.type == "inline":
                    token.children = None
        else:
            for rule in after_block:
                rule(done)
        yield done.tokens


def _item(state: StateBlock, line: int) -> Item | None:
    """The line as a plain one-line item (`- text [title](url) text`), if it is one."""
    start, stop = state.bMarks[line], state.eMarks[line]
    src = state.src
    if stop - start < 3 or not src.startswith("- ", start):
        return None
    first = src[start + 2]
    if first in _BLOCK_STARTS or first.isspace() or _ORDERED.match(src, start + 2, stop):
        return None
    content = mdTrim(src[start + 2 : stop])
    segs = simple_segments(content)
    return None if segs is None else Item(line, content, segs)


def _plain_items(state: StateBlock, start: int) -> Generator[Item, None, int]:
    """The plain one-line items of the list at ``start``; returns the line to go on from.

    markdown-it reads these lines as the same items, and the rest of the list (if it goes
    on) as it reads a new block that starts at the line returned (``start`` when there
    are no items). The last two items are held back: the lines after them may give them
    back to markdown-it.
    """
    end = state.lineMax
    if table_rule(state, start, end, True):
        return start
    held: list[Item] = []
    line = start
    while line < end and (item := _item(state, line)) is not None:
        held.append(item)
        if len(held) > _HELD:
            # Handed over a few hundred at a time: each step over many is quicker.
            yield from held[:-2]
            del held[:-2]
        line += 1
        if line < end and state.isEmpty(line):
            line = state.skipEmptyLines(line)
            if line < end and state.sCount[line] >= 2:
                # After a blank line, an indented line belongs to the item above.
                line = held.pop().line
                break
        elif (
            line < end
            and not state.src.startswith("- ", state.bMarks[line])
            and not _ends_paragraph(state, line)
        ):
            # A lazy or indented line right under an item continues its paragraph.
            line = held.pop().line
            break
    if line < end and held and table_rule(state, line, end, True):
        # A new block would start with a table where markdown-it goes on with the list;
        # from the item before, the next line is an item, never a table's second row.
        line = held.pop().line
    yield from held
    return line


def _ends_paragraph(state: StateBlock, line: int) -> bool:
    """Whether ``line`` is a list marker that ends the paragraph of a top-level item."""
    if state.sCount[line] >= 2:
        return False
    return skipBulletListMarker(state, line) >= 0 or skipOrderedListMarker(state, line) >= 0
