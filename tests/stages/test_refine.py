"""pipeline.stages.refine: arXiv's title and names, found in the entry's own words."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.lists.read import Entry, extract_entries
from pipeline.records import Paper
from pipeline.stages.refine import refine
from tests.papers import make_paper

WHEN = datetime(2024, 1, 1, tzinfo=UTC)


def paper(arxiv_id: str, title: str, *authors: str) -> Paper:
    return make_paper(arxiv_id, title, authors, when=WHEN, primary_category="cs.CV")


LEARNING_BOTH = paper(
    "1506.02626",
    "Learning both Weights and Connections for Efficient Neural Networks",
    "Song Han",
    "Jeff Pool",
    "John Tran",
    "William J. Dally",
)


def one(markdown: str) -> Entry:
    [entry] = extract_entries(markdown, "t.md")
    return entry


def test_names_glued_to_the_title_are_told_apart_by_arxiv() -> None:
    # Names and title in one run of plain text: the shape alone cannot split them.
    entry = one(
        "- Song Han; Jeff Pool; John Tran; William J. Dally: Learning both Weights and "
        "Connections for Efficient Neural Networks [[pdf]](https://arxiv.org/abs/1506.02626)\n"
    )
    assert entry.authors == ()
    refined = refine(entry, {"1506.02626": LEARNING_BOTH})
    assert refined.title == LEARNING_BOTH.title
    assert refined.authors == ("Song Han", "Jeff Pool", "John Tran", "William J. Dally")
    assert not refined.authors_truncated
    assert entry.authors == ()  # the input is untouched


def test_the_title_and_names_are_kept_as_the_list_writes_them() -> None:
    entry = one(
        "- Learning Both Weights & Connections for Efficient Neural Nets, by S. Han and "
        "J. Pool et al. [[paper]](https://arxiv.org/abs/1506.02626)\n"
    )
    refined = refine(entry, {"1506.02626": LEARNING_BOTH})
    assert refined.authors == ("S. Han", "J. Pool")
    assert refined.authors_truncated


def test_a_wrong_link_keeps_the_text_as_written() -> None:
    # The entry names Xception but links ResNeXt's id: arXiv's record is not in its text.
    entry = one(
        "- __[2017-CVPR] Xception: Deep Learning with Depthwise Separable Convolutions__ "
        "[`paper`](https://arxiv.org/pdf/1611.05431.pdf)\n"
    )
    resnext = paper(
        "1611.05431",
        "Aggregated Residual Transformations for Deep Neural Networks",
        "Saining Xie",
        "Ross Girshick",
    )
    assert refine(entry, {"1611.05431": resnext}) == entry


def test_an_entry_without_a_known_paper_is_unchanged() -> None:
    entry = one("- Song Han. [Some Paper](https://arxiv.org/abs/1506.02626)\n")
    assert refine(entry, {}) == entry
    no_id = one("- Song Han. [Some Paper](https://example.org/p.pdf)\n")
    assert refine(no_id, {"1506.02626": LEARNING_BOTH}) == no_id


def test_runs_of_spaces_in_a_title_are_kept_for_the_fix() -> None:
    entry = one(
        "- Song Han, Jeff Pool .[Learning both Weights and Connections for  Efficient Neural "
        "Networks](https://arxiv.org/pdf/1506.02626)\n"
    )
    refined = refine(entry, {"1506.02626": LEARNING_BOTH})
    assert refined.title == entry.title
    assert refined.authors == ("Song Han", "Jeff Pool")


RISTRETTO_TEXT = (
    "- [Ristretto: Hardware-Oriented Approximation of Convolutional Neural Networks]"
    "(https://arxiv.org/pdf/1604.03168.pdf) arXiv preprint arXiv:1605.06402\n"
)


def test_ids_that_disagree_resolve_to_the_id_whose_title_the_entry_names() -> None:
    entry = one(RISTRETTO_TEXT)
    assert (entry.arxiv_id, entry.other_ids) == ("1604.03168", ("1605.06402",))
    assert "ids_disagree" in entry.defects
    papers = {
        "1604.03168": paper("1604.03168", "Hardware-oriented Approximation of CNNs", "P. G."),
        "1605.06402": paper(
            "1605.06402",
            "Ristretto: Hardware-Oriented Approximation of Convolutional Neural Networks",
            "Philipp Gysel",
        ),
    }
    refined = refine(entry, papers)
    assert refined.arxiv_id == "1605.06402"
    assert refined.other_ids == ("1604.03168",)
    assert "ids_disagree" in refined.defects  # still reported to the maintainer


def test_ids_that_disagree_keep_the_link_when_its_title_matches() -> None:
    entry = one(RISTRETTO_TEXT)
    papers = {
        "1604.03168": paper(
            "1604.03168",
            "Ristretto: Hardware-Oriented Approximation of Convolutional Neural Networks",
            "Philipp Gysel",
        ),
        "1605.06402": paper("1605.06402", "Something Else Entirely", "A. B."),
    }
    refined = refine(entry, papers)
    assert (refined.arxiv_id, refined.other_ids) == ("1604.03168", ("1605.06402",))


def test_an_arxiv_name_without_letters_names_nobody() -> None:
    entry = one(
        "- S. Han; J. Pool; J. Tran; W. J. Dally: Learning both Weights and "
        "Connections for Efficient Neural Networks [[pdf]](https://arxiv.org/abs/1506.02626)\n"
    )
    assert entry.authors == ()  # the reader cannot tell them apart: arXiv's names must
    odd = paper("1506.02626", LEARNING_BOTH.title, "-", *LEARNING_BOTH.authors, "...")
    refined = refine(entry, {"1506.02626": odd})
    assert refined.authors == ("S. Han", "J. Pool", "J. Tran", "W. J. Dally")


def test_names_glued_to_a_title_read_right_are_told_from_it() -> None:
    # Names the reader cannot take for names (digits), glued to a tag and to the title.
    entry = one(
        "- 【Pruning】Author 7 One, Author 7 Two, Common Author .[Synthetic paper number 7 on "
        "compressing neural networks](https://arxiv.org/abs/2001.10007) .[J] arXiv preprint\n"
    )
    assert entry.authors == ()
    on_arxiv = paper(
        "2001.10007",
        "Synthetic paper number 7 on compressing neural networks",
        "Author 7 One",
        "Author 7 Two",
        "Common Author",
    )
    refined = refine(entry, {"2001.10007": on_arxiv})
    assert refined.title == entry.title
    assert refined.authors == ("Author 7 One", "Author 7 Two", "Common Author")
