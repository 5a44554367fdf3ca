"""Asking the arXiv API for papers by id and by title, and executing ``decide``.

The arxiv package's ``Search`` and ``Client`` build the query URLs (see
``pipeline.api.urls``). Requests go through our ``ApiSession``, which paces, bounds and
caches them, and answers are read by ``pipeline.api.feed`` in one strict parse: the arxiv
package's own parser, lenient and separate from the check that decides what is cached, is
not used.

Quirks of the API handled here:

* one malformed id fails the whole request with HTTP 400 and an error feed: the batch is
  split in halves until the bad ids are isolated;
* unknown ids are dropped silently, and a valid query sometimes answers an empty feed
  (see ``Evidence``);
* ``opensearch:totalResults`` counts the ids it dropped, so each batch is fetched as
  exactly one page;
* answers do not keep the order of ``id_list``: results are indexed by id.
"""

from __future__ import annotations

import logging
import random
import re
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

import arxiv
import requests
import urllib3.exceptions

from pipeline.api import answers
from pipeline.api.feed import BrokenAnswer, Feed, base_id
from pipeline.api.retry import (
    Evidence,
    GiveUp,
    Outcome,
    Retry,
    RetryPolicy,
    Split,
    decide,
    retry_after_seconds,
)
from pipeline.api.transport import ApiSession, MalformedAnswer, SessionSettings
from pipeline.api.urls import MAX_PAGE as MAX_PAGE
from pipeline.api.urls import batch_urls, chunks, id_url
from pipeline.api.urls import id_batches as id_batches
from pipeline.api.urls import query_urls as query_urls
from pipeline.config import DEFAULT_API_URL, TITLES_PER_QUERY, RunConfig
from pipeline.errors import CacheError
from pipeline.records import Answers, FetchReport, Paper, Pulled

log = logging.getLogger(__name__)


class Refused(Exception):
    """arXiv refused the query with its error feed (a malformed id in it)."""


class Stopped(Exception):
    """The run stopped asking the API (a lockout, or an error that retrying cannot fix)."""


def _is_name_resolution_error(err: Exception) -> bool:
    reason = err.args[0] if err.args else None
    inner = getattr(reason, "reason", reason)
    return isinstance(inner, urllib3.exceptions.NameResolutionError) or (
        "Name or service not known" in str(err)
        or "Temporary failure in name resolution" in str(err)
    )


