"""Batches that fill the GET URL: as many ids as keep it within the limit, never more."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from pipeline.api.answers import vet
from pipeline.api.client import MAX_PAGE, ArxivFetcher
from pipeline.api.transport import ApiSession, SessionSettings, sends_as_post
from pipeline.api.urls import batch_urls, query_urls
from pipeline.config import RunConfig
from standin import FakeArxiv

API = "https://export.arxiv.org/api/query"


def fetcher(batch_size: int = 0, max_url_length: int = 4000) -> ArxivFetcher:
    settings = SessionSettings(
        cache_path=None, delay=0.0, timeout=5.0, max_url_length=max_url_length
    )
    return ArxivFetcher(ApiSession(settings, vet=vet), API, batch_size=batch_size)


def new_style(n: int) -> list[str]:
    return [f"{2001 + i // 90000}.{10000 + i % 90000:05d}" for i in range(n)]


def old_style(n: int) -> list[str]:
    return [f"cond-mat/{9901000 + i:07d}" for i in range(n)]


def test_the_default_is_to_fill_the_url() -> None:
    assert RunConfig(lists=()).batch_size == 0


@pytest.mark.parametrize("ids", [new_style(5000), old_style(3000), new_style(7) + old_style(900)])
def test_each_batch_is_a_get_url_that_one_more_id_would_make_too_long(ids: list[str]) -> None:
    client = fetcher()
    batches = client.batches(ids)
    assert [i for b in batches for i in b] == ids
    for batch, following in itertools.pairwise(batches):
        assert len(client.id_url(batch)) <= 4000
        assert sends_as_post(client.id_url((*batch, following[0])))
    assert len(client.id_url(batches[-1])) <= 4000


@pytest.mark.parametrize("max_url_length", [4000, 1000, 10**6])
@pytest.mark.parametrize("ids", [new_style(5000), old_style(3000), new_style(7) + old_style(900)])
def test_the_batching_keeps_the_url_of_each_batch(ids: list[str], max_url_length: int) -> None:
    client = fetcher(max_url_length=max_url_length)
    urls = batch_urls(ids, query_urls(API), 0, max_url_length)
    assert list(urls) == client.batches(ids)
    assert all(url == client.id_url(batch) for batch, url in urls.items())
    assert set(batch_urls(ids, query_urls(API), 700, 4000).values()) == {None}


def test_new_style_ids_fill_a_url_with_298_and_100000_need_336_requests() -> None:
    # 13 bytes an id (ten characters and an encoded comma) in a 4,000-byte URL.
    batches = fetcher().batches(new_style(100_000))
    assert [len(b) for b in batches[:-1]] == [298] * 335
    assert len(batches) == 336


def test_a_shorter_limit_makes_smaller_batches_and_no_batch_passes_arxivs_page() -> None:
    assert len(fetcher(max_url_length=1000).batches(new_style(1000))[0]) < 100
    assert {len(b) for b in fetcher(max_url_length=10**6).batches(new_style(4500))} == {
        MAX_PAGE,
        500,
    }


def test_a_fixed_batch_size_is_kept_whatever_the_url_length() -> None:
    batches = fetcher(batch_size=700).batches(new_style(1500))
    assert [len(b) for b in batches] == [700, 700, 100]


def test_a_run_by_default_asks_every_id_in_get_requests_of_full_urls(tmp_path: Path) -> None:
    ids = sorted(new_style(400))
    records = [
        {
            "id": i,
            "versions": [{"v": 1, "date": "2020-01-15T10:00:00Z"}],
            "title": f"Paper {i}",
            "authors": ["A. Author"],
            "primary_category": "cs.LG",
            "categories": ["cs.LG"],
            "summary": "An abstract.",
        }
        for i in ids
    ]
    with FakeArxiv(records=records) as api:
        settings = SessionSettings(cache_path=tmp_path / "c.sqlite", delay=0.0, timeout=5.0)
        client = ArxivFetcher(ApiSession(settings, vet=vet), api.url)
        report = client.fetch(ids)
        asked = [(entry.method, len(entry.id_list)) for entry in api.log]
    assert set(report.papers) == set(ids)
    assert asked == [("GET", 298), ("GET", 102)]
