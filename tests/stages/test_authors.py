"""Author names and titles of a list checked against arXiv's: alignment and classification."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import pytest

from pipeline.lists.read import Entry, read_entries
from pipeline.records import NameCheck, Paper
from pipeline.stages.authors import (
    TITLE_MATCH_MIN,
    best_title_match,
    check_entries,
    check_entry,
    classify_names,
    title_similarity,
)
from pipeline.store.dataset import to_table
from pipeline.store.schema import AUTHOR_FIXES, AUTHOR_KINDS
from standin.server import RECORDS
from tests.conftest import SEED_LIST
from tests.papers import make_paper as build_paper

SEED_RECORDS = RECORDS


def make_paper(
    arxiv_id: str = "1412.6550", title: str = "A Title", authors: tuple[str, ...] = ()
) -> Paper:
    """A Paper with the fields the checks read; the rest are placeholders."""
    return build_paper(arxiv_id, title, authors)


def seed_papers() -> dict[str, Paper]:
    """arXiv's facts about the first list's papers (standin/papers.jsonl), by id."""
    papers = {}
    for line in SEED_RECORDS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        papers[record["id"]] = make_paper(record["id"], record["title"], tuple(record["authors"]))
    return papers


def make_entry(
    authors: tuple[str, ...] = (), title: str | None = "A Title", truncated: bool = False
) -> Entry:
    return Entry(
        list_file="list.md",
        line=7,
        section=None,
        tags=(),
        title=title,
        authors=authors,
        authors_truncated=truncated,
        url="https://arxiv.org/pdf/1412.6550",
        raw_id="1412.6550",
        arxiv_id="1412.6550",
        id_fix=None,
        id_error=None,
        id_source="link",
    )


Row = tuple[int | None, str | None, str | None, str]


def author_rows(
    listed: tuple[str, ...], on_arxiv: tuple[str, ...], truncated: bool = False
) -> list[Row]:
    """(position, listed, on_arxiv, kind) of every row an entry's authors give."""
    return [
        (c.position, c.listed, c.on_arxiv, c.kind)
        for c in check_entry(make_entry(listed, truncated=truncated), make_paper(authors=on_arxiv))
    ]


# -- one name against another -------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "on_arxiv", "kind"),
    [
        ("Piotr Dollar", "Piotr Dollár", "case_spacing_diacritics"),
        ("piotr dollár", "Piotr Dollár", "case_spacing_diacritics"),
        ("Dirk Wubben", "Dirk Wübben", "case_spacing_diacritics"),
        ("Miguel A. Carreira Perpinan", "Miguel Á. Carreira-Perpiñán", "case_spacing_diacritics"),
        ("Hans Peter Graf", "Hans-Peter Graf", "case_spacing_diacritics"),
        ("Joost Van Der Putten", "Joost van der Putten", "case_spacing_diacritics"),
        ("Joost Vanderputten", "Joost van der Putten", "case_spacing_diacritics"),
        ("Joost Putten", "Joost van der Putten", "case_spacing_diacritics"),
        ("Zhang Xiangyu", "Xiangyu Zhang", "case_spacing_diacritics"),
        ("Forrest Iandola", "Forrest N. Iandola", "initials"),
        ("Y. LeCun", "Yann LeCun", "initials"),
        ("J. van der Putten", "Joost van der Putten", "initials"),
        ("Peter de With", "Peter H. N. de With", "initials"),
        ("Zhang X.", "Xiangyu Zhang", "initials"),
        ("driana Romero", "Adriana Romero", "misspelling"),
        ("mjad Almahairi", "Amjad Almahairi", "misspelling"),
        ("ndrew G. Howard", "Andrew G. Howard", "misspelling"),
        ("ohn Smith", "John Smith", "misspelling"),
        ("Kaimnig He", "Kaiming He", "misspelling"),
        ("Yoshua Bengoi", "Yoshua Bengio", "misspelling"),
        ("Piotr Dolar", "Piotr Dollár", "misspelling"),
        ("Jeff Deen", "Jeff Dean", "different_name"),
        ("Emily Denton", "Remi Denton", "different_name"),
        ("Jian Sun", "Jun Sun", "different_name"),
        ("Jain Sun", "Jian Sun", "different_name"),
        ("Ian Li", "Xian Li", "different_name"),
        ("Xiangyu Zhao", "Xiangyu Zhang", "different_name"),
    ],
)
def test_classify_names(listed: str, on_arxiv: str, kind: str) -> None:
    assert classify_names(listed, on_arxiv) == kind


def test_identical_names_are_no_difference() -> None:
    assert classify_names("Piotr Dollár", "Piotr Dollár") is None


def test_a_one_letter_change_in_a_short_name_is_left_to_review() -> None:
    # "Jeff Deen": one letter in a four-letter surname may be another person; "Bengoi" in a
    # six-letter one is a slip. Both have similarity over 85, so length decides, not score.
    assert classify_names("Jeff Deen", "Jeff Dean") == "different_name"
    assert classify_names("Yoshua Bengoi", "Yoshua Bengio") == "misspelling"


