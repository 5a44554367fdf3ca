"""pipeline.api.client: batching, isolating bad ids, not-found evidence, retries, Paper fields."""

from __future__ import annotations

import dataclasses
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.api.answers import vet
from pipeline.api.client import ArxivFetcher
from pipeline.api.feed import clean_text
from pipeline.api.retry import RetryPolicy
from pipeline.api.transport import ApiSession, SessionSettings, user_agent
from pipeline.records import FetchReport
from standin import FakeArxiv, Faults, load_records

RECORDS = {r["id"]: r for r in load_records()}
KNOWN = ["1404.0736", "1412.6550", "1503.02531", "1506.02626", "1510.00149", "1602.07360"]
UNKNOWN = "1707.99999"  # well-formed, not in the stand-in's records
MiB = 1024 * 1024


class Fetcher:
    """An ArxivFetcher on a fresh cache, unpaced, whose waits are recorded, not slept."""

    def __init__(
        self,
        api: FakeArxiv,
        tmp_path: Path,
        batch_size: int = 100,
        retry: RetryPolicy | None = None,
        api_url: str | None = None,
        **settings: Any,
    ) -> None:
        self.waits: list[float] = []
        defaults = SessionSettings(cache_path=tmp_path / "c.sqlite", delay=0.0, timeout=5.0)
        self.session = ApiSession(dataclasses.replace(defaults, **settings), vet=vet)
        self.fetcher = ArxivFetcher(
            self.session,
            api_url=api_url or api.url,
            batch_size=batch_size,
            retry=retry or RetryPolicy(backoff_base=0.01),
            sleep=self.waits.append,
            rng=random.Random(7),
        )

    def fetch(self, ids: list[str]) -> FetchReport:
        return self.fetcher.fetch(ids)


def record_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- batches ---------------------------------------------------------------------------------


def test_ids_are_sorted_deduplicated_and_batched(api: FakeArxiv, tmp_path: Path) -> None:
    ids = [*reversed(KNOWN), KNOWN[0]]
    fetcher = Fetcher(api, tmp_path, batch_size=4)
    report = fetcher.fetch(ids)
    assert [r.id_list for r in api.log] == [KNOWN[:4], KNOWN[4:]]
    assert sorted(report.papers) == KNOWN
    assert fetcher.fetcher.answers == 2
    assert (report.not_found, report.invalid, report.pending, report.gave_up) == (
        set(),
        set(),
        [],
        None,
    )


def test_answers_out_of_order_are_indexed_by_id(api: FakeArxiv, tmp_path: Path) -> None:
    # The stand-in, like the API, does not answer in the order asked.
    _, body = api.answer({"id_list": ",".join(KNOWN), "max_results": "10"})
    answered = [
        line.split("/abs/")[1].split("v")[0]
        for line in body.decode().splitlines()
        if line.strip().startswith("<id>http://arxiv.org/abs/")
    ]
    assert sorted(answered) == KNOWN
    assert answered != KNOWN

    report = Fetcher(api, tmp_path).fetch(KNOWN)
    assert len(api.log) == 1
    for arxiv_id, paper in report.papers.items():
        assert paper.arxiv_id == arxiv_id
        assert paper.title == clean_text(RECORDS[arxiv_id]["title"])
        assert paper.authors == tuple(RECORDS[arxiv_id]["authors"])


def test_progress_counts_every_settled_id(api: FakeArxiv, tmp_path: Path) -> None:
    done: list[int] = []
    fetcher = Fetcher(api, tmp_path, batch_size=4).fetcher
    fetcher.fetch([*KNOWN, UNKNOWN], progress=done.append)
    assert sum(done) == len(KNOWN) + 1


