"""pipeline.ids: the arXiv id grammar (find, normalize, repair, reject)."""

from __future__ import annotations

import random

import pytest

from pipeline.ids import (
    OLD_ARCHIVES,
    ArxivId,
    find_ids,
    is_valid,
    parse_id,
    short_id_from_entry_url,
)

# Every way NOTES.md says an id is written in the wild: (text, the id found, its form).
ID_FORMS = [
    ("https://arxiv.org/abs/1503.02531", "1503.02531", "url"),
    ("http://arxiv.org/abs/1503.02531", "1503.02531", "url"),
    ("arxiv.org/abs/1503.02531", "1503.02531", "url"),
    ("https://arxiv.org/pdf/1503.02531", "1503.02531", "url"),
    ("https://arxiv.org/pdf/1503.02531.pdf", "1503.02531", "url"),
    ("https://arxiv.org/pdf/1503.02531v2", "1503.02531v2", "url"),
    ("https://arxiv.org/pdf/1503.02531v2.pdf", "1503.02531v2", "url"),
    ("https://arxiv.org/html/1503.02531", "1503.02531", "url"),
    ("https://arxiv.org/html/1503.02531v3", "1503.02531v3", "url"),
    ("http://export.arxiv.org/abs/1503.02531", "1503.02531", "url"),
    ("https://www.arxiv.org/abs/1503.02531", "1503.02531", "url"),
    ("https://www.arxiv.org/pdf/1404.0736v1", "1404.0736v1", "url"),
    ("https://ARXIV.ORG/ABS/1503.02531", "1503.02531", "url"),
    ("arXiv:1503.02531", "1503.02531", "text"),
    ("ARXIV:1503.02531", "1503.02531", "text"),
    ("arXiv: 1503.02531", "1503.02531", "text"),
    ("arXiv preprint arXiv:1503.02531", "1503.02531", "text"),
    ("arXiv preprint arXiv:1503.02531v4, 2015.", "1503.02531v4", "text"),
    ("10.48550/arXiv.1503.02531", "1503.02531", "doi"),
    ("https://doi.org/10.48550/arXiv.1503.02531", "1503.02531", "doi"),
    ("doi:10.48550/ARXIV.1503.02531", "1503.02531", "doi"),
    ("https://arxiv.org/abs/cs/0101001", "cs/0101001", "url"),
    ("https://arxiv.org/abs/cs/0101001v3", "cs/0101001v3", "url"),
    ("arXiv:hep-th/9901001", "hep-th/9901001", "text"),
    ("https://arxiv.org/abs/math-ph/0101001", "math-ph/0101001", "url"),
    ("https://arxiv.org/abs/math.AG/0309136", "math/0309136", "url"),
    ("https://arxiv.org/abs/math.AG/0309136v2", "math/0309136v2", "url"),
    ("arXiv:cs.AI/0101001", "cs/0101001", "text"),
    ("https://arxiv.org/abs/0704.0001", "0704.0001", "url"),
    ("https://arxiv.org/abs/2401.12345v12", "2401.12345v12", "url"),
]


@pytest.mark.parametrize(("text", "expected", "form"), ID_FORMS)
def test_every_form_of_the_notes_is_found(text: str, expected: str, form: str) -> None:
    [found] = find_ids(text)
    assert found.form == form
    assert found.parsed.error is None
    assert found.parsed.fix is None
    assert str(found.parsed.id) == expected
    # start/end point at the id as written, so that a list can be rewritten in place.
    assert text[found.start : found.end] == found.parsed.raw


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/papers/1503.02531",
        "https://myarxiv.org/abs/1503.02531",
        "https://github.com/arxiv/arxiv-browse",
        "version 1503.02531 of the numbers",
        "10.1109/CVPR.2016.90",
        "",
    ],
)
def test_text_without_an_arxiv_form_has_no_ids(text: str) -> None:
    assert find_ids(text) == []