# -- an entry's authors against arXiv's --------------------------------------------------------


def test_exact_authors_give_no_rows() -> None:
    assert author_rows(("Geoffrey Hinton", "Jeff Dean"), ("Geoffrey Hinton", "Jeff Dean")) == []


def test_only_a_misspelling_is_marked_fix() -> None:
    checks = check_entry(
        make_entry(("driana Romero", "Emily Denton", "Y. Bengio", "Piotr Dollar")),
        make_paper(authors=("Adriana Romero", "Remi Denton", "Yoshua Bengio", "Piotr Dollár")),
    )
    actions = {c.kind: c.action for c in checks}
    assert actions == {
        "misspelling": "fix",
        "different_name": "review",
        "initials": "review",
        "case_spacing_diacritics": "review",
    }
    misspelling = next(c for c in checks if c.kind == "misspelling")
    assert (misspelling.position, misspelling.listed, misspelling.on_arxiv) == (
        1,
        "driana Romero",
        "Adriana Romero",
    )
    assert 90 < misspelling.similarity < 100


def test_swapped_authors_are_aligned_by_name_not_position() -> None:
    assert (
        author_rows(("Oriol Vinyals", "Geoffrey Hinton"), ("Geoffrey Hinton", "Oriol Vinyals"))
        == []
    )


def test_a_missing_author_does_not_shift_the_others() -> None:
    rows = author_rows(
        ("Geoffrey Hinton", "Jeff Deann"), ("Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean")
    )
    assert rows == [
        (2, None, "Oriol Vinyals", "missing_from_list"),
        (3, "Jeff Deann", "Jeff Dean", "misspelling"),
    ]


def test_an_author_arxiv_lacks_is_added_in_list_at_its_list_position() -> None:
    rows = author_rows(
        ("Geoffrey Hinton", "Ian Goodfellow", "Jeff Dean"), ("Geoffrey Hinton", "Jeff Dean")
    )
    assert rows == [(2, "Ian Goodfellow", None, "added_in_list")]


def test_a_different_name_in_an_authors_slot_is_paired_with_it() -> None:
    rows = author_rows(("Emily Denton", "Wojciech Zaremba"), ("Remi Denton", "Wojciech Zaremba"))
    assert rows == [(1, "Emily Denton", "Remi Denton", "different_name")]


def test_et_al_hides_only_the_authors_after_the_last_one_named() -> None:
    on_arxiv = ("Song Han", "Jeff Pool", "John Tran", "William J. Dally")
    assert author_rows(("Song Han", "Jeff Pool"), on_arxiv, truncated=True) == []
    assert author_rows(("Song Han", "John Tran"), on_arxiv, truncated=True) == [
        (2, None, "Jeff Pool", "missing_from_list")
    ]
    assert author_rows(("Song Han", "Jeff Pool"), on_arxiv) == [
        (3, None, "John Tran", "missing_from_list"),
        (4, None, "William J. Dally", "missing_from_list"),
    ]


def test_a_long_author_list_with_one_slip_gives_one_row() -> None:
    on_arxiv = tuple(
        f"Alexandra {a}{b}{c}".title() for a in "bdfgk" for b in "aeiou" for c in "lmnprst"
    )
    listed = list(on_arxiv)
    listed[100] = listed[100].replace("Alexandra", "Alexnadra")
    assert author_rows(tuple(listed), on_arxiv) == [
        (101, listed[100], on_arxiv[100], "misspelling")
    ]


def test_an_entry_without_authors_gives_no_author_rows() -> None:
    checks = check_entry(make_entry(()), make_paper(authors=("Max Jaderberg", "Andrea Vedaldi")))
    assert checks == []


# -- titles ------------------------------------------------------------------------------------


def test_a_title_differing_in_spaces_and_case_gives_no_row() -> None:
    entry = make_entry(
        title="Exploiting Linear Structure Within Convolutional Networks for Efficient  Evaluation"
    )
    paper = make_paper(
        title="Exploiting linear structure within convolutional networks for efficient evaluation"
    )
    assert check_entry(entry, paper) == []


def test_a_retitled_paper_gives_a_title_row_for_review() -> None:
    listed = "Learning Loss for Knowledge Distillation with Conditional Adversarial  Networks"
    on_arxiv = (
        "Training Shallow and Thin Networks for Acceleration via Knowledge Distillation "
        "with Conditional Adversarial Networks"
    )
    [row] = check_entry(make_entry(title=listed), make_paper("1709.00513", on_arxiv))
    assert (row.kind, row.position, row.listed, row.on_arxiv, row.action) == (
        "title_differs",
        None,
        listed,
        on_arxiv,
        "review",
    )
    assert row.similarity < 90


@pytest.mark.parametrize(
    "link_text", ["pdf", "[PDF]", "arXiv:1503.02531", "arxiv.org/abs/1503.02531"]
)
def test_link_text_that_names_the_link_gives_no_title_row(link_text: str) -> None:
    paper = make_paper(title="Distilling the Knowledge in a Neural Network")
    assert check_entry(make_entry(title=link_text), paper) == []


