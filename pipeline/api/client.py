"""Fetching papers from the arXiv API: batches, retries, and the arxiv client.

The arxiv package's ``Client`` builds the query URLs, sends them through our ``ApiSession``
and parses the Atom feed. Its own pacing and retries are switched off (``delay_seconds=0``,
``num_retries=0``): it sleeps before every page, even one served from the cache, and it
cannot split a batch that one bad id makes fail. Both are done here instead, and pacing
lives in the session's transport, where only real network requests pay for it.

Quirks of the API handled here:

* answers do not keep the order of ``id_list``: results are indexed by id;
* one malformed id fails the whole request with HTTP 400: the batch is split in halves
  until the bad ids are isolated;
* unknown ids are dropped silently, and a valid query sometimes answers an empty feed:
  a non-empty answer that lacks an id is strong evidence, an empty one weak evidence; an
  id is declared not found after two strong, or one strong and two weak, or more weak
  ones than the retry budget allows (see ``Evidence``);
* ``opensearch:totalResults`` counts the ids it dropped, so the client's pagination would
  ask for an empty second page: each batch is fetched as exactly one page.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import arxiv
import requests
import urllib3.exceptions

from pipeline import DEFAULT_API_URL
from pipeline.api.transport import ApiSession, MalformedAnswer
from pipeline.ids import short_id_from_entry_url, unversioned
from pipeline.records import FetchReport, Paper

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_SPACES = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    """One space between words, none at the ends: titles and abstracts span lines in Atom."""
    return _SPACES.sub(" ", text).strip()


def paper_from_result(result: arxiv.Result, fetched_at: datetime) -> Paper:
    """A ``Paper`` from one parsed entry of an API answer."""
    arxiv_id = short_id_from_entry_url(result.entry_id)
    version = arxiv_id.version or 1
    abs_url = next(
        (link.href for link in result.links if link.rel == "alternate"),
        f"https://arxiv.org/abs/{arxiv_id}",
    )
    return Paper(
        arxiv_id=arxiv_id.base,
        version=version,
        title=normalize_space(result.title),
        authors=tuple(normalize_space(a.name) for a in result.authors),
        abstract=normalize_space(result.summary),
        published=result.published,
        updated=result.updated,
        primary_category=result.primary_category,
        categories=tuple(result.categories),
        comment=normalize_space(result.comment) if result.comment else None,
        journal_ref=normalize_space(result.journal_ref) if result.journal_ref else None,
        doi=result.doi.strip() if result.doi else None,
        abs_url=abs_url,
        pdf_url=result.pdf_url or f"https://arxiv.org/pdf/{arxiv_id}",
        fetched_at=fetched_at,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: retries per request, and how long one wait may be."""

    max_retries: int = 5
    backoff_base: float = 3.0
    max_wait: float = 300.0

    def wait_before_retry(
        self, attempt: int, retry_after: float | None, rng: random.Random
    ) -> float:
        """Exponential backoff, jittered to 50-100%, never shorter than ``Retry-After``."""
        backoff = min(self.max_wait, self.backoff_base * 2.0 ** (attempt - 1))
        wait = backoff * rng.uniform(0.5, 1.0)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_wait)


class Evidence:
    """Decides when an id that answers keep lacking is really unknown to arXiv.

    A flaky empty answer must never turn a real paper into ``not_found``, while an id
    that does not exist should not cost more than a few requests.
    """

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries
        self.strong: Counter[str] = Counter()
        self.weak: Counter[str] = Counter()

    def settle(self, missing: Iterable[str], answer_was_empty: bool) -> list[str]:
        """Record that an answer lacked ``missing``; return the ids now known not to exist."""
        settled = []
        for arxiv_id in missing:
            (self.weak if answer_was_empty else self.strong)[arxiv_id] += 1
            strong, weak = self.strong[arxiv_id], self.weak[arxiv_id]
            if strong >= 2 or (strong >= 1 and weak >= 2) or weak > self.max_retries:
                settled.append(arxiv_id)
        return settled


