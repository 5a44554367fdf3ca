"""pipeline.stages.findings: entry rows, papers and name checks in, findings out.

Pure: every row here is read from Markdown of the test's own and joined with papers
written out field by field, as ``run`` would.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.lists.read import extract_entries
from pipeline.records import EntryRow, FetchReport, NameCheck, Paper, TitleMatches, Unanswered
from pipeline.stages.findings import Finding, counts, find_all
from pipeline.stages.join import build_dataset
from tests.papers import make_paper

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def paper(arxiv_id: str, title: str, version: int = 1, **fields: object) -> Paper:
    given: dict[str, object] = {"authors": ("Ada Lovelace",), "abstract": "An abstract.", **fields}
    return make_paper(arxiv_id, title, version=version, when=NOW, **given)  # type: ignore[arg-type]


def rows_of(markdown: str, papers: list[Paper]) -> list[EntryRow]:
    entries = extract_entries(markdown, "list.md")
    report = FetchReport(papers={p.arxiv_id: p for p in papers})
    return build_dataset(entries, report, {}).entries


def codes(found: list[Finding]) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in found]


def test_an_entry_with_several_defects_gets_one_finding_each_errors_first() -> None:
    text = "# L\n\n- [Gradient Flow](https://arxiv.org/abs/1501.00001v1)\n"
    known = paper("1501.00001", "Gradient Flow", 2, journal_ref="JMLR 2016")
    rows = rows_of(text, [known])
    check = NameCheck(
        "list.md", 3, "1501.00001", 1, "Ada Lovelac", "Ada Lovelace", "misspelling", 95.0, "fix"
    )
    found = find_all(rows, {known.arxiv_id: known}, [check])
    assert codes(found) == [(3, "author_misspelling"), (3, "newer_version"), (3, "published")]
    assert [f.severity for f in found] == ["error", "info", "info"]
    assert counts(found) == {"error": 1, "warning": 0, "info": 2}
    assert all(f.arxiv_id == "1501.00001" for f in found)


def test_a_pinned_version_that_is_the_latest_is_not_a_newer_version() -> None:
    text = "# L\n\n- [Gradient Flow](https://arxiv.org/pdf/1501.00001v2)\n"
    known = paper("1501.00001", "Gradient Flow", 2)
    assert find_all(rows_of(text, [known]), {known.arxiv_id: known}, []) == []


def test_a_comment_that_withdraws_the_paper_is_a_warning_other_comments_are_not() -> None:
    text = (
        "# L\n\n- [One](https://arxiv.org/abs/1501.00001)\n"
        "- [Two](https://arxiv.org/abs/1501.00002)\n"
    )
    withdrawn = paper("1501.00001", "One", 3, comment="Withdrawn: the proof of Lemma 4 is wrong")
    kept = paper("1501.00002", "Two", comment="12 pages; a withdrawal of the claim in v1 is in v2")
    found = find_all(
        rows_of(text, [withdrawn, kept]), {p.arxiv_id: p for p in (withdrawn, kept)}, []
    )
    assert codes(found) == [(3, "withdrawn")]
    assert "v3" in found[0].message and "Lemma 4" in found[0].message
    assert found[0].suggestion == "https://arxiv.org/abs/1501.00001"


def test_a_duplicate_names_the_line_of_the_first_citation_by_id_or_by_title() -> None:
    text = (
        "# L\n\n- [Alpha](https://arxiv.org/abs/1501.00001)\n"
        "- [Beta Networks](http://example.org/beta.pdf)\n"
        "- [Alpha, again](https://arxiv.org/pdf/1501.00001)\n"
        "- [Beta networks](http://example.org/beta-again.pdf)\n"
    )
    alpha = paper("1501.00001", "Alpha")
    found = [
        f
        for f in find_all(rows_of(text, [alpha]), {"1501.00001": alpha}, [])
        if f.code == "duplicate"
    ]
    assert [(f.line, f.message) for f in found] == [
        (5, "the paper is cited again (first at line 3)"),
        (6, "the paper is cited again (first at line 4)"),
    ]


def test_code_links_and_resources_are_not_findings() -> None:
    text = (
        "# L\n\n- [torch-pruning](https://github.com/VainF/Torch-Pruning)\n"
        "- [A blog post on distillation](https://example.org/blog/distillation)\n"
    )
    rows = rows_of(text, [])
    assert {r.status for r in rows} == {"not_a_paper"}
    assert find_all(rows, {}, []) == []


def test_findings_follow_the_rows_order_across_lists() -> None:
    first = extract_entries("# A\n\n- [Gone](https://arxiv.org/abs/2401.99999)\n", "a.md")
    second = extract_entries("# B\n\n- [Bad](https://arxiv.org/abs/1713.01234)\n", "b.md")
    report = FetchReport(not_found={"2401.99999"})

    rows = build_dataset(
        [*second, *first], report, {}, unanswered={"2401.99999": Unanswered("not_found", NOW)}
    ).entries
    found = find_all(rows, {}, [])
    assert [(f.list_file, f.code) for f in found] == [("b.md", "invalid_id"), ("a.md", "not_found")]
    assert "no arXiv month 17/13" in found[0].message


def test_an_empty_link_of_a_paper_found_by_its_title_suggests_the_arxiv_link() -> None:
    text = "# L\n\n- [Loss-aware Binarization of Deep Networks]() - ICLR 2017\n"
    entries = extract_entries(text, "list.md")
    found_paper = paper("1611.01600", "Loss-aware Binarization of Deep Networks")
    titles = TitleMatches(
        checked_at={("list.md", 3): NOW},
        resolved={("list.md", 3): ("1611.01600", 100.0)},
        papers={"1611.01600": found_paper},
    )
    rows = build_dataset(entries, FetchReport(), {}, titles).entries
    (finding,) = find_all(rows, {"1611.01600": found_paper}, [])
    assert (finding.code, finding.suggestion) == ("empty_link", "https://arxiv.org/abs/1611.01600")
