"""pipeline.stages.join: entries joined with papers, what to fetch, changes and removals.

Pure functions: every input here is built in the test, from Markdown of its own and papers
written out field by field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.lists.read import extract_entries
from pipeline.records import FetchReport, Paper, TitleMatches, Unanswered
from pipeline.stages.join import (
    build_dataset,
    describe_changes,
    detect_changes,
    entry_key,
    removed_papers,
)
from pipeline.stages.plan import cited_ids, ids_to_fetch
from tests.papers import make_paper

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

LIST = """# Efficient networks

## Pruning

- 【Pruning】[Optimal Brain Damage](https://arxiv.org/abs/1506.02626)
- 【Pruning】【Sparsity】[Deep Compression](https://arxiv.org/abs/1510.00149)
- [A title arXiv lacks](http://example.org/paper.pdf)

## Distillation

- 【Distillation】[Distilling the Knowledge](https://arxiv.org/abs/1503.02531)
- 【Sparsity】[Deep Compression, again](https://arxiv.org/pdf/1510.00149v2)
- [An id that cannot exist](https://arxiv.org/abs/1513.01234)
- [An id arXiv does not know](https://arxiv.org/abs/1707.99999)
- [Searched by its title](http://example.org/searched.pdf)
"""


def paper(arxiv_id: str, version: int = 1, fetched: datetime = NOW, **fields: object) -> Paper:
    given: dict[str, object] = {
        "title": f"Title of {arxiv_id}",
        "authors": ("A. Author", "B. Author"),
        "abstract": "An abstract.",
        "fetched_at": fetched,
        **fields,
    }
    published = datetime(2015, 3, 9, tzinfo=UTC)
    return make_paper(arxiv_id, version=version, when=published, **given)  # type: ignore[arg-type]


def test_cited_ids_are_each_once_in_order_of_first_citation() -> None:
    entries = extract_entries(LIST, "efficient.md")
    # The invalid id and the entries without an id cite nothing.
    assert cited_ids(entries) == ["1506.02626", "1510.00149", "1503.02531", "1707.99999"]
    assert cited_ids([]) == []


def test_ids_to_fetch_are_the_new_and_the_stale_in_the_order_asked() -> None:
    previous = {
        "fresh": paper("fresh", fetched=NOW - timedelta(days=6, hours=23)),
        "stale": paper("stale", fetched=NOW - timedelta(days=7)),
        "older": paper("older", fetched=NOW - timedelta(days=400)),
    }
    wanted = ["new", "fresh", "older", "stale"]
    assert ids_to_fetch(wanted, previous, NOW, timedelta(days=7)) == ["new", "older", "stale"]
    assert ids_to_fetch(wanted, previous, NOW, timedelta(0)) == wanted
    assert ids_to_fetch([], previous, NOW, timedelta(0)) == []


def test_every_entry_gets_the_status_of_what_became_of_its_id() -> None:
    entries = extract_entries(LIST, "efficient.md")
    searched = next(e for e in entries if e.title == "Searched by its title")
    lacking = next(e for e in entries if e.title == "A title arXiv lacks")
    report = FetchReport(
        papers={"1510.00149": paper("1510.00149", 2)},
        not_found={"1707.99999"},
        pending=["1506.02626"],
    )
    titles = TitleMatches(
        checked_at={entry_key(searched): NOW, entry_key(lacking): NOW},
        resolved={entry_key(searched): ("1605.08386", 97.5)},
        papers={"1605.08386": paper("1605.08386")},
    )
    kept = paper("1503.02531", fetched=NOW - timedelta(days=1))
    dataset = build_dataset(
        entries,
        report,
        {"1503.02531": kept},
        titles,
        unanswered={"1707.99999": Unanswered("not_found", NOW - timedelta(hours=1))},
    )

    rows = {row.entry.title: row for row in dataset.entries}
    assert [row.entry.title for row in dataset.entries] == [e.title for e in entries]
    assert {title: row.status for title, row in rows.items()} == {
        "Optimal Brain Damage": "failed",  # asked, never answered
        "Deep Compression": "enriched",
        "A title arXiv lacks": "not_on_arxiv",
        "Distilling the Knowledge": "enriched",  # kept from the previous run
        "Deep Compression, again": "enriched",
        "An id that cannot exist": "invalid_id",
        "An id arXiv does not know": "not_found",
        "Searched by its title": "enriched",
    }
    found = rows["Searched by its title"]
    assert (found.arxiv_id, found.id_source, found.match_score) == (
        "1605.08386",
        "title_search",
        97.5,
    )
    assert found.checked_at == NOW and rows["A title arXiv lacks"].checked_at == NOW
    assert rows["An id arXiv does not know"].checked_at == NOW - timedelta(hours=1)
    assert rows["Deep Compression"].checked_at is None

    papers = {row.paper.arxiv_id: row for row in dataset.papers}
    assert list(papers) == ["1510.00149", "1503.02531", "1605.08386"]
    assert papers["1503.02531"].paper is kept
    # A paper cited twice carries the tags and sections of both entries, each once.
    assert papers["1510.00149"].tags == ("Pruning", "Sparsity")
    assert papers["1510.00149"].sections == ("Pruning", "Distillation")
    assert papers["1605.08386"].tags == ()


def test_this_runs_answer_wins_over_the_previous_row() -> None:
    entries = extract_entries("- [A](https://arxiv.org/abs/1503.02531)\n", "l.md")
    before, now = paper("1503.02531", 1), paper("1503.02531", 2)
    dataset = build_dataset(
        entries, FetchReport(papers={"1503.02531": now}), {"1503.02531": before}
    )
    assert [row.paper for row in dataset.papers] == [now]
    nothing = build_dataset(entries, FetchReport(), {})
    assert (nothing.papers, [row.status for row in nothing.entries]) == ([], ["failed"])


def test_changes_are_listed_field_by_field_for_papers_fetched_again() -> None:
    previous = {"1503.02531": paper("1503.02531", 1), "1510.00149": paper("1510.00149", 1)}
    fetched = {
        "1510.00149": paper("1510.00149", 1),  # unchanged
        "1503.02531": paper(
            "1503.02531", 2, authors=("A. Author",), journal_ref="NIPS 2014 Workshop"
        ),
        "1605.08386": paper("1605.08386", 3),  # new: nothing to compare with
    }
    changes = detect_changes(previous, fetched, NOW)
    assert [(c.arxiv_id, c.field, c.old, c.new) for c in changes] == [
        ("1503.02531", "version", "1", "2"),
        ("1503.02531", "authors", '["A. Author", "B. Author"]', '["A. Author"]'),
        ("1503.02531", "journal_ref", None, "NIPS 2014 Workshop"),
    ]
    assert {c.detected_at for c in changes} == {NOW}
    assert detect_changes(previous, {}, NOW) == []


def test_changes_are_described_one_line_a_field() -> None:
    changes = detect_changes(
        {"1503.02531": paper("1503.02531", 1), "1510.00149": paper("1510.00149", 3)},
        {
            "1503.02531": paper("1503.02531", 2, doi="10.1000/x"),
            "1510.00149": paper("1510.00149", 4),
        },
        NOW,
    )
    lines = describe_changes(changes)
    assert len(lines) == 2
    assert lines[0].startswith("2 ") and lines[0].endswith(
        "new versions: 1503.02531 (v1 -> v2), 1510.00149 (v3 -> v4)"
    )
    assert lines[1].startswith("1 ") and lines[1].endswith("a changed doi: 1503.02531")
    assert describe_changes([]) == []


def test_removed_papers_are_those_no_list_cites_any_more() -> None:
    previous = {i: paper(i) for i in ("1605.08386", "1503.02531", "1510.00149")}
    gone = removed_papers(previous, ["1510.00149", "2001.00001"])
    assert [p.arxiv_id for p in gone] == ["1503.02531", "1605.08386"]
    assert removed_papers(previous, previous) == []


def test_a_paper_cited_once_takes_its_entrys_tags_section_and_code_each_once() -> None:
    entries = extract_entries(
        "- 【Pruning】【Pruning】[Deep Compression](https://arxiv.org/abs/1510.00149) "
        "[code](https://github.com/a/b) [pytorch](https://github.com/a/b)\n"
        "\n## Later\n\n- [Distilling](https://arxiv.org/abs/1503.02531)\n",
        "once.md",
    )
    report = FetchReport(papers={i: paper(i) for i in ("1510.00149", "1503.02531")})
    rows = {r.paper.arxiv_id: r for r in build_dataset(entries, report, {}).papers}
    deep, distilling = rows["1510.00149"], rows["1503.02531"]
    assert (deep.tags, deep.sections, deep.code_urls) == (
        ("Pruning",),
        (),
        ("https://github.com/a/b",),
    )
    assert (distilling.tags, distilling.sections, distilling.code_urls) == ((), ("Later",), ())