class GiveUp(Exception):
    """Stop asking the API for this run (a lockout, or an error that retrying cannot fix)."""


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """The ``Retry-After`` of a 429/503 answer in seconds (only the delta form is used)."""
    if response is None:
        return None
    value = str(response.headers.get("Retry-After", "")).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


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
        batch_size: int = 100,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.batch_size = batch_size
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._client = arxiv.Client(page_size=batch_size, delay_seconds=0.0, num_retries=0)
        self._client._session = session
        self._client.query_url_format = f"{api_url}?{{}}"
        self.gave_up: str | None = None
        self.answers = 0

    def _one_page(self, search: arxiv.Search, size: int) -> list[arxiv.Result]:
        url = self._client._format_url(search, 0, size)
        return list(self._client._parse_feed(url, first_page=True).results)

    def _fetched_at(self) -> datetime:
        response = self.session.last_response
        created = getattr(response, "created_at", None) if response is not None else None
        if getattr(response, "from_cache", False) and isinstance(created, datetime):
            return created if created.tzinfo else created.replace(tzinfo=UTC)
        return datetime.now(UTC)

    def _ask(self, search: arxiv.Search, size: int, attempt: int) -> list[arxiv.Result] | None:
        """One request; None when it failed in a way worth retrying after a wait."""
        if self.gave_up:
            raise GiveUp(self.gave_up)
        try:
            results = self._one_page(search, size)
            self.answers += 1
            cached = getattr(self.session.last_response, "from_cache", False)
            log.debug(
                "%d entries in the answer, %s",
                len(results),
                "from the cache" if cached else "from arXiv",
            )
            return results
        except arxiv.HTTPError as err:
            if err.status == 400:
                raise
            if err.status not in RETRYABLE_STATUSES:
                self.gave_up = f"the API answered HTTP {err.status}"
                raise GiveUp(self.gave_up) from err
            problem = f"HTTP {err.status}"
        except requests.ConnectionError as err:
            if _is_name_resolution_error(err):
                host = urlsplit(self._client.query_url_format).hostname
                self.gave_up = f"cannot resolve {host} (no network?)"
                raise GiveUp(self.gave_up) from err
            problem = f"connection failed ({type(err).__name__})"
        except (requests.Timeout, MalformedAnswer) as err:
            problem = str(err) or type(err).__name__
        retry_after = retry_after_seconds(self.session.last_response)
        if retry_after is not None and retry_after > self.retry.max_wait:
            self.gave_up = f"{problem}; the API asks to wait {retry_after:.0f} s (over --max-wait)"
            raise GiveUp(self.gave_up)
        if attempt > self.retry.max_retries:
            self.gave_up = f"{problem}, still after {self.retry.max_retries} retries"
            raise GiveUp(self.gave_up)
        wait = self.retry.wait_before_retry(attempt, retry_after, self._rng)
        log.info("%s; retry %d in %.1f s", problem, attempt, wait)
        self._sleep(wait)
        return None

    def fetch(
        self, ids: Iterable[str], progress: Callable[[int], None] | None = None
    ) -> FetchReport:
        """Fetch every id; ids are sorted and batched so that equal inputs ask equal URLs."""
        report = FetchReport()
        queue: deque[tuple[str, ...]] = deque(_chunks(sorted(set(ids)), self.batch_size))
        attempts: Counter[tuple[str, ...]] = Counter()
        evidence = Evidence(self.retry.max_retries)
        while queue:
            batch = queue.popleft()
            attempts[batch] += 1
            search = arxiv.Search(id_list=list(batch), max_results=len(batch))
            log.debug(
                "asking for %d ids (attempt %d): %s", len(batch), attempts[batch], _some(batch)
            )
            try:
                results = self._ask(search, len(batch), attempts[batch])
            except arxiv.HTTPError:
                if len(batch) == 1:
                    report.invalid.add(batch[0])
                    _advance(progress, 1)
                else:
                    log.debug("HTTP 400 for %d ids: asking each half alone", len(batch))
                    half = len(batch) // 2
                    queue.extendleft([batch[half:], batch[:half]])
                continue
            except GiveUp as err:
                report.gave_up = str(err)
                report.pending = sorted({i for b in (batch, *queue) for i in b})
                break
            if results is None:
                report.retries += 1
                queue.appendleft(batch)
                continue
            fetched_at = self._fetched_at()
            asked = {unversioned(i) for i in batch}
            for result in results:
                paper = paper_from_result(result, fetched_at)
                if paper.arxiv_id in asked:
                    report.papers[paper.arxiv_id] = paper
            missing = [i for i in batch if unversioned(i) not in report.papers]
            report.not_found.update(evidence.settle(missing, answer_was_empty=not results))
            again = tuple(i for i in missing if i not in report.not_found)
            if missing:
                log.debug(
                    "%d ids missing from an %s answer: %d asked again (%s), %d not found (%s)",
                    len(missing),
                    "empty" if not results else "incomplete",
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
        attempt = 0
        empty_answers = 0
        while True:
            attempt += 1
            log.debug("searching (attempt %d): %s", attempt, query)
            try:
                results = self._ask(search, max_results, attempt)
            except GiveUp:
                return None
            except arxiv.HTTPError as err:  # 400: the API refused this query, not the next
                log.warning("title search refused (HTTP %s): %s", err.status, query)
                return None
            if results is None:
                continue
            # An empty feed may be the API's flaky answer: believe it only the second time.
            if not results and empty_answers == 0:
                log.debug("an empty answer to a title search: asked again")
                empty_answers += 1
                continue
            fetched_at = self._fetched_at()
            return [paper_from_result(r, fetched_at) for r in results]

    def search_titles(
        self, titles: Sequence[str], per_query: int = 5, per_title: int = 10
    ) -> dict[str, list[Paper]]:
        """Candidate papers for each title, several titles to a query (``ti:"..." OR ...``).

        A title whose query failed is absent from the answer; one that was searched maps
        to the papers of its query (possibly none).
        """
        unique = sorted(set(titles))
        candidates: dict[str, list[Paper]] = {}
        for group in _chunks(unique, per_query):
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


def _chunks(items: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]