def test_ids_are_found_in_order_with_their_positions() -> None:
    text = (
        "[A](https://arxiv.org/pdf/1404.00736) .[J] arXiv preprint arXiv:1404.00736; "
        "see also 10.48550/arXiv.cs/0101001 and arXiv:math.AG/0309136."
    )
    found = find_ids(text)
    assert [(f.form, f.parsed.raw) for f in found] == [
        ("url", "1404.00736"),
        ("text", "1404.00736"),
        ("doi", "cs/0101001"),
        ("text", "math.AG/0309136"),
    ]
    assert [f.start for f in found] == sorted(f.start for f in found)
    assert [text[f.start : f.end] for f in found] == [f.parsed.raw for f in found]
    assert [str(f.parsed.id) for f in found] == [
        "1404.0736",
        "1404.0736",
        "cs/0101001",
        "math/0309136",
    ]


def test_trailing_punctuation_is_not_part_of_the_id() -> None:
    [found] = find_ids("(see https://arxiv.org/abs/1503.02531).")
    assert found.parsed.raw == "1503.02531"


def test_subject_class_is_dropped_and_the_version_kept() -> None:
    parsed = parse_id("math.AG/0309136v2")
    assert parsed.id == ArxivId("math/0309136", 2)
    assert parsed.id.base == "math/0309136"
    assert parsed.raw == "math.AG/0309136v2"


def test_versions_are_kept_apart_from_the_base() -> None:
    assert parse_id("1503.02531v2").id == ArxivId("1503.02531", 2)
    assert parse_id("1503.02531").id == ArxivId("1503.02531", None)
    assert str(ArxivId("1503.02531", 2)) == "1503.02531v2"
    assert str(ArxivId("cs/0101001")) == "cs/0101001"


def test_surrounding_spaces_are_ignored_but_the_raw_text_kept() -> None:
    parsed = parse_id("  1503.02531 \n")
    assert parsed.id == ArxivId("1503.02531")
    assert parsed.raw == "  1503.02531 \n"


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("1404.00736", "1404.0736"),
        ("1411.04229", "1411.4229"),
        ("1412.06115", "1412.6115"),
        ("1412.06550", "1412.6550"),
        ("1401.00001v2", "1401.0001v2"),
        ("0808.05394", "0808.5394"),  # any pre-2015 month
        ("0704.00001", "0704.0001"),
    ],
)
def test_a_padded_pre_2015_id_is_repaired_and_the_fix_said(raw: str, repaired: str) -> None:
    parsed = parse_id(raw)
    assert str(parsed.id) == repaired
    assert parsed.error is None
    assert parsed.fix == f"{raw.split('v')[0]} -> {repaired.split('v')[0]}"
    assert not is_valid(raw)
    assert is_valid(repaired)


def test_the_repair_is_reported_where_the_id_is_found() -> None:
    [found] = find_ids("https://arxiv.org/pdf/1404.00736")
    assert found.parsed.raw == "1404.00736"
    assert found.parsed.id == ArxivId("1404.0736")
    assert found.parsed.fix == "1404.00736 -> 1404.0736"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1413.0001", "month"),  # month 13
        ("1400.0001", "month"),  # month 00
        ("1513.01234", "month"),
        ("0703.0001", "month"),  # new style began in 0704
        ("0001.0001", "month"),
        ("0808.12345", "4 digits"),
        ("1404.007361", "4 digits"),
        ("1404.073", "4 digits"),
        ("1501.1234", "5 digits"),  # four digits from 2015 on
        ("1501.012345", "5 digits"),  # padding is only repaired before 2015
        ("foo/0101001", "archive"),  # unknown archive
        ("cs.foo/0101001", "not an arXiv id"),
        ("MATH/0101001", "not an arXiv id"),
        ("cs/01010011", "7 digits"),
        ("cs/0801001", "month"),  # old style ended in 0703
        ("hep-th/9001001", "month"),  # arXiv began in 9108
        ("cs/0113001", "month"),
        ("1503.02531v0", "v1"),
        ("cs/0101001v0", "v1"),
        ("abc", "not an arXiv id"),
        ("", "not an arXiv id"),
    ],
)
def test_ids_that_cannot_exist_give_an_error_and_no_id(raw: str, reason: str) -> None:
    parsed = parse_id(raw)
    assert parsed.id is None
    assert parsed.fix is None
    assert parsed.error is not None
    assert reason in parsed.error
    assert not is_valid(raw)


