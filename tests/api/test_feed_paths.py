"""The quick paths of reading answers give what the plain ones give: the one-walk parse of
``pipeline.api.feed`` against the first parse (``feed_oracle``) on odd answers of every
kind, and each shortcut against the function it stands for."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from urllib.parse import quote_plus

import pytest

from pipeline.api import answers
from pipeline.api.feed import BrokenAnswer, Feed, _entry_id, base_id, clean_text, parse_feed
from pipeline.api.urls import _quoted_length
from pipeline.ids import parse_id, unversioned
from tests.api import feed_oracle
from tests.api.test_feed import feed_of
from tests.api.test_transport import fake_response

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def outcome(parse: object, body: bytes) -> Feed | str:
    """The feed, or the reason the answer is broken."""
    assert callable(parse)
    try:
        feed = parse(body, NOW)
    except BrokenAnswer as err:
        return f"broken: {err}"
    assert isinstance(feed, Feed)
    return feed


def agree(body: bytes) -> Feed | str:
    quick, plain = outcome(parse_feed, body), outcome(feed_oracle.parse_feed, body)
    assert quick == plain, body.decode("utf-8", "replace")
    return quick


# -- odd answers, each named -----------------------------------------------------------------


def entry(
    arxiv_id: str = "1503.02531v1",
    title: str = "Distilling the Knowledge",
    extra: str = "",
    date: str = "2015-03-09T15:44:47Z",
) -> str:
    return (
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}</id><title>{title}</title>"
        f"<published>{date}</published><updated>{date}</updated>"
        "<summary>An abstract.</summary><author><name>Geoffrey Hinton</name></author>"
        f'<link href="https://arxiv.org/abs/{arxiv_id}" rel="alternate" type="text/html"/>'
        f'<link href="https://arxiv.org/pdf/{arxiv_id}" rel="related" type="application/pdf"/>'
        '<category term="stat.ML"/><arxiv:primary_category term="stat.ML"/>'
        f"{extra}</entry>"
    )


def test_cdata_entities_and_character_references_are_read_as_text() -> None:
    body = feed_of(
        entry(title="<![CDATA[Nets & <Trees>]]>"),
        entry("1404.0736v1", title="Tom &amp; Jerry &#x2014; &lt;again&gt;"),
    )
    first, second = agree(body).papers  # type: ignore[union-attr]
    assert first.title == "Nets & <Trees>"
    assert second.title == "Tom & Jerry \u2014 <again>"


def test_text_beyond_ascii_is_kept_and_controls_and_bidi_marks_are_not() -> None:
    names = "<author><name>Miguel \u00c1. Carreira-Perpi\u00f1\u00e1n\u202e</name></author>"
    body = feed_of(entry(title="R\u00e9sum\u00e9\u0085 of\n   nets", extra=names))
    (paper,) = agree(body).papers  # type: ignore[union-attr]
    assert paper.title == "R\u00e9sum\u00e9 of nets"
    assert paper.authors == ("Geoffrey Hinton", "Miguel \u00c1. Carreira-Perpi\u00f1\u00e1n")


def test_a_withdrawal_comment_and_every_optional_field_are_read() -> None:
    extra = (
        "<arxiv:comment>This paper has been\n  withdrawn by the author</arxiv:comment>"
        "<arxiv:journal_ref>  ICLR  2016 </arxiv:journal_ref><arxiv:doi> 10.1/x </arxiv:doi>"
    )
    (paper,) = agree(feed_of(entry(extra=extra))).papers  # type: ignore[union-attr]
    assert paper.comment == "This paper has been withdrawn by the author" and paper.withdrawn
    assert paper.journal_ref == "ICLR 2016" and paper.doi == "10.1/x"


def test_several_versions_of_one_paper_are_each_a_paper() -> None:
    body = feed_of(entry("1503.02531v1"), entry("1503.02531v2"), entry("1503.02531v1"))
    papers = agree(body).papers  # type: ignore[union-attr]
    assert [(p.arxiv_id, p.version) for p in papers] == [
        ("1503.02531", 1),
        ("1503.02531", 2),
        ("1503.02531", 1),
    ]


def test_missing_fields_fall_back_or_break_the_answer_as_before() -> None:
    bare = (
        "<entry><id>http://arxiv.org/abs/hep-th/9901001v3</id><title>Old</title>"
        "<published>1999-01-01T00:00:00Z</published><updated>1999-01-01T00:00:00Z</updated>"
        "</entry>"
    )
    feed = agree(feed_of(bare))
    assert isinstance(feed, Feed)
    (paper,) = feed.papers
    assert paper.arxiv_id == "hep-th/9901001" and paper.version == 3
    assert paper.pdf_url == "https://arxiv.org/pdf/hep-th/9901001v3"
    assert paper.abs_url == "https://arxiv.org/abs/hep-th/9901001v3"
    assert paper.primary_category == "" and paper.abstract == ""
    assert feed.missing == {"pdf link", "categories", "authors"}
    assert agree(feed_of(entry(title=""))) == "broken: entry 1503.02531v1 has no title"
    assert agree(feed_of(entry(date=""))) == "broken: entry 1503.02531v1 has no <published>"


def test_an_error_entry_anywhere_wins_over_a_broken_entry_before_it() -> None:
    error = "<entry><id>http://arxiv.org/api/errors</id><title>Error</title>"
    error += "<summary>incorrect id format for abc</summary></entry>"
    for entries in ([entry("bad"), error], [entry(), error, entry("bad")], [error, entry()]):
        feed = agree(feed_of(*entries))
        assert isinstance(feed, Feed) and feed.error == "incorrect id format for abc"


def test_the_entries_of_an_answer_share_their_dates_and_categories() -> None:
    papers = agree(feed_of(entry(), entry("1404.0736v1"))).papers  # type: ignore[union-attr]
    assert papers[0].published is papers[1].updated
    assert papers[0].categories is papers[1].categories


# -- odd answers, generated ------------------------------------------------------------------

IDS = [
    "1503.02531v1",
    "1503.02531v2",
    "2001.10156v12",
    "1404.0736v1",
    "1404.00736v1",
    "0704.0001v1",
    "0703.0001v1",
    "1913.00001v1",
    "2000.00001v1",
    "2001.10156v0",
    "2001.10156v01",
    "2001.10156",
    " 2001.10156v1 ",
    "hep-th/9901001v2",
    "math.AG/0309136v1",
    "2001.1015v1",
    "\uff12001.10156v1",
    "",
    "not-an-id",
]
TEXTS = [
    "Plain words",
    "  Lines\n      with   indentation  ",
    "",
    "   ",
    "Error",
    " Error ",
    "Tom &amp; Jerry",
    "<![CDATA[a <b> & c]]>",
    "x<![CDATA[y]]>z",
    "R\u00e9sum\u00e9\u00a0of nets",
    "bidi\u202e mark",
    "c1\u0085control",
    "tab\there",
    "before<!-- a comment -->after",
    "before<b>inside</b>after",
    "withdrawn",
    "This paper has been withdrawn",
]
DATES = [
    "2015-03-09T15:44:47Z",
    "2015-03-09T17:44:47+02:00",
    " 2015-03-09T15:44:47Z\n",
    "2015-03-09T15:44:47",
    "not-a-date",
    "",
]
LINKS = [
    '<link href="https://arxiv.org/abs/x" rel="alternate" type="text/html"/>',
    '<link href="" rel="alternate"/>',
    '<link rel="alternate"/>',
    '<link href="https://arxiv.org/pdf/x" rel="related" type="application/pdf" title="pdf"/>',
    '<link href="https://arxiv.org/pdf/y" rel="related" type="application/pdf"/>',
    '<link title="pdf"/>',
    '<link href="https://doi.org/z" rel="related" title="doi"/>',
]


def element(rng: random.Random, tag: str, texts: list[str], good: int = 1) -> str:
    """``tag`` with one of ``texts``: one of the first ``good`` most of the time."""
    text = rng.choice(texts[:good] if rng.random() < 0.6 else texts)
    return f"<{tag}/>" if not text and rng.random() < 0.5 else f"<{tag}>{text}</{tag}>"


def author(rng: random.Random) -> str:
    names = "".join(element(rng, "name", TEXTS) for _ in range(rng.choice([0, 1, 1, 1, 2])))
    if rng.random() < 0.2:
        names += "<arxiv:affiliation>Somewhere</arxiv:affiliation>"
    return f"<author>{names}</author>"


def category(rng: random.Random, tag: str = "category") -> str:
    term = rng.choice(["cs.LG", "cs.CV", "stat.ML", "", None])
    return f"<{tag}/>" if term is None else f'<{tag} term="{term}"/>'


def random_entry(rng: random.Random) -> str:
    def fields() -> list[str]:
        arxiv_id = rng.choice(IDS[:7] if rng.random() < 0.6 else IDS)
        ids = [f"http://arxiv.org/abs/{arxiv_id}", arxiv_id, ""]
        return [
            element(rng, "id", ids),
            element(rng, "title", TEXTS, good=2),
            element(rng, "summary", TEXTS, good=2),
            element(rng, "published", DATES, good=3),
            element(rng, "updated", DATES, good=3),
            *(element(rng, f"arxiv:{tag}", TEXTS) for tag in ("comment", "journal_ref", "doi")),
        ]

    parts = [
        *fields(),
        *(author(rng) for _ in range(rng.randint(0, 3))),
        *(category(rng) for _ in range(rng.randint(0, 3))),
        *(rng.choice(LINKS) for _ in range(rng.randint(0, 4))),
        *(category(rng, "arxiv:primary_category") for _ in range(rng.randint(0, 2))),
        "<!-- a comment -->",
        "<?pi data?>",
        "<unknown>x</unknown>",
    ]
    # Some fields go missing, some come twice (alike or not), the order is not always arXiv's.
    parts = [p for p in parts if rng.random() < 0.95]
    parts += rng.sample(parts, k=min(len(parts), rng.randint(0, 2)))
    parts += rng.sample(fields(), k=rng.randint(0, 2))
    if rng.random() < 0.5:
        rng.shuffle(parts)
    return f"<entry>{''.join(parts)}</entry>"


def likely_entry(rng: random.Random) -> str:
    """An entry as arXiv sends it, mostly well-formed: most answers must parse."""
    arxiv_id = rng.choice(IDS[:7])
    date = rng.choice(DATES[:3])
    extra = "".join(author(rng) for _ in range(rng.randint(1, 3)))
    extra += "".join(category(rng) for _ in range(rng.randint(0, 2)))
    extra += rng.choice(["", "<arxiv:comment>withdrawn</arxiv:comment>"])
    return entry(arxiv_id, rng.choice(TEXTS[:2] + TEXTS[6:13]), extra, date)


@pytest.mark.parametrize("seed", range(12))
def test_the_one_walk_parse_agrees_with_the_first_parse_on_odd_answers(seed: int) -> None:
    rng = random.Random(seed)
    kinds: dict[str, int] = {"papers": 0, "error": 0, "broken": 0, "odd papers": 0}
    for _ in range(300):
        odd = rng.random() < 0.5
        entries = [(random_entry if odd else likely_entry)(rng) for _ in range(rng.randint(0, 3))]
        if entries and rng.random() < 0.3:
            entries.append(rng.choice(entries))  # the same entry twice
        found = agree(feed_of(*entries))
        kind = "broken" if isinstance(found, str) else "error" if found.error else "papers"
        kinds[kind] += 1
        kinds["odd papers"] += odd and kind == "papers"
    assert min(kinds.values()) >= 5, kinds  # every outcome was met, odd entries read too


# -- each shortcut against what it stands for ------------------------------------------------


def some_ids(rng: random.Random) -> list[str]:
    digits = "0123456789"
    out = list(IDS)
    for _ in range(3000):
        yymm = "".join(rng.choice(digits) for _ in range(4))
        num = "".join(rng.choice(digits) for _ in range(rng.choice([4, 5, 5, 6])))
        version = rng.choice(["", "v", "v0", "v1", "v01", "v9", "v10", "v123"])
        out.append(f"{yymm}.{num}{version}")
    return out


def test_the_quick_read_of_an_entry_id_is_parse_id() -> None:
    for text in some_ids(random.Random(1)):
        parsed = parse_id(text.strip()).id
        expected = None if parsed is None else (parsed.base, parsed.version, str(parsed))
        assert _entry_id(text.strip()) == expected, text


def test_base_id_is_unversioned() -> None:
    for text in [*some_ids(random.Random(2)), " 1503.02531 ", "hep-th/9901001v2\n", "v"]:
        assert base_id(text) == unversioned(text), text


def test_the_quoted_length_of_an_id_is_that_of_quote_plus() -> None:
    for text in [*some_ids(random.Random(3)), "hep-th/9901001", "a b", "\u00e9", "~_.-", ""]:
        assert _quoted_length(text) == len(quote_plus(text)), text


@pytest.mark.parametrize(
    "text", ["Clean text", "", " lead", "trail ", "two  spaces", "a\tb", "x\x7fy", "\x1cfs"]
)
def test_clean_ascii_text_is_kept_as_it_is_and_other_text_cleaned(text: str) -> None:
    assert clean_text(text) == feed_oracle.clean_text(text)
    if text == "Clean text":
        assert clean_text(text) is text


def test_an_answer_is_parsed_once_however_often_it_is_vetted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[bytes] = []

    def counting(body: bytes, fetched_at: datetime) -> Feed:
        parsed.append(body)
        return parse_feed(body, fetched_at)

    monkeypatch.setattr(answers, "parse_feed", counting)
    response = fake_response(feed_of(entry()), ids=("1503.02531", "1404.0736"))
    assert [answers.vet(response) for _ in range(3)] == ["1 asked-for ids missing"] * 3
    assert isinstance(answers.read_answer(response), Feed)
    assert len(parsed) == 1
