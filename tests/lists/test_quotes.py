"""A block quote is no part of the list: a heading in it names no section, and what
follows the quote reads as if the quote were not there."""

from __future__ import annotations

import pytest

from pipeline.lists.read import extract_entries
from pipeline.lists.walk import blocks

ID = "https://arxiv.org/abs/1503.02531"
QUOTES = {
    "heading": "> # Quoted\n",
    "heading and text": "> ## Quoted\n> [a](https://a.org) text\n",
    "text and heading": "> [a](https://a.org) text\n>\n> ## Quoted\n",
    "setext heading": "> Quoted\n> ===\n",
    "nested quote": "> > ### Quoted\n",
    "heading in a quoted item": "> - # Quoted\n",
    "empty heading": "> #\n",
}
# What follows a quote, read by the plain-item shortcut or by markdown-it.
AFTER = {
    "plain items": f"- [Paper A]({ID}) Author One\n- [Paper B](https://b.org/b.pdf)\n",
    "item with emphasis": f"- *Author One* [Paper A]({ID})\n",
    "bold paragraph": f"**[Paper A]({ID})** Author One\n",
    "linked paragraph": f"[Paper A]({ID}) Author One\n",
    "table": f"| Title | Code |\n|---|---|\n| [Paper A]({ID}) | [c](https://github.com/a/b) |\n",
    "nested items": f"- [Paper A]({ID})\n  - Author One, Author Two\n",
}


def read(text: str) -> list[tuple[int, str | None, str | None]]:
    return [(e.line, e.section, e.title) for e in extract_entries(text, "list.md")]


@pytest.mark.parametrize("after", AFTER.values(), ids=AFTER.keys())
@pytest.mark.parametrize("quote", QUOTES.values(), ids=QUOTES.keys())
@pytest.mark.parametrize("gap", ["", "\n"], ids=["adjacent", "blank line"])
def test_a_heading_in_a_quote_changes_nothing_after_it(quote: str, after: str, gap: str) -> None:
    quoted = f"# Papers\n\n{quote}{gap}{after}"
    without = "# Papers\n\n" + "\n" * quote.count("\n") + gap + after
    if not gap and "text\n" in quote[-6:] and not after.startswith("- "):
        return  # a paragraph or table right under quoted text is a lazy line of the quote
    entries = read(quoted)
    assert entries and entries == read(without)
    assert {section for _, section, _ in entries} == {"Papers"}
    assert blocks(quoted) == blocks(quoted, shortcuts=False)


def test_the_line_after_a_quoted_heading_is_an_entry_not_a_section() -> None:
    text = f"## Papers\n\n> # Note\n- [Paper A]({ID}) Author One\n\n## Tools\n\n- [T]({ID})\n"
    assert read(text) == [(4, "Papers", "Paper A"), (8, "Tools", "T")]


def test_a_paragraph_after_a_quoted_heading_still_takes_the_names_under_it() -> None:
    text = f"# Papers\n\n**[Paper A]({ID})**\n\n> # Note\n\nAuthor One, Author Two\n"
    (entry,) = extract_entries(text, "list.md")
    assert entry.authors == ("Author One", "Author Two")