def test_a_second_fetch_is_served_from_the_cache(api: FakeArxiv, tmp_path: Path) -> None:
    f = Fetcher(api, tmp_path, delay=5.0)  # a paced request would wait 5 s
    first = f.fetch(KNOWN[:3])
    asked_at = datetime.now(UTC)
    started = time.monotonic()
    second = f.fetch(KNOWN[:3])
    assert time.monotonic() - started < 1.0
    assert len(api.log) == 1
    assert f.session.requests_sent == 1
    assert second.papers.keys() == first.papers.keys()
    for arxiv_id, paper in second.papers.items():
        # fetched_at of a cached answer is when it was fetched, not when it was read.
        assert paper.fetched_at < asked_at
        assert abs((paper.fetched_at - first.papers[arxiv_id].fetched_at).total_seconds()) < 1


def test_the_user_agent_is_ours_not_the_arxiv_clients(api: FakeArxiv, tmp_path: Path) -> None:
    Fetcher(api, tmp_path, contact="me@example.org").fetch(["1503.02531"])
    [logged] = api.log
    assert logged.user_agent == user_agent("me@example.org")


# -- bad and unknown ids ---------------------------------------------------------------------


def test_a_bad_id_is_isolated_and_the_others_fetched(api: FakeArxiv, tmp_path: Path) -> None:
    bad = "1510.00149"
    api.faults = Faults(bad_ids={bad})
    ids = [*KNOWN, "1603.05279", "1511.05641"]
    report = Fetcher(api, tmp_path).fetch(ids)
    assert report.invalid == {bad}
    assert sorted(report.papers) == sorted(set(ids) - {bad})
    assert report.not_found == set()
    assert report.gave_up is None
    # Every request that held the bad id failed; it was split down to the id alone.
    assert all(r.status == 400 for r in api.log if bad in r.id_list)
    assert all(r.status == 200 for r in api.log if bad not in r.id_list)
    assert [bad] in [r.id_list for r in api.log]
    assert len(api.log) == 7  # 8 -> 4+4 -> 2+2 -> 1+1: one bad request per level


def test_an_id_of_the_wrong_shape_is_invalid(api: FakeArxiv, tmp_path: Path) -> None:
    report = Fetcher(api, tmp_path).fetch(["abc", "1503.02531"])
    assert report.invalid == {"abc"}
    assert list(report.papers) == ["1503.02531"]


def test_an_unknown_id_becomes_not_found_after_two_answers_lack_it(
    api: FakeArxiv, tmp_path: Path
) -> None:
    report = Fetcher(api, tmp_path).fetch(["1503.02531", UNKNOWN, "1404.0736"])
    assert report.not_found == {UNKNOWN}
    assert sorted(report.papers) == ["1404.0736", "1503.02531"]
    # The first answer has the known papers; only the unknown id is asked again. (Asked
    # alone it gets an empty answer, which is weak evidence: one strong + two weak lacks.)
    assert api.log[0].id_list == ["1404.0736", "1503.02531", UNKNOWN]
    assert [r.id_list for r in api.log[1:]] == [[UNKNOWN], [UNKNOWN]]
    assert report.retries == 0


def test_flaky_empty_answers_never_make_a_real_paper_not_found(
    api: FakeArxiv, tmp_path: Path
) -> None:
    retry = RetryPolicy(max_retries=5, backoff_base=0.01)
    api.faults = Faults(script=["empty"] * 5)
    report = Fetcher(api, tmp_path, retry=retry).fetch(["1503.02531", "1404.0736"])
    assert report.not_found == set()
    assert sorted(report.papers) == ["1404.0736", "1503.02531"]
    assert [r.fault for r in api.log] == ["empty"] * 5 + [None]


def test_a_paper_an_answer_dropped_is_asked_again(api: FakeArxiv, tmp_path: Path) -> None:
    api.faults = Faults(script=["partial"])
    report = Fetcher(api, tmp_path).fetch(["1503.02531", "1404.0736"])
    assert report.not_found == set()
    assert sorted(report.papers) == ["1404.0736", "1503.02531"]
    assert len(api.log[1].id_list) == 1  # only the dropped one was asked again


