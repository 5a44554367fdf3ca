"""The report for a list's maintainer: every finding ``check`` gives, with links; the name
rows for review listed; no bar drawn for an empty status; ties at the top-authors cut-off
said; text from the list and from arXiv escaped.

One list of this module's own, run against the stand-in serving papers of its own: the list
has findings of each severity, a name for review, a title and an author name that are HTML.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pipeline.report
from pipeline.report import write_report
from pipeline.report_sections import tie_note
from standin import FakeArxiv
from tests.conftest import cli, fast_run_args
from tests.papers import standin_record

HOSTILE_TITLE = '<script>alert("t")</script> & Dark <b>knowledge'
HOSTILE_AUTHOR = "<img src=x onerror=alert(1)>"


def record(arxiv_id: str, title: str, authors: list[str], versions: int = 1, **more: Any) -> Any:
    return standin_record(arxiv_id, title, authors, versions, year=2016, **more)


DISTILLING = "Distilling the Knowledge in a Neural Network"
DEEP = "Deep Compression: Compressing Deep Neural Networks with Pruning"
WITHDRAWN = "Training Quantized Nets: A Deeper Understanding"
PUBLISHED = "Quantized Convolutional Neural Networks for Mobile Devices"
SQUEEZE = "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters"
# Song Han has two papers; the sixteen other authors one each: the top 15 cut inside a tie.
SQUEEZE_AUTHORS = [
    "Forrest N. Iandola",
    "Song Han",
    "Matthew W. Moskewicz",
    "Yu Ba",
    HOSTILE_AUTHOR,
]
RECORDS = [
    record("1503.02531", DISTILLING, ["Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean"]),
    record("1510.00149", DEEP, ["Song Han", "Huizi Mao", "William J. Dally"], versions=3),
    record(
        "1706.02379",
        WITHDRAWN,
        ["Hao Li", "Soham De"],
        versions=2,
        comment="This paper has been withdrawn by the authors due to an error in Lemma 2",
    ),
    record(
        "1512.06473",
        PUBLISHED,
        ["Jiaxiang Wu", "Cong Leng"],
        journal_ref="CVPR 2016",
        doi="10.1109/CVPR.2016.521",
    ),
    record("1602.07360", SQUEEZE, [*SQUEEZE_AUTHORS, "Khalid Ashraf", "Kurt Keutzer", "Zoe Zu"]),
]

LIST = f"""# Papers