class ArxivFetcher:
    """Fetches papers by id, and runs searches, through one paced and cached session."""

    def __init__(
        self,
        session: ApiSession,
        api_url: str = DEFAULT_API_URL,
        batch_size: int = RunConfig.batch_size,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.batch_size = batch_size
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._urls = query_urls(api_url)
        self._host = urlsplit(api_url).hostname
        self.gave_up: str | None = None
        self.answers = 0
        self.missing_fields: frozenset[str] | None = None
        """Fields arXiv always sends that no answer with papers had so far."""

    def _outcome(self, url: str) -> tuple[Outcome, Feed | None]:
        """One request, and what it came to."""
        try:
            # Redirects are not followed: an answer from another host is not arXiv's, and
            # must neither be used nor cached as if it were.
            response = self.session.get(url, allow_redirects=False)
        except requests.ConnectionError as err:
            if _is_name_resolution_error(err):
                return Outcome(fatal=f"cannot resolve {self._host} (no network?)"), None
            return Outcome(f"connection failed ({type(err).__name__})"), None
        except (requests.Timeout, MalformedAnswer) as err:
            return Outcome(str(err) or type(err).__name__), None
        status = response.status_code
        if response.is_redirect:
            where = response.headers.get("Location", "?")
            return Outcome(
                fatal=f"the API redirects to {where} (HTTP {status}); not followed"
            ), None
        feed = answers.read_answer(response)
        if isinstance(feed, Feed) and feed.error is not None and status in (200, 400):
            return Outcome(f"refused: {feed.error}", status, refused_query=True), None
        if status != 200:
            retry_after = retry_after_seconds(response.headers)
            return Outcome(f"HTTP {status}", status, retry_after=retry_after), None
        if isinstance(feed, BrokenAnswer):
            return Outcome(f"broken answer: {feed}", status), None
        return Outcome(status=status), feed

    def _ask(self, url: str, attempt: int) -> Feed | None:
        """One request as ``decide`` says: the feed, None to retry, ``Refused`` or
        ``Stopped``."""
        if self.gave_up:
            raise Stopped(self.gave_up)
        outcome, feed = self._outcome(url)
        decision = decide(outcome, attempt, self.retry, self._rng)
        if isinstance(decision, GiveUp):
            self.gave_up = decision.reason
            raise Stopped(decision.reason)
        if isinstance(decision, Split):
            raise Refused(outcome.problem)
        if isinstance(decision, Retry):
            log.info("%s; retry %d in %.1f s", decision.reason, attempt, decision.wait)
            self._sleep(decision.wait)
            return None
        self.answers += 1
        cached = getattr(self.session.last_response, "from_cache", False)
        log.debug(
            "%d entries in the answer, %s",
            len(feed.papers) if feed else 0,
            "from the cache" if cached else "from arXiv",
        )
        if feed is not None and feed.papers:
            seen = self.missing_fields
            self.missing_fields = feed.missing if seen is None else seen & feed.missing
        return feed

    def id_url(self, batch: Sequence[str]) -> str:
        """The GET URL that asks for ``batch``."""
        return id_url(self._urls, batch)

    def batches(self, ids: Sequence[str]) -> list[tuple[str, ...]]:
        """``ids`` in the batches this client asks them in (see ``id_batches``)."""
        return list(self._batch_urls(ids))

    def _batch_urls(self, ids: Sequence[str]) -> dict[tuple[str, ...], str | None]:
        limit = self.session.api_settings.max_url_length
        return batch_urls(ids, self._urls, self.batch_size, limit)

    def fetch(
        self, ids: Iterable[str], progress: Callable[[int], None] | None = None
    ) -> FetchReport:
        """Fetch every id; ids are sorted and batched so that equal inputs ask equal URLs."""
        report = FetchReport()
        # The batching built most URLs already; halves and ids asked again get theirs here.
        urls = self._batch_urls(sorted(set(ids)))
        queue: deque[tuple[str, ...]] = deque(urls)
        attempts: Counter[tuple[str, ...]] = Counter()
        evidence = Evidence(self.retry.max_retries)
        while queue:
            batch = queue.popleft()
            attempts[batch] += 1
            log.debug(
                "asking for %d ids (attempt %d): %s", len(batch), attempts[batch], _some(batch)
            )
            try:
                feed = self._ask(urls.get(batch) or self.id_url(batch), attempts[batch])
            except Refused:
                if len(batch) == 1:
                    report.invalid.add(batch[0])
                    _advance(progress, 1)
                else:
                    log.debug("arXiv refused %d ids: asking each half alone", len(batch))
                    half = len(batch) // 2
                    queue.extendleft([batch[half:], batch[:half]])
                continue
            except Stopped as err:
                report.gave_up = str(err)
                report.pending = sorted({i for b in (batch, *queue) for i in b})
                break
            if feed is None:
                report.retries += 1
                queue.appendleft(batch)
                continue
            bases = [base_id(i) for i in batch]
            asked = set(bases)
            for paper in feed.papers:
                if paper.arxiv_id in asked:
                    report.papers[paper.arxiv_id] = paper
            missing = [i for i, base in zip(batch, bases, strict=True) if base not in report.papers]
            empty = not feed.papers
            report.not_found.update(evidence.settle(missing, answer_was_empty=empty))
            again = tuple(i for i in missing if i not in report.not_found)
            if missing:
                log.debug(
                    "%d ids missing from an %s answer: %d asked again (%s), %d not found (%s)",
                    len(missing),
                    "empty" if empty else "incomplete",
                    len(again),
                    _some(again),
                    len(missing) - len(again),
                    _some([i for i in missing if i in report.not_found]),
                )
            if again:
                queue.appendleft(again)
            _advance(progress, len(batch) - len(again))
        return report

    def search(self, query: str, max_results: int) -> list[Paper] | None:
        """One page of a ``search_query``, retried like any request; None when it failed."""
        search = arxiv.Search(query=query, max_results=max_results)
        url = str(self._urls._format_url(search, 0, max_results))
        attempt = 0
        empty_answers = 0
        while True:
            attempt += 1
            log.debug("searching (attempt %d): %s", attempt, query)
            try:
                feed = self._ask(url, attempt)
            except Stopped:
                return None
            except Refused as err:  # the API refused this query, not the next
                log.warning("title search %s: %s", err, query)
                return None
            if feed is None:
                continue
            # An empty feed may be the API's flaky answer: believe it only the second time.
            if not feed.papers and empty_answers == 0:
                log.debug("an empty answer to a title search: asked again")
                empty_answers += 1
                continue
            return feed.papers

    def search_titles(
        self, titles: Sequence[str], per_query: int = TITLES_PER_QUERY, per_title: int = 10
    ) -> dict[str, list[Paper]]:
        """Candidate papers for each title, several titles to a query (``ti:"..." OR ...``).

        A title whose query failed is absent from the answer; one that was searched maps
        to the papers of its query (possibly none).
        """
        unique = sorted(set(titles))
        candidates: dict[str, list[Paper]] = {}
        for group in chunks(unique, per_query):
            query = title_query(group)
            if not query:
                continue
            papers = self.search(query, min(2000, per_title * len(group)))
            if papers is None:
                if self.gave_up:
                    break
                continue
            for title in group:
                candidates[title] = papers
        return candidates


def title_query(titles: Sequence[str]) -> str:
    """``ti:"words" OR ti:"words"``: each title as a phrase of its plain words.

    The API tokenizes titles on punctuation, and quotes or TeX inside a phrase would end
    it, so only letters and digits are kept.
    """
    phrases = [" ".join(re.findall(r"\w+", title)) for title in titles]
    return " OR ".join(f'ti:"{phrase}"' for phrase in phrases if phrase)


def _advance(progress: Callable[[int], None] | None, n: int) -> None:
    if progress is not None and n:
        progress(n)


def _some(ids: Sequence[str], shown: int = 5) -> str:
    """A few ids of many, for a log line."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return " ".join(ids[:shown]) + more


def pull_lists(config: RunConfig) -> list[Pulled]:
    """Pull every list of ``config.raw_dir`` that has a recorded source."""
    from pipeline.lists.pull import pull_recorded

    settings = SessionSettings(
        cache_path=config.cache_path,
        delay=config.delay,
        timeout=config.timeout,
        contact=config.contact,
    )
    return pull_recorded(ApiSession(settings), config.raw_dir)


def make_fetcher(config: RunConfig) -> ArxivFetcher:
    """The paced, cached client of a run's arXiv API."""
    session = ApiSession(
        SessionSettings(
            cache_path=config.cache_path,
            delay=config.delay,
            timeout=config.timeout,
            # --max-age 0 asks everything anew; what it stores is fresh for the usual age.
            expire_after_seconds=(config.max_age or RunConfig.max_age).total_seconds(),
            contact=config.contact,
            refresh_all=not config.max_age,
        ),
        vet=answers.vet,
    )
    session.drop_older_than(config.max_age)
    return ArxivFetcher(
        session,
        config.api_url,
        config.batch_size,
        RetryPolicy(
            config.max_retries, backoff_base=max(config.delay, 0.01), max_wait=config.max_wait
        ),
    )


def ask_arxiv(
    config: RunConfig, ids: Sequence[str], titles: Sequence[str], progress: Callable[[int], None]
) -> Answers:
    """Fetch ``ids`` and search ``titles`` through one client; what arXiv said and what
    it took."""
    try:
        fetcher = make_fetcher(config)
        report = fetcher.fetch(ids, progress) if ids else FetchReport()
        candidates = fetcher.search_titles(titles)
    except sqlite3.DatabaseError as err:  # a damaged cache file
        raise CacheError.of(config.cache_path or "the HTTP cache", err) from err
    return Answers(
        report=report,
        candidates=candidates,
        gave_up=report.gave_up or fetcher.gave_up,
        requests_sent=fetcher.session.requests_sent,
        from_cache=fetcher.session.answers_from_cache,
        answers=fetcher.answers,
        missing_fields=sorted(fetcher.missing_fields or ()),
    )