def test_an_unknown_id_asked_alone_is_settled_within_the_retry_budget(
    api: FakeArxiv, tmp_path: Path
) -> None:
    retry = RetryPolicy(max_retries=5, backoff_base=0.01)
    report = Fetcher(api, tmp_path, retry=retry).fetch([UNKNOWN])
    assert report.not_found == {UNKNOWN}
    # Asked alone, an unknown id only ever gets empty answers (weak evidence): it is
    # settled once they outnumber the retry budget, and no later than that.
    assert len(api.log) == retry.max_retries + 1


# -- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["429", "503"])
def test_rate_limits_are_retried_after_retry_after(
    api: FakeArxiv, tmp_path: Path, fault: str
) -> None:
    api.faults = Faults(script=[fault], retry_after="2")
    f = Fetcher(api, tmp_path)
    report = f.fetch(["1503.02531"])
    assert list(report.papers) == ["1503.02531"]
    assert report.retries == 1
    assert len(f.waits) == 1
    assert f.waits[0] >= 2.0
    assert [r.status for r in api.log] == [int(fault), 200]


@pytest.mark.parametrize("fault", ["500", "truncated", "bad_utf8", "bomb", "429"])
def test_failures_are_retried_with_backoff(api: FakeArxiv, tmp_path: Path, fault: str) -> None:
    api.faults = Faults(script=[fault, fault], retry_after=None)
    f = Fetcher(api, tmp_path, retry=RetryPolicy(backoff_base=0.5, max_wait=60))
    report = f.fetch(["1503.02531", "1404.0736"])
    assert sorted(report.papers) == ["1404.0736", "1503.02531"]
    assert report.retries == 2
    assert len(api.log) == 3
    # Exponential backoff, jittered to 50-100%: 0.25-0.5 s, then 0.5-1 s.
    assert 0.25 <= f.waits[0] <= 0.5
    assert 0.5 <= f.waits[1] <= 1.0


def test_timeouts_are_retried(arxiv_api: FakeArxiv, tmp_path: Path) -> None:
    # A stand-in of its own: its late answer goes to a closed socket after this test.
    api = arxiv_api
    api.faults = Faults(script=["slow"], slow_seconds=0.8)
    f = Fetcher(api, tmp_path, timeout=0.2)
    report = f.fetch(["1503.02531"])
    assert list(report.papers) == ["1503.02531"]
    assert report.retries == 1
    assert len(f.waits) == 1
    assert [r.fault for r in api.log] == ["slow", None]


def test_an_oversized_answer_is_retried(api: FakeArxiv, tmp_path: Path) -> None:
    api.faults = Faults(script=["huge"], huge_bytes=3 * MiB)
    f = Fetcher(api, tmp_path, max_body_bytes=1 * MiB)
    report = f.fetch(["1503.02531"])
    assert list(report.papers) == ["1503.02531"]
    assert report.retries == 1


def test_retry_after_belongs_to_the_answer_that_failed(api: FakeArxiv, tmp_path: Path) -> None:
    api.faults = Faults(script=["429", "huge"], retry_after="2", huge_bytes=3 * MiB)
    f = Fetcher(api, tmp_path, max_body_bytes=1 * MiB)
    report = f.fetch(["1503.02531"])
    assert list(report.papers) == ["1503.02531"]
    assert f.waits[0] >= 2.0  # the 429 said 2 s
    assert f.waits[1] < 1.0  # the oversized answer said nothing: backoff only (<= 0.02 s)


def test_a_retry_after_over_max_wait_gives_up_at_once(api: FakeArxiv, tmp_path: Path) -> None:
    api.faults = Faults(script=["429"], retry_after="3600")
    f = Fetcher(api, tmp_path, batch_size=2, retry=RetryPolicy(max_wait=300, backoff_base=0.01))
    report = f.fetch(KNOWN[:4])
    assert report.gave_up is not None
    assert "3600" in report.gave_up
    assert report.pending == KNOWN[:4]
    assert report.papers == {}
    assert f.waits == []
    assert len(api.log) == 1


