"""The reader's quicker steps agree with the plain ones they stand for: lists read in
batches and plain items handed over in runs, chunks after a title read once, title keys
joined at once."""

from __future__ import annotations

import random
import re

import pytest

from pipeline.lists import markdown, read
from pipeline.lists.chunks import chunks, read_chunk
from pipeline.lists.parts import Parts, _read_chunk
from pipeline.lists.read import extract_entries
from pipeline.lists.walk import blocks
from pipeline.lists.words import is_venue, is_year, looks_like_names, split_authors, year_of
from tests.lists.test_shortcuts import DOCUMENTS, LISTS


def long_list(rng: random.Random, count: int) -> str:
    """A list of plain items, with what ends a run of them here and there."""
    lines = ["# Papers", ""]
    for n in range(count):
        paper = rng.randrange(count // 2)  # a paper cited twice: a duplicate
        lines.append(f"- [Paper {paper}s](https://arxiv.org/abs/2001.{paper:05d}) Author {n}")
        roll = rng.random()
        if roll < 0.01:
            lines += ["", "## Part"]
        elif roll < 0.02:
            lines.append("  - Author One, Author Two")
        elif roll < 0.03:
            lines += ["", "  indented after a blank line"]
        elif roll < 0.04:
            lines.append("a lazy line [x](https://arxiv.org/abs/1503.02531)")
        elif roll < 0.05:
            lines.append("")
    return "\n".join(lines) + "\n"


def test_a_list_read_in_batches_reads_as_block_by_block(monkeypatch: pytest.MonkeyPatch) -> None:
    text = long_list(random.Random(3), 3000)
    batched = extract_entries(text, "list.md")
    monkeypatch.setattr(read, "_BATCH", 1)
    assert batched == extract_entries(text, "list.md")
    assert any("duplicate" in e.defects for e in batched)


def test_plain_items_handed_over_in_runs_read_as_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(5)
    texts = [long_list(rng, 1500) for _ in range(3)]
    lines = [line for text in DOCUMENTS.values() for line in text.split("\n")]
    texts += ["\n".join(rng.choice(lines) for _ in range(rng.randint(1, 40))) for _ in range(50)]
    runs = [blocks(text) for text in texts]
    monkeypatch.setattr(markdown, "_HELD", 2)  # one item at a time, the last two held
    assert runs == [blocks(text) for text in texts]
    assert runs[:3] == [blocks(text, shortcuts=False) for text in texts[:3]]


@pytest.mark.parametrize("held", [2, 3, 5])
def test_runs_of_any_length_read_the_real_lists_alike(
    held: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [path.read_text(encoding="utf-8") for path in LISTS]
    expected = [blocks(text) for text in texts]
    monkeypatch.setattr(markdown, "_HELD", held)
    assert [blocks(text) for text in texts] == expected


# How a chunk after a title was read before its reading was remembered.
_MONTH_YEAR = re.compile(r"(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d\d")


def _read_chunk_reference(parts: Parts, chunk: str) -> bool:
    if _MONTH_YEAR.fullmatch(chunk):
        parts.year = parts.year or year_of(chunk)
        return True
    by = re.match(r"^by\s+", chunk, re.IGNORECASE)
    if by:
        chunk = chunk[by.end() :]
    pieces = [p.strip() for p in chunk.split(",") if p.strip()]
    venue = year = None
    while pieces and (is_year(pieces[-1]) or (not by and is_venue(pieces[-1]))):
        last = pieces.pop()
        if is_year(last):
            year = year or year_of(last)
        else:
            venue = last
            year = year or year_of(last)
    names = ", ".join(pieces)
    if pieces and not looks_like_names(names):
        tail = re.search(r"\bby\s+(.+)$", chunk)
        if tail and not parts.authors and looks_like_names(tail.group(1)):
            parts.authors, parts.truncated = split_authors(tail.group(1))
        elif parts.authors and not parts.venue and _journal_reference(chunk):
            parts.venue = chunk
            parts.year = parts.year or year_of(chunk)
            return True
        return False
    if pieces and not parts.authors:
        parts.authors, parts.truncated = split_authors(names)
    if venue and not parts.venue:
        parts.venue = venue
    if year and not parts.year:
        parts.year = year
    return True


def _journal_reference(chunk: str) -> bool:
    dated = bool(re.search(r"\b(?:19|20)\d\d$", chunk))
    return dated and chunk[:1].isupper() and len(chunk) <= 60 and not looks_like_names(chunk)


CHUNKS = [
    "NIPS 2015",
    "Jul 2024",
    "2099",
    "Sept. 2019",
    "by A. Smith and B. Jones, 2022",
    "BY Geoffrey Hinton",
    "Geoffrey Hinton, Oriol Vinyals, Jeff Dean, NIPS 2015",
    "Hubara et al",
    "arXiv preprint",
    "a note on things by A. Smith and B. Jones",
    "a note on things by nobody in particular",
    "Adv. Theor. Math. Phys. 1998",
    "Proceedings of Something Long 2001",
    "ICML'17",
    "CVPR, 2016, oral",
    "described here",
    "J",
    "2019, 2018",
    "by 2019",
    "Yann LeCun, CVPR 2016",
]


def test_a_remembered_chunk_reads_as_it_was_read() -> None:
    rng = random.Random(9)
    states = [Parts(), Parts(authors=("A B",)), Parts(venue="CVPR", year=2016)]
    states += [Parts(authors=("A B",), year=2001), Parts(year=1999)]
    pool = [*CHUNKS, *(c.lower() for c in CHUNKS)]
    pool += [", ".join(rng.sample(CHUNKS, 2)) for _ in range(100)]
    for chunk in pool:
        for state in states:
            want, got = Parts(**vars(state)), Parts(**vars(state))
            assert (_read_chunk_reference(want, chunk), want) == (_read_chunk(got, chunk), got)
            assert read_chunk(chunk) == read_chunk.__wrapped__(chunk)


def _chunks_reference(text: str) -> list[str]:
    text = re.sub(r"\barXiv:\s?\S+", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"【([^】]+)】", " ", text)
    text = re.sub(r"\[[^\[\]]*\]", " | ", text)
    text = text.replace("(", " | ").replace(")", " | ")
    pieces = re.split(r"\||\s+[-–—]+\s+|^\s*[-–—]+\s+", text)
    return [p.strip(" .,;:[]") for p in pieces if p.strip(" .,;:[]")]


def test_chunks_split_as_they_were_split() -> None:
    rng = random.Random(13)
    words = ["arXiv:2001.10000", "ArXiv: 1503.02531", "arxiv:", "【Tag】", "[J]", "(2019)", " - "]
    words += ["–", "|", "NIPS", "2015", ".", ",", " ", "by", "A. Smith", ";", ":", "[", "]", "é"]
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice(["", " "]) for _ in range(rng.randint(0, 9)))
        assert list(chunks(text)) == _chunks_reference(text), text


def _title_key_reference(title: str | None) -> str | None:
    if not title:
        return None
    key = " ".join(w.removesuffix("s") for w in re.findall(r"\w+", title.lower()))
    return key if len(key) >= 8 else None


def test_title_keys_are_the_words_without_their_last_s() -> None:
    rng = random.Random(17)
    pieces = ["s", "S", "ss", " ", "  ", "Network", "networks", "-", ".", "_s", "é", "İ", "ſ", "1s"]
    titles: list[str | None] = [None, "", "Networks", "s s s", "Deep Networks s"]
    titles += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for title in titles:
        assert read._title_key(title) == _title_key_reference(title), title