- [{DISTILLING}](https://arxiv.org/abs/1503.02531) - Geoffrey Hinton, Oriol Vinyal, Jeff Dean
- [A paper arXiv lacks](https://arxiv.org/abs/2401.99999)
- [{HOSTILE_TITLE}](http://www.ttic.edu/dl/dark14.pdf)
- [{WITHDRAWN}](https://arxiv.org/abs/1706.02379)
- [{DEEP}](https://arxiv.org/abs/1510.00149v2) - Song Han, Huizi Mao, Mary Shelley
- [{PUBLISHED}](https://arxiv.org/abs/1512.06473)
- [{DISTILLING}](https://arxiv.org/abs/1503.02531)
- [{SQUEEZE}](https://arxiv.org/abs/1602.07360)
- [A paper of month 13](https://arxiv.org/abs/1713.01234)
"""

# What a maintainer must be told, by line, read off the list above: errors, then
# warnings, then info, each in the list's order.
EXPECTED = [
    ("error", 3, "author_misspelling"),
    ("error", 4, "not_found"),
    ("error", 11, "invalid_id"),
    ("warning", 6, "withdrawn"),
    ("warning", 7, "author_review"),
    ("warning", 9, "duplicate"),
    ("info", 5, "not_on_arxiv"),
    ("info", 7, "newer_version"),
    ("info", 8, "published"),
]
IDS = {
    3: "1503.02531",
    4: "2401.99999",
    6: "1706.02379",
    7: "1510.00149",
    8: "1512.06473",
    9: "1503.02531",
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("attention")
    listed = base / "list.md"
    listed.write_text(LIST, encoding="utf-8")
    with FakeArxiv(RECORDS) as api:
        done = cli(fast_run_args(api, base / "out", base / "cache.sqlite", listed))
    assert done.returncode == 0, done.stderr
    yield base


@pytest.fixture(scope="module")
def page(dataset: Path) -> str:
    return write_report(dataset / "out", dataset / "report").read_text(encoding="utf-8")


def section(page: str, heading: str) -> str:
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start : end if end >= 0 else len(page)]


def rows(part: str) -> list[list[str]]:
    """The cells of each body row of the tables in ``part``, as HTML."""
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", part)]


def plain(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell))


def test_every_finding_is_listed_by_severity_then_line_with_a_link(page: str) -> None:
    table = [r for r in rows(section(page, "Needs attention")) if r]
    header = ["line", "title", "arXiv", "severity", "code", "message", "suggestion"]
    assert re.search("".join(f"<th>{h}</th>" for h in header), page)
    told = [dict(zip(header, r, strict=True)) for r in table]
    assert [(plain(t["severity"]), int(t["line"]), t["code"]) for t in told] == EXPECTED
    for t in told:
        line = int(t["line"])
        if line in IDS:
            assert t["arXiv"] == (
                f'<a class="u" href="https://arxiv.org/abs/{IDS[line]}">{IDS[line]}</a>'
            )
        else:  # no arXiv id: no link
            assert "href" not in t["arXiv"]
    by_line = {int(t["line"]): t for t in told}
    assert plain(by_line[3]["title"]) == DISTILLING
    assert plain(by_line[5]["title"]) == HOSTILE_TITLE
    assert plain(by_line[3]["suggestion"]) == "Oriol Vinyals"
    assert "1713.01234" in plain(by_line[11]["message"])
    assert "9 findings: 3 errors, 3 warnings, 3 info." in page


def test_the_findings_are_those_check_gives(dataset: Path, page: str) -> None:
    done = cli(["check", "--enriched", str(dataset / "out"), "--format", "json"])
    assert done.returncode == 1, done.stderr
    given = json.loads(done.stdout)
    table = [r for r in rows(section(page, "Needs attention")) if r]
    shown = [(int(r[0]), plain(r[4]), plain(r[5]), plain(r[6]) or None) for r in table]
    order = ["error", "warning", "info"]
    given.sort(key=lambda f: order.index(f["severity"]))
    assert shown == [(f["line"], f["code"], f["message"], f["suggestion"]) for f in given]


def test_review_rows_are_listed_one_each(dataset: Path, page: str) -> None:
    part = section(page, "Author fixes found")
    assert "Rows with action <code>review</code>" in part
    fixes = pd.read_parquet(dataset / "out" / "author_fixes.parquet")
    review = fixes[fixes["action"] == "review"]
    # The list names Mary Shelley where arXiv names William J. Dally, at line 7.
    assert len(review) and set(review["line"]) == {7}
    assert "Mary Shelley" in set(review["listed"])
    listed = [[plain(c) for c in r] for r in rows(part) if len(r) == 4]
    expected = [
        ["list.md:7", listed_name or "", on_arxiv or "", kind]
        for listed_name, on_arxiv, kind in zip(
            review["listed"], review["on_arxiv"], review["kind"], strict=True
        )
    ]
    assert sorted(listed) == sorted(expected)


def test_a_status_no_entry_has_is_not_drawn(dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: dict[str, pd.Series[int]] = {}
    draw = pipeline.report._bar_png

    def spy(counts: pd.Series[int], title: str, unit: str, horizontal: bool) -> bytes:
        drawn[title] = counts
        return draw(counts, title, unit, horizontal)

    monkeypatch.setattr(pipeline.report, "_bar_png", spy)
    text = write_report(dataset / "out", dataset / "spied").read_text(encoding="utf-8")
    # The list: 6 entries of papers arXiv has, one it lacks, one bad id, one elsewhere.
    statuses = drawn["Entries per status"]
    assert dict(statuses) == {"enriched": 6, "not_found": 1, "invalid_id": 1, "not_on_arxiv": 1}
    assert 'alt="entries per status: enriched 6, not_found 1, invalid_id 1, not_on_arxiv 1"' in text
    assert "<td>failed</td><td class=n>0</td>" in text  # still named in the table


def test_a_tie_at_the_top_authors_cut_off_is_said(page: str) -> None:
    # Song Han has 2 papers, 16 authors 1 each: the top 15 have room for 14 of them, the
    # first in alphabetical order; the note names the other two.
    ones = sorted({a for r in RECORDS for a in r["authors"]} - {"Song Han"})
    assert len(ones) == 16
    note = plain(section(page, "Most frequent authors"))
    assert (
        "Tied at 1 paper: 16 authors, of whom the chart shows the first 14 alphabetically; "
        f"also tied: {ones[14]}, {ones[15]}." in note
    )


def test_tie_note_names_those_left_out_and_only_when_the_cut_falls_in_a_tie() -> None:
    ranked = pd.Series({"A": 5, "B": 3, "C": 3, "D": 3, "E": 1})
    assert tie_note(ranked, 1) == ""  # 5 | 3: no tie at the cut
    assert tie_note(ranked, 4) == ""  # 3 | 1
    assert tie_note(ranked, 5) == ""  # everyone shown
    said = html.unescape(re.sub(r"<[^>]+>", "", tie_note(ranked, 2)))
    assert said == (
        "Tied at 3 papers: 3 authors, of whom the chart shows the first 1 alphabetically; "
        "also tied: C, D."
    )


def test_text_from_the_list_and_arxiv_is_escaped(page: str) -> None:
    assert "<script" not in page and "<b>" not in page and "<img src=x" not in page
    assert html.escape(HOSTILE_TITLE) in page
    assert html.escape(HOSTILE_AUTHOR) in page  # in the chart's description, at least
