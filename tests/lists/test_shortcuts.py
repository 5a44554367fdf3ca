"""The reader's shortcuts read a list exactly as the general path does.

Plain one-line items are read without markdown-it, plain inline text without its inline
parser, and other inline text only when the walker asks for it. Each must agree with the
reference reading (every block through markdown-it) on every input, awkward ones above all.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipeline.lists.inline import segments, simple_segments
from pipeline.lists.markdown import Item, parser, runs
from pipeline.lists.read import extract_entries
from pipeline.lists.walk import blocks
from tests.conftest import ROOT

LISTS = sorted(
    [
        *(ROOT / "tests" / "data").rglob("*.md"),
        *(ROOT / "data" / "raw").glob("*.md"),
        *(ROOT.parent / "shared" / "lists" / "real").glob("*.md"),
    ]
)

# Inline text as list items write it, plain and not: every one is compared.
INLINE = [
    "[Title](https://arxiv.org/abs/1503.02531) Author A, Author B",
    "【Pruning】A B .[Title](https://arxiv.org/pdf/2001.10000) .[J] arXiv preprint arXiv:2001.1",
    "Title [[paper](http://arxiv.org/abs/cs/0101001v2)] [[code](https://github.com/a/b)]",
    "math.AG/0309136v2 and arXiv:hep-th/9711200 and arXiv: 1404.00736",
    "10.48550/arXiv.1503.02531 https://export.arxiv.org/abs/0808.15394 1503.02531v0",
    "[x]",
    "[]",
    "[](https://arxiv.org/abs/1503.02531)",
    "[a][b](https://b.org)",
    "[a] (https://b.org)",
    "[a](https://b.org)(c)",
    "[a]( https://b.org)",
    "[a](<https://b.org>)",
    "[a](https://b.org 'title')",
    "[a](https://b.org_(x))",
    "[a](https://b.org/x_y*z`w)",
    "[a](https://b.org/a&amp;b)",
    "[a](https://b.org\\x)",
    "[a](javascript:alert(1))",
    "[a](JavaScript:x)",
    "[a](data:image/png;base64,x)",
    "[a](data:text/html,x)",
    "[a](file:///etc)",
    "[a [b](https://b.org) c](https://c.org)",
    "[a](https://b.org) [b](https://c.org)[c](https://d.org)",
    "Wow! [a](u) !",
    "![img](x.png) [a](u)",
    "text ] with ] brackets [ open",
    "text `code` [a](u)",
    "**bold** [a](u)",
    "*em* [a](u) _em_",
    "snake_case [a](u)",
    "a &amp; b [a](u)",
    "a \\[b\\] [a](u)",
    "<b>x</b> [a](u)",
    "<https://arxiv.org/abs/1503.02531>",
    "a\tb [a](u)",
    "a\u00a0b [a](https://b.org/\u00a0x)",
    "[a\u00a0](https://b.org)",
    "[a](https://b.org/\x7f)",
    "trailing spaces  ",
    "[2019-CVPR] [a](https://openaccess.thecvf.com/x.pdf) (2019)",
    "[a](https://arxiv.org/abs/1503.02531)[[code](https://github.com/x/y)]",
]


def _markdown_it_segments(content: str) -> list[object]:
    md = parser()
    tokens = md.parse(f"- {content}\n")
    inline = next(t for t in tokens if t.type == "inline")
    assert inline.content == content.strip()
    return list(segments(inline))


@pytest.mark.parametrize("content", INLINE)
def test_plain_inline_text_is_read_as_markdown_it_reads_it(content: str) -> None:
    content = content.strip()
    found = simple_segments(content)
    if found is not None:
        assert found == _markdown_it_segments(content)


def test_the_plain_reading_answers_for_plain_text() -> None:
    # Plain text and plain links are what the shortcut is for: it must take them.
    for content in [*INLINE[:3], "[x]", "[a][b](https://b.org)", "Wow! [a](u) !"]:
        assert simple_segments(content) is not None, content
    for content in ["[a](javascript:alert(1))", "text `code` [a](u)", "[a](<https://b.org>)"]:
        assert simple_segments(content) is None, content


def test_plain_inline_text_agrees_on_random_text() -> None:
    rng = random.Random(7)
    pieces = ["a", "B ", " ", ",", ".", "!", "(", ")", "]", "[x]", "[y](https://a.org)", ":", "|"]
    pieces += ["[z](javascript:x)", "[w](u v)", "[", "`", "*", "_", "&amp;", "\\", "<b>", "é"]
    for _ in range(3000):
        content = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))).strip()
        if not content or content[0] in "-*+#>=~`<|" or content[0].isdigit():
            continue  # not the text of a one-line item
        if "]:" in content:
            continue  # a file that may define a link reference is read whole
        found = simple_segments(content)
        if found is not None:
            assert found == _markdown_it_segments(content), content


# Documents around plain items: what markdown-it may read otherwise than as one-line items.
DOCUMENTS = {
    "plain list": "# A\n\n- [a](https://arxiv.org/abs/1503.02531) x\n- [b](https://b.org/x.pdf)\n",
    "loose list": "- [a](https://a.org)\n\n- [b](https://b.org)\n\n\n- [c](https://c.org)\n",
    "lazy line": "- [a](https://a.org)\nlazy [x](https://arxiv.org/abs/1503.02531)\n",
    "indented line": "- [a](https://a.org)\n  more [x](https://x.org)\n- [b](https://b.org)\n",
    "indented after blank": "- [a](https://a.org)\n\n  more\n- [b](https://b.org)\n",
    "sub-items": "- [a](https://arxiv.org/abs/1503.02531)\n  - Author One, Author Two\n",
    "nested plain item": "- Names\n  - [a](https://arxiv.org/abs/1503.02531)\n",
    "table after item": "- a | b [x](https://a.org)\n|---|---|\n- c\n",
    "table after blank": "- [a](https://a.org)\n\n- a | b\n|---|---|\n",
    "table under items": "- [a](https://a.org)\n- [b](https://b.org)\n- c | d\n|---|---|\n",
    "table under many": "".join(f"- [{n}](u{n})\n" for n in range(5)) + "- e | f\n|-|-|\n",
    "setext underline": "- [a](https://a.org)\n---\n- [b](https://b.org)\n",
    "setext indented": "- [a](https://a.org)\n  ===\n",
    "other markers": "- [a](https://a.org)\n* [b](https://b.org)\n+ c\n1. [d](u)\n2) e\n",
    "one space item": "- [a](https://a.org)\n - [b](https://b.org)\n",
    "empty item": "- [a](https://a.org)\n-\n- [b](https://b.org)\n",
    "rule and fence": "- [a](https://a.org)\n- - -\n```\n- [b](https://b.org)\n```\n",
    "items that are blocks": "- # h\n- > q\n- 1. x\n- ```\n- <b>x</b>\n- [a](https://a.org)\n",
    "code span and emphasis": "- `arXiv:1503.02531` [a](https://a.org)\n- *A B* [b](https://b.org)\n",
    "heading in a quote": "> # quoted\n- [a](https://arxiv.org/abs/1503.02531) x\n- [b](u)\n",
    "sections without entries": "## License\n- [a](https://a.org)\n## Papers\n- [b](https://b.org)\n",
    "paragraph then names": "**[T](https://arxiv.org/abs/1503.02531)**\n\nAuthor One, Author Two\n",
    "tabs and spaces": "-\t[a](https://a.org)\n-  [b](https://b.org)\n- \u00a0[c](https://c.org)\n",
    "no final newline": "- [a](https://arxiv.org/abs/1503.02531)",
    "windows line ends": "- [a](https://a.org)\r\n- [b](https://b.org)\r\n",
    "reference definition": "- [a][r]\n- [b](https://b.org)\n\n[r]: https://arxiv.org/abs/1503.02531\n",
    "odd ids": "- arXiv:1404.00736 [x](https://arxiv.org/pdf/1503.02531v2.pdf)\n"
    "- ARXİV:1503.02531\n"
    "- [y](https://arxiv.org/abs/0808.15394) arXiv:math.AG/0309136 arXiv:1503.02531v0\n",
    "table": "| Title | Code |\n|---|---|\n| [a](https://arxiv.org/abs/1503.02531) | [c](u) |\n",
}


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_documents_read_as_the_reference_reads_them(text: str) -> None:
    assert blocks(text) == blocks(text, shortcuts=False)


def test_plain_items_are_read_without_markdown_it() -> None:
    text = DOCUMENTS["plain list"] + "\n" + DOCUMENTS["loose list"]
    items = [run for run in runs(parser(), text) if isinstance(run, Item)]
    assert [item.line for item in items] == [2, 3, 5, 7, 10]


@pytest.mark.parametrize("path", LISTS, ids=[p.name for p in LISTS])
def test_lists_read_as_the_reference_reads_them(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert blocks(text) == blocks(text, shortcuts=False)


def test_random_documents_read_as_the_reference_reads_them() -> None:
    rng = random.Random(11)
    lines = [line for text in DOCUMENTS.values() for line in text.split("\n")]
    lines += ["", "", "  - sub [s](https://arxiv.org/abs/1503.02531)", "text", "## Part", "> x"]
    for _ in range(400):
        text = "\n".join(rng.choice(lines) for _ in range(rng.randint(1, 12)))
        assert blocks(text) == blocks(text, shortcuts=False), text


def test_entries_of_a_long_plain_list_match_the_reference() -> None:
    rows = [
        f"- 【Tag】Author {n} One, Common Author .[Paper {n}](https://arxiv.org/pdf/2001.{n:05d})"
        f" .[J] arXiv preprint arXiv:2001.{n:05d}"
        for n in range(300)
    ]
    text = "# List\n\n" + "\n".join(rows) + "\n"
    entries = extract_entries(text, "x.md")
    assert len(entries) == 300
    assert [e.arxiv_id for e in entries] == [f"2001.{n:05d}" for n in range(300)]
    assert blocks(text) == blocks(text, shortcuts=False)