def test_a_lockout_spends_the_retry_budget_then_stops(api: FakeArxiv, tmp_path: Path) -> None:
    api.faults = Faults(lockout_after=2, retry_after="1")
    f = Fetcher(api, tmp_path, batch_size=1, retry=RetryPolicy(max_retries=3, backoff_base=0.01))
    report = f.fetch(KNOWN[:5])
    assert sorted(report.papers) == KNOWN[:2]
    assert report.gave_up is not None
    assert "429" in report.gave_up
    assert report.pending == KNOWN[2:5]
    assert report.retries == 3
    assert f.waits == [1.0, 1.0, 1.0]
    assert len(api.log) == 2 + 1 + 3  # two answers, the first 429, three retries

    # Once given up, the fetcher asks nothing more in this run.
    again = f.fetch(["1603.05279"])
    assert again.gave_up == report.gave_up
    assert again.pending == ["1603.05279"]
    assert len(api.log) == 6
    assert not f.fetcher.search('ti:"deep compression"', 5)  # no papers, no request
    assert len(api.log) == 6


def test_an_http_error_that_retrying_cannot_fix_gives_up(api: FakeArxiv, tmp_path: Path) -> None:
    f = Fetcher(api, tmp_path, api_url=api.url.replace("/api/query", "/nowhere"))
    report = f.fetch(["1503.02531"])
    assert report.gave_up == "the API answered HTTP 404"
    assert report.pending == ["1503.02531"]
    assert f.waits == []


# -- Paper fields ----------------------------------------------------------------------------


def test_a_folded_title_is_whitespace_normalized(api: FakeArxiv, tmp_path: Path) -> None:
    arxiv_id = "1510.00149"
    title = RECORDS[arxiv_id]["title"]
    _, body = api.answer({"id_list": arxiv_id})
    assert f"<title>{title}</title>" not in body.decode()  # folded over two lines
    paper = Fetcher(api, tmp_path).fetch([arxiv_id]).papers[arxiv_id]
    assert paper.title == title
    assert "\n" not in paper.abstract and "  " not in paper.abstract


def test_paper_fields_come_from_the_latest_version(api: FakeArxiv, tmp_path: Path) -> None:
    record = RECORDS["1412.6550"]
    started = datetime.now(UTC)
    paper = Fetcher(api, tmp_path).fetch(["1412.6550"]).papers["1412.6550"]
    assert paper.arxiv_id == "1412.6550"
    assert paper.version == len(record["versions"]) == 4
    assert paper.published == record_datetime(record["versions"][0]["date"])
    assert paper.updated == record_datetime(record["versions"][-1]["date"])
    for moment in (paper.published, paper.updated, paper.fetched_at):
        assert moment.utcoffset() is not None
        assert moment.utcoffset() == UTC.utcoffset(None)
    assert started <= paper.fetched_at <= datetime.now(UTC)
    assert paper.authors == tuple(record["authors"])
    assert paper.primary_category == "cs.LG"
    assert paper.categories == ("cs.LG", "cs.NE")
    assert paper.abs_url == "https://arxiv.org/abs/1412.6550v4"
    assert paper.pdf_url == "https://arxiv.org/pdf/1412.6550v4"
    assert (paper.comment, paper.journal_ref, paper.doi) == (None, None, None)


def test_optional_fields_and_old_style_ids(api: FakeArxiv, tmp_path: Path) -> None:
    report = Fetcher(api, tmp_path).fetch(["astro-ph/0601001", "1205.1866"])
    old = report.papers["astro-ph/0601001"]
    assert old.journal_ref == RECORDS["astro-ph/0601001"]["journal_ref"]
    assert old.comment == clean_text(RECORDS["astro-ph/0601001"]["comment"])
    assert old.doi is None
    assert report.papers["1205.1866"].doi == "10.5121/vlsic.2012.3205"


def test_a_new_version_is_seen_on_the_next_uncached_fetch(
    arxiv_api: FakeArxiv, tmp_path: Path
) -> None:
    assert (
        Fetcher(arxiv_api, tmp_path / "a").fetch(["1503.02531"]).papers["1503.02531"].version == 1
    )
    arxiv_api.add_version("1503.02531", "2026-01-02T03:04:05Z", title="Distilling, Revised")
    paper = Fetcher(arxiv_api, tmp_path / "b").fetch(["1503.02531"]).papers["1503.02531"]
    assert paper.version == 2
    assert paper.title == "Distilling, Revised"
    assert paper.updated == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert paper.published == record_datetime(RECORDS["1503.02531"]["versions"][0]["date"])


