"""The reader parses a list one top-level block at a time: the same tokens as a whole parse.

markdown-it's own ``parse`` of the whole file is the reference; every construct that spans
lines (lists, quotes, fences, HTML blocks, tables, setext headings, lazy lines, reference
definitions) must come out token for token as it does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lists.walk import TooDeep, _markdown, _top_level, blocks
from tests.conftest import ROOT

LISTS = sorted(
    [
        *(ROOT / "tests" / "data").rglob("*.md"),
        *(ROOT / "data" / "raw").glob("*.md"),
        *(ROOT.parent / "shared" / "lists" / "real").glob("*.md"),
    ]
)

CONSTRUCTS = {
    "fence holding a heading": "# A\n\n```\n# not a heading\n\n- [x](https://a.org)\n```\n\n# B\n",
    "tilde fence in a list": "- item\n\n  ~~~\n  # code\n\n  ~~~\n- [y](https://b.org)\n",
    "unclosed fence": "# A\n\n```\n# B\n\n- [x](https://a.org)\n",
    "html comment across blank lines": "<!--\n\n# hidden\n\n- [x](u)\n-->\n\n# shown\n",
    "html block": "<details>\n<summary>More</summary>\n\n- [a](https://a.org)\n\n</details>\n",
    "loose list": "- [a](https://a.org)\n\n- [b](https://b.org)\n\n\n- [c](https://c.org)\n",
    "nested lists": "- a\n  - [b](https://b.org)\n    - c\n\n  more\n- d\n",
    "lazy continuation": "> quote\nlazy line\n\n- item\nlazy [x](https://x.org)\n",
    "quote with a list": "> - [a](https://a.org)\n>\n> # inside\n\n# outside\n",
    "table": "| Title | Code |\n|---|---|\n| [a](https://a.org) | [c](https://c.org) |\n\ntext\n",
    "table ended by a heading": "| a | b |\n|---|---|\n| 1 | 2 |\n# next\n| c |\n",
    "setext heading": "Title\n=====\n\n[a](https://a.org)\nSection\n---\n",
    "indented code": "text\n\n    # code\n\n    - [x](https://x.org)\n\n# real\n",
    "reference after use": "- [paper][p]\n\n# Later\n\n[p]: https://arxiv.org/abs/1234.56789\n",
    "reference before use": "[p]: https://arxiv.org/abs/1234.56789\n\n- [paper][p]\n",
    "entities and breaks": "- **[a](https://a.org)** &amp; b<br>c  \n  d\\\n  e\n",
    "windows line ends": "# A\r\n\r\n- [a](https://a.org)\r\n- b\r\n",
    "null byte and tabs": "-\t[a](https://a.org)\x00\n\t- b\n",
    "blank lines only": "\n\n\n",
    "empty": "",
    "ordered lists": "1. [a](https://a.org)\n2) b\n\n3. c\n",
    "hr and emphasis": "***\n*a* __b__ ***c***\n___\n",
}


def _whole(text: str) -> list[object]:
    return list(_markdown().parse(text))


def _by_block(text: str) -> list[object]:
    return [token for run in _top_level(_markdown(), text) for token in run]


@pytest.mark.parametrize("text", CONSTRUCTS.values(), ids=CONSTRUCTS.keys())
def test_constructs_parse_as_a_whole(text: str) -> None:
    assert _by_block(text) == _whole(text)


@pytest.mark.parametrize("path", LISTS, ids=[p.name for p in LISTS])
def test_lists_parse_as_a_whole(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tokens = _by_block(text)
    assert tokens
    assert tokens == _whole(text)


def test_the_lists_are_there() -> None:
    # The real lists and the test data must be found, or the test above compares nothing.
    names = {p.name for p in LISTS}
    assert "awesome-model-compression.md" in names
    assert len(LISTS) >= 10


def test_blocks_are_yielded_one_at_a_time() -> None:
    text = "# A\n\n- [a](https://a.org)\n- [b](https://b.org)\n\n# B\n\n[c](https://c.org)\n"
    runs = list(_top_level(_markdown(), text))
    firsts = [run[0].type for run in runs]
    assert firsts == ["heading_open", "bullet_list_open", "heading_open", "paragraph_open"]
    assert [run[0].map[0] for run in runs if run[0].map] == [0, 2, 5, 7]


def test_too_deep_nesting_still_refused_with_its_line() -> None:
    text = "# A\n\n- [a](https://a.org)\n\n" + "".join(
        "  " * depth + "- x\n" for depth in range(80)
    )
    with pytest.raises(TooDeep) as raised:
        blocks(text)
    assert raised.value.line > 4
