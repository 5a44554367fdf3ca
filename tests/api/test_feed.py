"""pipeline.api.feed on arXiv's recorded answers: every entry becomes a paper, or the whole
answer is broken; and the arxiv package still builds the URLs arXiv was asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import arxiv
import pytest

from pipeline.api.feed import BrokenAnswer, clean_text, parse_feed
from standin import FakeArxiv
from tests.conftest import ROOT

SAMPLES = ROOT.parent / "shared" / "arxiv-api" / "samples"
NOW = datetime(2026, 11, 26, tzinfo=UTC)
NS = 'xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"'
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no recorded answers in {SAMPLES}")


def sample(prefix: str) -> tuple[str, int, bytes]:
    """A recorded answer: its URL, status and body (stored as Latin-1 text of the bytes)."""
    (path,) = SAMPLES.glob(f"{prefix}_s0_*.json")
    recorded = json.loads(path.read_text(encoding="utf-8"))
    return recorded["url"], recorded["status_code"], recorded["body"].encode("latin-1")


@needs_samples
def test_a_recorded_answer_becomes_its_paper_field_by_field() -> None:
    _, _, body = sample("id_1605.08386")
    (paper,) = parse_feed(body, NOW).papers
    assert paper.arxiv_id == "1605.08386" and paper.version == 1
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.authors == ("Caprice Stanley", "Tobias Windisch")
    assert paper.published == datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)
    assert paper.updated == paper.published
    assert paper.primary_category == "math.CO"
    assert paper.categories == ("math.CO", "math.ST")
    assert paper.comment == "20 pages, 3 figures"
    assert paper.journal_ref is None and paper.doi is None
    assert paper.abs_url == "https://arxiv.org/abs/1605.08386v1"
    assert paper.pdf_url == "https://arxiv.org/pdf/1605.08386v1"
    assert paper.abstract.startswith("Graphs on lattice points are studied")
    assert paper.fetched_at == NOW


@needs_samples
@pytest.mark.parametrize(
    ("prefix", "ids"),
    [
        ("id_0000.0000", []),
        ("id_0808.05394_1707.08567", ["1707.08567"]),
        ("id_astro-ph_0601001", ["astro-ph/0601001"]),
        ("id_quant-ph_0201082v1", ["quant-ph/0201082"]),
    ],
)
def test_recorded_id_answers_give_exactly_the_known_papers(prefix: str, ids: list[str]) -> None:
    _, status, body = sample(prefix)
    assert status == 200
    feed = parse_feed(body, NOW)
    assert [p.arxiv_id for p in feed.papers] == ids
    assert feed.error is None


@needs_samples
def test_every_entry_of_a_recorded_search_becomes_a_paper() -> None:
    _, _, body = sample("q_testing")
    papers = parse_feed(body, NOW).papers
    assert len(papers) == body.count(b"<entry>") == 10
    assert all(p.title and p.authors and p.categories for p in papers)


@needs_samples
def test_the_recorded_error_answer_is_a_refusal_not_papers() -> None:
    _, status, body = sample("id_abc")
    assert status == 400
    feed = parse_feed(body, NOW)
    assert feed.papers == [] and feed.error is not None and "abc" in feed.error


@needs_samples
@pytest.mark.parametrize(
    "prefix", ["id_1605.08386", "id_0808.05394_1707.08567", "id_astro-ph_0601001", "q_testing"]
)
def test_the_arxiv_package_builds_the_urls_arxiv_was_asked(prefix: str) -> None:
    """The client relies on arxiv.Client._format_url, a private member: pinned here."""
    url, _, _ = sample(prefix)
    query = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    ids = [i.replace("%2F", "/") for i in query["id_list"].split("%2C") if i]
    search = arxiv.Search(
        query=query["search_query"], id_list=ids, max_results=int(query["max_results"])
    )
    client = arxiv.Client(page_size=int(query["max_results"]))
    client.query_url_format = "https://export.arxiv.org/api/query?{}"
    assert client._format_url(search, 0, int(query["max_results"])) == url


def test_the_standin_answers_in_the_recorded_format() -> None:
    with FakeArxiv() as fake:
        status, body = fake.answer({"id_list": "1503.02531", "max_results": "1"})
    assert status == 200
    (paper,) = parse_feed(body, NOW).papers
    assert paper.arxiv_id == "1503.02531" and paper.authors


def feed_of(*entries: str) -> bytes:
    """An Atom answer holding ``entries``."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<feed {NS}>{"".join(entries)}</feed>'.encode()