def test_an_id_asked_with_a_version_gets_that_version(api: FakeArxiv, tmp_path: Path) -> None:
    report = Fetcher(api, tmp_path).fetch(["1412.6550v2"])
    assert report.not_found == set()
    [paper] = report.papers.values()
    assert (paper.arxiv_id, paper.version) == ("1412.6550", 2)
    assert paper.updated == record_datetime(RECORDS["1412.6550"]["versions"][1]["date"])


# -- the rules on their own ------------------------------------------------------------------


def test_wait_before_retry_stays_within_its_bounds() -> None:
    policy = RetryPolicy(max_retries=5, backoff_base=3.0, max_wait=300.0)
    rng = random.Random(1)
    for attempt in range(1, 12):
        backoff = min(300.0, 3.0 * 2 ** (attempt - 1))
        for _ in range(50):
            assert backoff / 2 <= policy.wait_before_retry(attempt, None, rng) <= backoff
            with_hint = policy.wait_before_retry(attempt, 100.0, rng)
            assert max(backoff / 2, 100.0) <= with_hint <= max(backoff, 100.0)
            assert policy.wait_before_retry(attempt, 10_000.0, rng) == 300.0


def test_wait_before_retry_grows_exponentially() -> None:
    policy = RetryPolicy(backoff_base=3.0, max_wait=1000.0)

    class Fixed(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    assert [policy.wait_before_retry(n, None, Fixed()) for n in range(1, 6)] == [
        3.0,
        6.0,
        12.0,
        24.0,
        48.0,
    ]
    assert policy.wait_before_retry(1, 0.0, Fixed()) == 3.0


@pytest.mark.parametrize("fault", ["stall", "cut", "bad_entry_id"])
def test_an_answer_that_breaks_off_or_names_an_unreadable_id_is_retried_not_fatal(
    api: FakeArxiv, tmp_path: Path, fault: str
) -> None:
    api.faults = Faults(script=[fault], slow_seconds=2.0)
    f = Fetcher(api, tmp_path, timeout=0.25)
    report = f.fetch(KNOWN[:3])
    assert sorted(report.papers) == sorted(KNOWN[:3])
    assert report.gave_up is None
    assert report.retries == 1
    assert [r.fault for r in api.log] == [fault, None]


def test_an_answer_with_an_unreadable_entry_id_is_not_cached(
    api: FakeArxiv, tmp_path: Path
) -> None:
    api.faults = Faults(script=["bad_entry_id", "bad_entry_id", "bad_entry_id"])
    f = Fetcher(api, tmp_path, retry=RetryPolicy(max_retries=1, backoff_base=0.01))
    first = f.fetch(KNOWN[:2])
    assert first.gave_up is not None  # the retry budget was spent on unusable answers
    assert first.not_found == set()  # an unusable answer is no evidence against a paper
    api.faults = Faults()
    second = Fetcher(api, tmp_path).fetch(KNOWN[:2])
    assert sorted(second.papers) == sorted(KNOWN[:2])
    assert api.log[-1].fault is None and api.log[-1].id_list == sorted(KNOWN[:2])


def test_a_title_search_the_api_refuses_skips_that_group_only(
    api: FakeArxiv, tmp_path: Path
) -> None:
    api.faults = Faults(script=["400"])
    f = Fetcher(api, tmp_path)
    titles = [f"Title {n}" for n in range(6)] + [RECORDS["1503.02531"]["title"]]
    candidates = f.fetcher.search_titles(titles, per_query=5)
    assert f.fetcher.gave_up is None
    assert len(api.log) >= 2
    assert sorted(candidates) == sorted(titles)[5:]  # the first group of five was refused