@pytest.mark.parametrize(
    ("listed", "on_arxiv"),
    [
        ("SqueezeNet: 50x fewer parameters", "SqueezeNet: 50$\\times$ fewer parameters"),
        ("Deep Networks with {S}tochastic Depth", "Deep Networks with Stochastic Depth"),
        ("Sparse \\emph{Winograd} CNNs", "Sparse Winograd CNNs"),
        ("Fine-Pruning: Joint Fine-Tuning", "Fine Pruning -- Joint Fine Tuning"),
        ("Réseaux de neurones", "Reseaux de Neurones"),
        ("Re\\'seaux de neurones", "Réseaux de neurones"),
        ("Trained  Ternary\n  Quantization", "Trained Ternary Quantization"),
    ],
)
def test_title_similarity_ignores_formatting(listed: str, on_arxiv: str) -> None:
    assert title_similarity(listed, on_arxiv) == 100.0


def test_title_similarity_sees_different_words() -> None:
    score = title_similarity("Trained Ternary Quantization", "Trained Binary Quantization")
    assert score < TITLE_MATCH_MIN


SPEEDING_UP = make_paper(
    "1405.3866",
    "Speeding up Convolutional Neural Networks with Low Rank Expansions",
    ("Max Jaderberg", "Andrea Vedaldi", "Andrew Zisserman"),
)
PART_I = make_paper(
    "1707.01209",
    "Model compression as constrained optimization, with application to neural nets. Part I",
    ("Miguel Á. Carreira-Perpiñán",),
)


def test_best_title_match_accepts_the_same_title_written_differently() -> None:
    title = "Speeding up convolutional neural networks with low-rank expansions"
    assert best_title_match(title, (), [PART_I, SPEEDING_UP]) == (SPEEDING_UP, 100.0)


def test_best_title_match_needs_a_common_surname_when_the_entry_names_authors() -> None:
    title = SPEEDING_UP.title
    assert best_title_match(title, ("M. Jaderberg",), [SPEEDING_UP]) == (SPEEDING_UP, 100.0)
    assert best_title_match(title, ("Zisserman Andrew",), [SPEEDING_UP]) is not None
    assert best_title_match(title, ("Yann LeCun", "Rob Fergus"), [SPEEDING_UP]) is None


def test_best_title_match_rejects_a_similar_but_different_title() -> None:
    part_ii = PART_I.title + "I"
    assert title_similarity(part_ii, PART_I.title) > 95
    assert best_title_match(part_ii, (), [PART_I]) is None
    assert best_title_match("Speeding up Recurrent Networks", (), [SPEEDING_UP]) is None
    assert best_title_match("Dark knowledge", (), list(seed_papers().values())) is None


def test_best_title_match_takes_the_closest_candidate() -> None:
    typo = make_paper(
        "1405.0000", "Speeding up Convolutional Neural Network with Low Rank Expansions"
    )
    title = "Speeding up Convolutional Neural Networks with Low Rank Expansions"
    match = best_title_match(title, (), [typo, SPEEDING_UP])
    assert match is not None and match[0] is SPEEDING_UP


# -- the first list -----------------------------------------------------------------------------


def seed_checks() -> list[NameCheck]:
    _, entries = read_entries(SEED_LIST)
    papers = seed_papers()
    return check_entries((e, papers[e.arxiv_id]) for e in entries if e.arxiv_id)


def test_first_list_fixes_exactly_the_three_misspellings() -> None:
    checks = seed_checks()
    fixes = {(c.line, c.listed, c.on_arxiv) for c in checks if c.action == "fix"}
    assert fixes == {
        (27, "driana Romero", "Adriana Romero"),
        (37, "mjad Almahairi", "Amjad Almahairi"),
        (76, "ndrew G. Howard", "Andrew G. Howard"),
    }
    assert all(c.kind == "misspelling" for c in checks if c.action == "fix")


def test_first_list_leaves_the_renamed_author_and_the_retitled_paper_to_review() -> None:
    review = {(c.line, c.kind, c.listed) for c in seed_checks() if c.action == "review"}
    assert review == {
        (24, "different_name", "Emily Denton"),
        (
            89,
            "title_differs",
            "Learning Loss for Knowledge Distillation with Conditional Adversarial  Networks",
        ),
    }


def test_first_list_title_only_entry_is_found_by_title() -> None:
    _, entries = read_entries(SEED_LIST)
    [speeding_up] = [e for e in entries if e.line == 23]
    assert speeding_up.arxiv_id is None and speeding_up.title is not None
    match = best_title_match(speeding_up.title, speeding_up.authors, list(seed_papers().values()))
    assert match is not None and match[0].arxiv_id == "1405.3866"


def test_name_checks_fit_the_author_fixes_schema() -> None:
    assert [f.name for f in fields(NameCheck)] == [c.name for c in AUTHOR_FIXES.columns]
    checks = seed_checks()
    assert {c.kind for c in checks} <= set(AUTHOR_KINDS)
    table = to_table(AUTHOR_FIXES, (asdict(c) for c in checks))
    assert table.num_rows == len(checks)
