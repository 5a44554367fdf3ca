"""The words module's quicker readings agree with the plain ones they stand for."""

from __future__ import annotations

import random
import re
from urllib.parse import urlsplit

import pytest

from pipeline.lists import words
from pipeline.lists.words import clean_names, looks_like_names, split_authors

_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&)\s*")


def _urlsplit_parts(url: str) -> tuple[str, ...]:
    try:
        split = urlsplit(url.strip())
    except ValueError:
        return ("ValueError",)
    return split.netloc.lower(), split.path.lower()


def _netloc_path(url: str) -> tuple[str, ...]:
    try:
        return words._netloc_path(url)
    except ValueError:
        return ("ValueError",)


def test_urls_split_as_urlsplit_splits_them() -> None:
    urls = [
        "https://arxiv.org/pdf/2001.10000",
        " HTTPS://GitHub.com/A/B?x=1#y ",
        "http://[::1]:80/x",
        "http://[::1/x",
        "https://a.org]/x",
        "www.github.com/a/b",
        "//github.com/a",
        "mailto:a@b.org",
        "git+ssh://host:22/p",
        "https://a.org/x y",
        "https://a.org/\u00e9",
        "https:github.com/a",
        "1http://a.org",
        "",
        "#anchor",
        "notes/x.md",
    ]
    for url in urls:
        assert _netloc_path(url) == _urlsplit_parts(url), url


def test_random_urls_split_as_urlsplit_splits_them() -> None:
    rng = random.Random(5)
    pieces = [*"abZ09:/?#[].-+_@%&= \t\u00e9\x7f\x01", "http", "https://", "//", "www."]
    pieces += ["github.com", ":8080", "[::1]", "mailto:", "HTTP://"]
    for _ in range(20000):
        url = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert _netloc_path(url) == _urlsplit_parts(url), url


def test_author_separators_split_as_the_plain_pattern() -> None:
    rng = random.Random(1)
    pieces = [" ", "\t", "\u00a0", "\u2003", ",", ";", "&", "a", "n", "d", "and", " and ", "x"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert list(words._separated(text)) == _SEPARATORS.split(text), text


def test_names_with_marks_and_truncation() -> None:
    assert clean_names("Liu*, Wang† and Li‡ (* Equal contribution)") == "Liu, Wang and Li"
    assert split_authors("A. One, B. Two, et al.") == (("A. One", "B. Two"), True)
    assert split_authors("A. One, B. Two ...") == (("A. One", "B. Two"), True)
    assert split_authors("A. One, B. Two.. et al..") == (("A. One", "B. Two"), True)
    assert looks_like_names("Song Han, Huizi Mao, et al.")
    assert not looks_like_names("Pruning Filters for Efficient ConvNets")


def _split_only_without_digits(text: str) -> tuple[str, ...]:
    assert not re.search(r"\d", text), text
    return tuple(_SEPARATORS.split(text))


def test_a_text_with_a_digit_is_refused_as_its_pieces_would_refuse_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(7)
    pieces = [
        "Song Han",
        "Wei Li",
        "A. B. Smith",
        "van der Berg",
        "de la Cruz",
        ", ",
        " and ",
        "; ",
    ]
    pieces += ["0", "7", "2019", "\u00b2", "\u0663", "et al.", "...", "*", "†", " ", ".", "x1"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 7))) for _ in range(20000)]
    texts += ["Author 7 One, Author 7 Two, Common Author .", "Li\u00b2, Wang", "Han 2016"]
    with monkeypatch.context() as patched:
        # A text with a digit is refused before it is split into pieces.
        patched.setattr(words, "_separated", _split_only_without_digits)
        quick = [(looks_like_names(t), looks_like_names(t, loose=True)) for t in texts]
    monkeypatch.setattr(words, "_DIGIT", re.compile(r"(?!)"))  # a pattern that never matches
    assert [(looks_like_names(t), looks_like_names(t, loose=True)) for t in texts] == quick
    assert not any(names for names, _ in quick[-3:]) and not any(loose for _, loose in quick[-3:])
