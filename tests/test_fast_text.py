"""The ASCII fast paths of text cleaning give what the general rule gives."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from pipeline.api.feed import clean_text
from pipeline.stages import refine

ASCII = [chr(c) for c in range(128)]


def general_clean(text: str) -> str:
    """clean_text's rule, character by character (what it does for any text)."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")
    )
    return re.sub(r"\s+", " ", kept).strip()


def general_plain(text: str) -> str:
    return "".join(c.lower() if c.isalnum() else " " for c in text)


@pytest.mark.parametrize("seed", range(20))
def test_ascii_text_is_cleaned_as_any_text_is(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        text = "".join(rng.choice(ASCII) for _ in range(rng.randint(0, 40)))
        assert text.isascii()
        assert clean_text(text) == general_clean(text), repr(text)
        assert refine._plain(text) == general_plain(text), repr(text)


def test_text_beyond_ascii_keeps_the_general_rule() -> None:
    text = "  Ré\u202esumé\x85of\u00a0the\x00 paper  "
    assert clean_text(text) == general_clean(text) == "Résumé of the paper"
    assert refine._plain("Ärger-Zoë") == general_plain("Ärger-Zoë")
