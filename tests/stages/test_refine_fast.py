"""The fast paths of ``refine`` give what the plain definitions give, character by character."""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import fuzz, process

from pipeline.lists.read import extract_entries
from pipeline.stages.refine import (
    _EDGES,
    _NOT_NAME,
    _SEPARATORS,
    _TRUNCATED,
    NAME_MATCH,
    _names_in,
    _plain,
    _read_as,
    _same_title,
    _truncated,
    _without_not_names,
)


def _plain_by_character(text: str) -> str:
    return "".join(c.lower() if c.isalnum() else " " for c in text)


def test_plain_matches_its_definition_for_every_character() -> None:
    characters = (chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    while chunk := "".join(itertools.islice(characters, 997)):
        assert _plain(chunk) == _plain_by_character(chunk)
        assert _plain("a" + chunk[::-1] + "Z") == _plain_by_character("a" + chunk[::-1] + "Z")


def test_plain_of_a_final_sigma_is_sigma() -> None:
    assert _plain("ΟΔΟΣ, ΟΔΟΣ") == "οδοσ  οδοσ"
    assert _plain("Ünïcode_Title-2") == "ünïcode title 2"
    assert _plain("ASCII_Title-2!") == "ascii title 2 "


# The pattern as first written, one `\s*` in every alternative.
_NOT_NAME_PLAIN = re.compile(
    r"^by\s+|\s*\[[^\]]*\]|\s*【[^】]*】|\s*\bet\.?\s*al\b\.?|\s*(?:\.\.\.|…)", re.IGNORECASE
)


# The patterns without the look-ahead that skips positions where no match can start.
_SEPARATORS_PLAIN = re.compile(r"\s*(?:,|;|:|\band\b|&|\s[-–—]\s|\|)\s*")
_TRUNCATED_PLAIN = re.compile(r"\bet\.?\s*al\b|\.\.\.|…", re.IGNORECASE)

PIECES = ["by ", "By\t", " ", "  ", "[x]", "[", "]", "et al", "Et. al.", "etal", "...", "…"]
PIECES += ["Ann", "Lee", ".", ",", "e", "\n", "bet", "al", "and", "AND", "Band", " - ", "—"]
PIECES += [";", ":", "&", "|", "a", "–", "【Tag】", "【", "】", "BY", "bY ", "ET AL", "eT"]


def test_the_fast_patterns_match_what_the_plain_patterns_match() -> None:
    for combination in itertools.product(PIECES, repeat=3):
        text = "".join(combination)
        assert _NOT_NAME.sub("", text) == _NOT_NAME_PLAIN.sub("", text), text
        assert _without_not_names(text) == _NOT_NAME_PLAIN.sub("", text), text
        assert _SEPARATORS.split(text) == _SEPARATORS_PLAIN.split(text), text
        found, plain = _TRUNCATED.search(text), _TRUNCATED_PLAIN.search(text)
        assert (found and found.span()) == (plain and plain.span()), text
        assert _truncated(text) is (plain is not None), text


def test_names_are_found_exactly_by_likeness_or_by_surname_and_initial() -> None:
    names = ["John Smith", "Ann-Marie Lee", "Wei Zhang"]
    text = "J. Smith, Ann Marie Lee and Wei Zhang | Jon Smith; Bob Smith; Zhang Wei; J Lee; A. Lee"
    # `Bob Smith` and `J Lee` share a surname but not the initial; `Zhang Wei` neither.
    assert _names_in(text, names) == [
        "J. Smith",
        "Ann Marie Lee",
        "Wei Zhang",
        "Jon Smith",
        "A. Lee",
    ]


def test_same_title_by_equality_and_by_similarity() -> None:
    assert _same_title("Deep Compression.", "deep compression")
    assert _same_title("Deep Compresion of networks", "Deep Compression of Networks")
    assert not _same_title("Deep Compression", "Learning both Weights and Connections")
    assert not _same_title(None, "Deep Compression")
    assert not _same_title("...", "...")


def test_reading_an_entry_anew_replaces_its_title_and_names_only() -> None:
    [entry] = extract_entries(
        "## Part\n\n- 【Tag】A. Author, B. Author .[A Title](https://arxiv.org/abs/1506.02626) "
        "[code](https://github.com/a/b) CVPR 2016\n",
        "t.md",
    )
    read = _read_as(entry, "Another Title", ("C. Author",), True)
    assert read == replace(
        entry, title="Another Title", authors=("C. Author",), authors_truncated=True
    )
    assert entry.title == "A Title"  # the input is untouched


def _names_in_plain(text: str, names: Sequence[str]) -> list[str]:
    """``_names_in`` as first written: every piece read through its plain form."""
    wanted = [words for words in (_plain(n).split() for n in names) if words]
    joined = [" ".join(words) for words in wanted]
    exact = set(joined)
    surnames = {(words[-1], words[0][0]) for words in wanted}
    found: list[str] = []
    for piece in _SEPARATORS_PLAIN.split(text):
        piece = _NOT_NAME_PLAIN.sub("", piece.strip()).strip(_EDGES)
        words = _plain(piece).split()
        if not words or len(words) > 6 or piece in found:
            continue
        key = " ".join(words)
        if (
            key in exact
            or (len(words) >= 2 and (words[-1], words[0][0]) in surnames)
            or process.extractOne(key, joined, scorer=fuzz.ratio, score_cutoff=NAME_MATCH)
        ):
            found.append(piece)
    return found


def test_names_written_as_arxiv_writes_them_are_found_as_any_other() -> None:
    long_name = "Ana Maria de la Cruz y Lopez"  # seven words: too many to be one name
    names = [["Ann Lee", "Wei Zhang"], ["Ann Lee", "Ann Lee"], [long_name, "Bo Li"], ["-", ""]]
    pieces = ["Ann Lee", "Wei Zhang", long_name, "Bo Li", "A. Lee", "【Tag】Ann Lee", "Ann Lee."]
    pieces += ["[1] Bo Li", "by Wei Zhang", " Ann Lee ", "Zhang Wei", "-", "Σ", "et al."]
    for arxiv_names in names:
        for combination in itertools.product(pieces, repeat=3):
            for separator in (", ", " and ", " | "):
                text = separator.join(combination)
                found = _names_in(text, arxiv_names)
                assert found == _names_in_plain(text, arxiv_names), (text, arxiv_names)
    assert _names_in("Ann Lee, Ann Lee", ["Ann Lee"]) == ["Ann Lee"]
    assert _names_in(long_name, [long_name]) == []