def _entry(
    arxiv_id: str = "1503.02531v1",
    published: str = "2015-03-09T15:44:47Z",
    title: str = "Distilling the Knowledge",
    pdf: str = ' title="pdf"',
) -> str:
    return (
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}</id><title>{title}</title>"
        f"<published>{published}</published><updated>{published}</updated>"
        "<summary>s</summary><author><name>Geoffrey Hinton</name></author>"
        f'<link href="https://arxiv.org/pdf/{arxiv_id}" rel="related" type="application/pdf"{pdf}/>'
        '<category term="stat.ML"/><arxiv:primary_category term="stat.ML"/></entry>'
    )


@pytest.mark.parametrize(
    "published",
    [
        "not-a-date",
        "2015-03-09T15:44:47+25:00",
        "2015-03-09T15:44:47",
        "",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
    ],
)
def test_an_entry_with_an_unreadable_date_breaks_the_whole_answer(published: str) -> None:
    body = feed_of(_entry("1404.0736v1") + _entry(published=published))
    with pytest.raises(BrokenAnswer, match=r"1503\.02531"):
        parse_feed(body, NOW)


def test_an_entry_without_published_breaks_the_whole_answer() -> None:
    body = feed_of(_entry().replace("<published>2015-03-09T15:44:47Z</published>", ""))
    with pytest.raises(BrokenAnswer, match="no <published>"):
        parse_feed(body, NOW)


def test_one_version_answered_twice_differently_is_broken() -> None:
    with pytest.raises(BrokenAnswer, match="answered twice"):
        parse_feed(feed_of(_entry() + _entry(title="Something else")), NOW)
    same_twice = parse_feed(feed_of(_entry() + _entry()), NOW)
    assert len(same_twice.papers) == 2


def test_an_unreadable_entry_id_breaks_the_answer() -> None:
    with pytest.raises(BrokenAnswer, match="unreadable id"):
        parse_feed(feed_of(_entry(arxiv_id="not-an-id")), NOW)


def test_offsets_are_turned_into_utc() -> None:
    (paper,) = parse_feed(feed_of(_entry(published="2015-03-09T17:44:47+02:00")), NOW).papers
    assert paper.published == datetime(2015, 3, 9, 15, 44, 47, tzinfo=UTC)


def test_the_pdf_link_is_found_by_its_type_when_its_title_is_gone() -> None:
    (paper,) = parse_feed(feed_of(_entry(pdf="")), NOW).papers
    assert paper.pdf_url == "https://arxiv.org/pdf/1503.02531v1"


def test_a_field_missing_from_every_entry_is_reported() -> None:
    no_pdf = _entry().replace('rel="related" type="application/pdf" title="pdf"', 'rel="x"')
    feed = parse_feed(feed_of(no_pdf + no_pdf.replace("1503.02531", "1404.0736")), NOW)
    assert feed.missing == {"pdf link"}
    assert parse_feed(feed_of(no_pdf + _entry("1404.0736v1")), NOW).missing == set()


def test_clean_text_joins_lines_and_drops_control_and_bidi_characters() -> None:
    assert clean_text("  Deep Compression:\n  Compressing\tNets  ") == (
        "Deep Compression: Compressing Nets"
    )
    assert clean_text("") == ""
    assert clean_text("Adriana Romero\u202e\u009b\u200b") == "Adriana Romero"
    assert clean_text("Carreira-Perpiñán, Dollár") == "Carreira-Perpiñán, Dollár"