@pytest.mark.parametrize(
    "text",
    [
        "https://arxiv.org/abs/1413.0001",
        "https://arxiv.org/abs/0808.15394",
        "https://arxiv.org/abs/1501.1234",
        "arXiv:foo/0101001",
        "arXiv:0703.0001",
    ],
)
def test_impossible_ids_are_still_found_so_that_they_can_be_reported(text: str) -> None:
    [found] = find_ids(text)
    assert found.parsed.id is None
    assert found.parsed.error
    assert text.endswith(found.parsed.raw)


def test_every_old_archive_is_accepted() -> None:
    for archive in sorted(OLD_ARCHIVES):
        assert parse_id(f"{archive}/0101001").id == ArxivId(f"{archive}/0101001"), archive


@pytest.mark.parametrize(
    ("entry_id", "expected"),
    [
        ("http://arxiv.org/abs/1404.0736v2", ArxivId("1404.0736", 2)),
        ("https://arxiv.org/abs/1503.02531v1", ArxivId("1503.02531", 1)),
        ("http://arxiv.org/abs/1503.02531", ArxivId("1503.02531")),
        ("http://arxiv.org/abs/quant-ph/0201082v1", ArxivId("quant-ph/0201082", 1)),
        ("http://arxiv.org/abs/astro-ph/0601001v3", ArxivId("astro-ph/0601001", 3)),
    ],
)
def test_short_id_from_entry_url(entry_id: str, expected: ArxivId) -> None:
    assert short_id_from_entry_url(entry_id) == expected


@pytest.mark.parametrize(
    "entry_id",
    [
        "https://arxiv.org/api/errors#incorrect_id_format_for_abc",
        "http://arxiv.org/abs/1413.0001v1",
        "",
    ],
)
def test_short_id_from_an_unreadable_entry_url_raises(entry_id: str) -> None:
    with pytest.raises(ValueError, match="unreadable id"):
        short_id_from_entry_url(entry_id)


# -- a property check over generated ids (hypothesis is not installed: a seeded generator) --

_TEMPLATES = [
    ("https://arxiv.org/abs/{}", "url"),
    ("https://arxiv.org/pdf/{}.pdf", "url"),
    ("http://export.arxiv.org/abs/{}", "url"),
    ("see arXiv:{} for details", "text"),
    ("https://doi.org/10.48550/arXiv.{}", "doi"),
]


def _random_valid_id(rng: random.Random) -> ArxivId:
    version = rng.choice([None, rng.randint(1, 20)])
    if rng.random() < 0.7:
        year = rng.randint(7, 29)
        month = rng.randint(4 if year == 7 else 1, 12)
        digits = 4 if year <= 14 else 5
        number = rng.randint(1, 10**digits - 1)
        return ArxivId(f"{year:02d}{month:02d}.{number:0{digits}d}", version)
    archive = rng.choice(sorted(OLD_ARCHIVES))
    yy = rng.choice([*range(92, 100), *range(0, 7)])
    month = rng.randint(1, 12)
    return ArxivId(f"{archive}/{yy:02d}{month:02d}{rng.randint(1, 999):03d}", version)


def test_every_valid_id_in_every_form_reads_back_as_itself() -> None:
    rng = random.Random(20260412)
    for _ in range(500):
        arxiv_id = _random_valid_id(rng)
        template, form = rng.choice(_TEMPLATES)
        text = template.format(arxiv_id)
        assert is_valid(str(arxiv_id)), arxiv_id
        found = find_ids(text)
        assert [(f.form, f.parsed.id) for f in found] == [(form, arxiv_id)], text
        assert found[0].parsed.fix is None
        assert short_id_from_entry_url(f"http://arxiv.org/abs/{arxiv_id}") == arxiv_id
