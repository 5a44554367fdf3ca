"""pipeline.lists.read: a list's entries, as written, with the arXiv id each names."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from pathlib import Path

import pytest

from pipeline.lists.read import (
    Entry,
    ListError,
    extract_entries,
    read_entries,
    read_list_text,
    split_authors,
)
from tests.conftest import SEED_LIST


@pytest.fixture(scope="module")
def seed_entries() -> list[Entry]:
    _, entries = read_entries(SEED_LIST)
    return entries


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    return SEED_LIST.read_text(encoding="utf-8").splitlines()


def by_line(entries: list[Entry]) -> dict[int, Entry]:
    return {e.line: e for e in entries}


# -- the real list -----------------------------------------------------------------------


def test_the_seed_list_has_71_entries_66_with_an_arxiv_id(seed_entries: list[Entry]) -> None:
    assert len(seed_entries) == 71
    with_id = [e for e in seed_entries if e.arxiv_id]
    assert len(with_id) == 66
    assert all(e.id_source == "link" and e.id_error is None for e in with_id)
    assert len({e.arxiv_id for e in with_id}) == 66


def test_the_four_padded_ids_are_repaired(seed_entries: list[Entry]) -> None:
    fixed = {(e.line, e.raw_id, e.arxiv_id, e.id_fix) for e in seed_entries if e.id_fix}
    assert fixed == {
        (24, "1404.00736", "1404.0736", "1404.00736 -> 1404.0736"),
        (25, "1411.04229", "1411.4229", "1411.04229 -> 1411.4229"),
        (26, "1412.06115", "1412.6115", "1412.06115 -> 1412.6115"),
        (27, "1412.06550", "1412.6550", "1412.06550 -> 1412.6550"),
    }


def test_five_entries_have_a_title_and_no_arxiv_id(seed_entries: list[Entry]) -> None:
    title_only = [e for e in seed_entries if e.arxiv_id is None]
    assert [(e.line, e.title) for e in title_only] == [
        (22, "Dark knowledge"),
        (23, "Speeding up convolutional neural networks with low rank expansions"),
        (42, "Learning Efficient Object Detection Models with Knowledge Distillation"),
        (43, "MobileID: Face Model Compression by Distilling Knowledge from Neurons"),
        (72, "Learning to Prune: Exploring the Frontier of Fast and Accurate Parsing"),
    ]
    for e in title_only:
        assert e.url is not None and "arxiv.org" not in e.url
        assert (e.raw_id, e.id_fix, e.id_error, e.id_source) == (None, None, None, None)
        assert e.authors == ()


def test_the_block_quoted_preamble_links_are_not_entries(
    seed_entries: list[Entry], seed_lines: list[str]
) -> None:
    quoted = [n for n, line in enumerate(seed_lines, 1) if line.startswith(">")]
    assert len(quoted) == 14
    assert not {e.line for e in seed_entries} & set(quoted)
    assert not any("github.com" in (e.url or "") for e in seed_entries)
    assert min(e.line for e in seed_entries) == 22


def test_sections_are_the_year_headings(seed_entries: list[Entry]) -> None:
    assert Counter(e.section for e in seed_entries) == {
        "2014": 6,
        "2015": 10,
        "2016": 28,
        "2017": 25,
        "2018": 2,
    }
    assert by_line(seed_entries)[30].section == "2015"
    # Entries come in the order of the file.
    assert [e.line for e in seed_entries] == sorted(e.line for e in seed_entries)


def test_tags_are_read_from_the_brackets(seed_entries: list[Entry]) -> None:
    assert all(len(e.tags) == 1 for e in seed_entries)
    assert {e.tags[0] for e in seed_entries} == {
        "Distillation",
        "Low Rank Approximation",
        "Quantization",
        "Pruning",
        "Binarization",
        "Structure",
        "Overview",
    }
    assert by_line(seed_entries)[32].tags == ("Pruning",)
    assert by_line(seed_entries)[23].tags == ("Low Rank Approximation",)


def test_authors_are_kept_as_written_typos_included(seed_entries: list[Entry]) -> None:
    lines = by_line(seed_entries)
    assert lines[27].authors == (
        "driana Romero",
        "Nicolas Ballas",
        "Samira Ebrahimi Kahou",
        "Antoine Chassang",
        "Carlo Gatta",
        "Yoshua Bengio",
    )
    assert lines[37].authors[0] == "mjad Almahairi"
    assert lines[76].authors[0] == "ndrew G. Howard"
    assert lines[57].authors == ("François Chollet",)
    assert "Piotr Dollár" in lines[62].authors
    assert lines[85].authors == ("Miguel Á. Carreira-Perpiñán", "Yerlan Idelbayev")
    assert len(lines[51].authors) == 12
    assert not any(e.authors_truncated for e in seed_entries)


def test_titles_are_kept_as_written(seed_entries: list[Entry]) -> None:
    lines = by_line(seed_entries)
    # Two spaces and all: the list is rewritten byte for byte elsewhere.
    assert lines[24].title == (
        "Exploiting Linear Structure Within Convolutional Networks for Efficient  Evaluation"
    )
    assert lines[45].title == (
        "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB  model size"
    )
    assert lines[27].url == "https://arxiv.org/pdf/1412.06550"


def test_line_numbers_match_the_file(seed_entries: list[Entry], seed_lines: list[str]) -> None:
    for e in seed_entries:
        line = seed_lines[e.line - 1]
        assert line.startswith("- "), e
        assert f"({e.url})" in line, e
        if e.raw_id:
            assert e.raw_id in line


def test_entries_name_the_list_file_as_given(seed_list: Path) -> None:
    text, entries = read_entries(seed_list)
    assert text == seed_list.read_text(encoding="utf-8")
    assert {e.list_file for e in entries} == {str(seed_list)}


# -- small lists ---------------------------------------------------------------------------


def test_nested_items_are_entries_too() -> None:
    text = (
        "## Sec\n"
        "- [Parent](https://arxiv.org/abs/1503.02531)\n"
        "  - [Child](https://arxiv.org/abs/1404.0736)\n"
        "    - [Grandchild](https://arxiv.org/abs/1510.00149)\n"
        "- [Sibling](https://arxiv.org/abs/1506.02626)\n"
    )
    entries = extract_entries(text, "n.md")
    assert [(e.line, e.title, e.arxiv_id) for e in entries] == [
        (2, "Parent", "1503.02531"),
        (3, "Child", "1404.0736"),
        (4, "Grandchild", "1510.00149"),
        (5, "Sibling", "1506.02626"),
    ]
    assert {e.section for e in entries} == {"Sec"}


def test_every_list_marker_makes_entries() -> None:
    text = (
        "* [Star](https://arxiv.org/abs/1503.02531)\n"
        "\n"
        "+ [Plus](https://arxiv.org/abs/1404.0736)\n"
        "\n"
        "1. [One](https://arxiv.org/abs/1510.00149)\n"
        "2. [Two](https://arxiv.org/abs/1506.02626)\n"
        "\n"
        "1) [Paren](https://arxiv.org/abs/1602.07360)\n"
    )
    entries = extract_entries(text, "m.md")
    assert [(e.line, e.title, e.arxiv_id) for e in entries] == [
        (1, "Star", "1503.02531"),
        (3, "Plus", "1404.0736"),
        (5, "One", "1510.00149"),
        (6, "Two", "1506.02626"),
        (8, "Paren", "1602.07360"),
    ]


def test_an_id_only_in_the_text_is_found() -> None:
    [entry] = extract_entries("- Distilling the knowledge, arXiv:1503.02531\n", "t.md")
    assert entry.url is None
    assert entry.title == "Distilling the knowledge"  # the plain text before the id
    assert (entry.raw_id, entry.arxiv_id, entry.id_source) == ("1503.02531", "1503.02531", "text")
    assert entry.authors == ()


def test_an_id_in_the_text_beside_a_non_arxiv_link_is_found() -> None:
    [entry] = extract_entries("- [Blog post](https://example.com/post) arXiv:1503.02531\n", "t.md")
    assert entry.url == "https://example.com/post"
    assert entry.title == "Blog post"
    assert (entry.arxiv_id, entry.id_source) == ("1503.02531", "text")


def test_the_link_wins_over_the_text() -> None:
    [entry] = extract_entries(
        "- [T](https://arxiv.org/pdf/1404.00736) .[J] arXiv preprint arXiv:1503.02531\n", "t.md"
    )
    assert (entry.raw_id, entry.arxiv_id, entry.id_source) == ("1404.00736", "1404.0736", "link")
    assert entry.id_fix == "1404.00736 -> 1404.0736"


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/1503.02531",
        "https://arxiv.org/pdf/1503.02531v2.pdf",
        "https://export.arxiv.org/abs/1503.02531",
        "https://doi.org/10.48550/arXiv.1503.02531",
        "https://arxiv.org/html/1503.02531",
    ],
)
def test_every_link_form_gives_the_unversioned_id(url: str) -> None:
    [entry] = extract_entries(f"- [T]({url})\n", "t.md")
    assert entry.arxiv_id == "1503.02531"
    assert entry.id_source == "link"


def test_a_link_with_no_arxiv_id_is_an_entry_without_id() -> None:
    [entry] = extract_entries("- Alice Smith. [A paper](https://example.com/paper.pdf)\n", "t.md")
    assert entry.url == "https://example.com/paper.pdf"
    assert entry.title == "A paper"
    assert entry.authors == ("Alice Smith",)
    assert (entry.raw_id, entry.arxiv_id, entry.id_error, entry.id_source) == (
        None,
        None,
        None,
        None,
    )


def test_an_impossible_id_is_kept_with_its_error() -> None:
    [entry] = extract_entries("- [T](https://arxiv.org/abs/0808.15394)\n", "t.md")
    assert entry.raw_id == "0808.15394"
    assert entry.arxiv_id is None
    assert entry.id_fix is None
    assert entry.id_error == "ids of 0808 have 4 digits after the dot"
    assert entry.id_source == "link"


def test_items_without_link_or_id_and_text_outside_lists_are_not_entries() -> None:
    text = (
        "# Title\n"
        "A paragraph [with a link](https://arxiv.org/abs/1503.02531).\n"
        "\n"
        "> - [quoted](https://arxiv.org/abs/1404.0736)\n"
        "\n"
        "- just words, no link\n"
        "- [kept](https://arxiv.org/abs/1510.00149)\n"
    )
    assert [(e.line, e.title) for e in extract_entries(text, "t.md")] == [(7, "kept")]


def test_the_section_is_the_nearest_heading_above() -> None:
    text = (
        "- [Before](https://arxiv.org/abs/1503.02531)\n"
        "\n"
        "Setext heading\n"
        "==============\n"
        "- [A](https://arxiv.org/abs/1404.0736)\n"
        "### 2016 *papers*\n"
        "- [B](https://arxiv.org/abs/1510.00149)\n"
    )
    entries = extract_entries(text, "t.md")
    assert [(e.title, e.section) for e in entries] == [
        ("Before", None),
        ("A", "Setext heading"),
        ("B", "2016 *papers*"),
    ]


def test_several_tags_and_a_formatted_title() -> None:
    [entry] = extract_entries(
        "- 【Pruning】【 Quantization 】Song Han. [**Deep** `Compression`](https://arxiv.org/abs/1510.00149)\n",
        "t.md",
    )
    assert entry.tags == ("Pruning", "Quantization")
    assert entry.authors == ("Song Han",)
    assert entry.title == "Deep Compression"


def test_inverted_last_first_authors_are_turned_around() -> None:
    [entry] = extract_entries(
        "- Hinton, Geoffrey, Vinyals, Oriol, Dean, Jeff. [D](https://arxiv.org/abs/1503.02531)\n",
        "t.md",
    )
    assert entry.authors == ("Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean")
    assert not entry.authors_truncated


@pytest.mark.parametrize(
    ("before", "authors", "truncated"),
    [
        ("Song Han et al.", ("Song Han",), True),
        ("Song Han, Huizi Mao, et al. ", ("Song Han", "Huizi Mao"), True),
        ("Song Han et. al.:", ("Song Han",), True),
        (
            "Song Han, Huizi Mao and William J. Dally .",
            ("Song Han", "Huizi Mao", "William J. Dally"),
            False,
        ),
        ("Alice Smith & Bob Jones;", ("Alice Smith", "Bob Jones"), False),
        ("Hinton, Geoffrey", ("Geoffrey Hinton",), False),
        ("", (), False),
        ("et al.", (), True),
    ],
)
def test_split_authors(before: str, authors: tuple[str, ...], truncated: bool) -> None:
    assert split_authors(before) == (authors, truncated)


def test_et_al_is_flagged_on_the_entry() -> None:
    [entry] = extract_entries(
        "- Song Han, Huizi Mao, et al. [Deep Compression](https://arxiv.org/abs/1510.00149)\n",
        "t.md",
    )
    assert entry.authors == ("Song Han", "Huizi Mao")
    assert entry.authors_truncated


def test_crlf_line_endings_give_the_same_entries_as_lf() -> None:
    text = (
        "# L\n"
        "\n"
        "### 2015\n"
        "- 【Pruning】Song Han, Jeff Pool .[Learning both](https://arxiv.org/pdf/1506.02626) "
        ".[J] arXiv preprint arXiv:1506.02626\n"
        "- Hinton, Geoffrey, Vinyals, Oriol. [Distilling](https://arxiv.org/abs/1503.02531)\n"
        "- A title only, arXiv:1404.00736\n"
    )
    lf = extract_entries(text, "l.md")
    crlf = extract_entries(text.replace("\n", "\r\n"), "l.md")
    assert len(lf) == 3
    assert crlf == lf
    assert [e.line for e in crlf] == [4, 5, 6]
    for e in crlf:
        assert not any("\r" in str(getattr(e, f.name)) for f in fields(e))


# -- reading the file ---------------------------------------------------------------------


def _one_line_error_naming(path: Path) -> ListError:
    with pytest.raises(ListError) as caught:
        read_list_text(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    return caught.value


def test_a_missing_file_is_a_list_error(tmp_path: Path) -> None:
    err = _one_line_error_naming(tmp_path / "missing.md")
    assert "no such file" in str(err)


def test_a_directory_is_a_list_error(tmp_path: Path) -> None:
    err = _one_line_error_naming(tmp_path)
    assert "directory" in str(err)


def test_a_binary_file_is_a_list_error(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"# L\n- [A](https://arxiv.org/abs/1503.02531)\n\x00\x01\x02")
    err = _one_line_error_naming(path)
    assert "binary" in str(err)


def test_a_non_utf8_file_is_a_list_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes(
        "# L\n- Carreira-Perpiñán. [A](https://arxiv.org/abs/1707.01209)\n".encode("latin-1")
    )
    err = _one_line_error_naming(path)
    assert "not UTF-8" in str(err)
    assert "0xf1" in str(err)


def test_a_utf8_file_with_a_byte_order_mark_reads_without_it(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff# L\n- [A](https://arxiv.org/abs/1503.02531)\n".encode())
    text = read_list_text(path)
    assert text.startswith("# L")
    _, entries = read_entries(path)
    assert [e.arxiv_id for e in entries] == ["1503.02531"]
