"""find_ids skips text that cannot hold an id and starts near the first `arxiv`: the same
ids as the plain pattern run over the whole text."""

from __future__ import annotations

import random
import re

import pytest

from pipeline import ids
from pipeline.ids import find_ids, found_ids, parse_id

_REFERENCE = re.compile(ids._FORMS_PATTERN, ids._FORMS_FLAGS)

TEXTS = [
    "",
    "no id here",
    "arXiv:1503.02531",
    "see arxiv: 1404.00736v2, and ARXIV:cs/0101001v1",
    "https://export.arxiv.org/abs/math.AG/0309136v2 and https://www.arxiv.org/pdf/1503.02531v0.pdf",
    "x" * 40 + "https://export.arxiv.org/abs/1503.02531",
    "myarxiv.org/abs/1503.02531 my-arxiv.org/abs/1503.02531 _arxiv.org/abs/1503.02531",
    "doi:10.48550/ARXIV.1503.02531 10.48550/arXiv.0808.15394",
    "arxıv:1503.02531 ARXİV:1503.02531 arXiv:\u00a01503.02531",
    "arXiv preprint arXiv:2001.10000 [J] arXiv:2001.10001v3",
    "http://arxiv.org/format/1503.02531 https://arxiv.org/html/1503.02531v4",
    "【Pruning】Author 0 One .[T](https://arxiv.org/pdf/2001.10000) .[J] arXiv preprint",
]


def _reference(text: str) -> list[tuple[str, str, int, int]]:
    found = []
    for m in _REFERENCE.finditer(text):
        form = "url" if m["url"] else "doi" if m["doi"] else "text"
        found.append((m[form], form, m.start(form), m.end(form)))
    return found


def _found(text: str) -> list[tuple[str, str, int, int]]:
    return [(f.parsed.raw, f.form, f.start, f.end) for f in find_ids(text)]


@pytest.mark.parametrize("text", TEXTS)
def test_ids_found_as_the_plain_pattern_finds_them(text: str) -> None:
    assert _found(text) == _reference(text)
    assert find_ids(text) == list(found_ids(text))


def test_ids_found_in_random_text() -> None:
    rng = random.Random(3)
    pieces = ["arxiv", "ARXIV", "arXıv", "İ", ":", " ", ".org/abs/", ".org/pdf/", "https://"]
    pieces += ["www.", "export.", "10.48550/", "1503.02531", "v2", "cs/0101001", "-", "x", "é"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert _found(text) == _reference(text), text


def test_results_are_not_shared_lists() -> None:
    first = find_ids("arXiv:1503.02531")
    first.clear()
    assert len(find_ids("arXiv:1503.02531")) == 1


def test_a_remembered_id_is_the_same_reading() -> None:
    assert parse_id("1404.00736") == parse_id.__wrapped__("1404.00736")
    assert parse_id(" 1503.02531v2 ") == parse_id.__wrapped__(" 1503.02531v2 ")


def test_canonical_ids_are_read_as_the_general_reading_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(11)
    digits = "0123456789"
    raws = ["2001.10000", "2001.10000v2", "1501.00001v10", "9912.99999", "2013.12345"]
    raws += ["1412.12345", "1500.12345", "1513.12345", "2001.1000", "2001.10000v0", "2001.10000v01"]
    for _ in range(20000):
        raw = (
            "".join(rng.choice(digits) for _ in range(4))
            + "."
            + "".join(rng.choice(digits) for _ in range(rng.choice((4, 5, 5, 6))))
        )
        raw += rng.choice(("", "", "v1", "v2", "v0", "v12", "v01", " ", "x"))
        raws.append(rng.choice(("", "", " ")) + raw)
    with monkeypatch.context() as patched:
        # A canonical id is read before the general patterns are tried.
        patched.setattr(ids, "_NEW", re.compile(r"(?!)"))
        assert parse_id.__wrapped__("2001.10000v2").id == ids.ArxivId("2001.10000", 2)
    quick = [parse_id.__wrapped__(raw) for raw in raws]
    monkeypatch.setattr(ids, "CANONICAL_ID", re.compile(r"(?!)"))  # a pattern that never matches
    assert [parse_id.__wrapped__(raw) for raw in raws] == quick
