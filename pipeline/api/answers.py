"""Which answers of the API are used and cached: one parse of each, shared by both.

requests-cache asks ``vet`` whether to store an answer; the client asks ``read_answer``
for its papers. Both read the same ``parse_feed`` result, kept on the response, so an
answer is cached exactly when it can be used whole.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast
from urllib.parse import parse_qs, urlsplit

import requests

from pipeline.api.feed import BrokenAnswer, Feed, asked_ids_missing, parse_feed

_PARSED = "_arxiv_enrich_feed"
_VERDICT = "_arxiv_enrich_verdict"
_UNVETTED = object()


def query_params(request: requests.PreparedRequest) -> dict[str, list[str]]:
    """The parameters of a request, whether sent in the URL or in a form POST body."""
    query = urlsplit(request.url or "").query
    if request.method == "POST" and request.body:
        query = request.body if isinstance(request.body, str) else request.body.decode()
    return parse_qs(query, keep_blank_values=True)


def asked_ids(request: requests.PreparedRequest) -> list[str]:
    """The ``id_list`` of a query request, whether sent in the URL or in a POST body."""
    return _asked_ids(query_params(request))


def _asked_ids(params: dict[str, list[str]]) -> list[str]:
    values = params.get("id_list", [""])
    return [i for i in values[0].split(",") if i]


def _is_api_query(params: dict[str, list[str]]) -> bool:
    """A query to the arXiv API (as opposed to, say, downloading a list)."""
    return "id_list" in params or "search_query" in params


def answered_at(response: requests.Response) -> datetime:
    """When arXiv gave this answer: now, or when the cached copy was stored."""
    created = getattr(response, "created_at", None)
    if getattr(response, "from_cache", False) and isinstance(created, datetime):
        return created if created.tzinfo else created.replace(tzinfo=UTC)
    return datetime.now(UTC)


def read_answer(response: requests.Response) -> Feed | BrokenAnswer:
    """The parsed feed of an answer (or why it is broken), parsed once per response."""
    parsed: Feed | BrokenAnswer | None = getattr(response, _PARSED, None)
    if parsed is None:
        try:
            parsed = parse_feed(response.content, answered_at(response))
        except BrokenAnswer as err:
            parsed = err
        setattr(response, _PARSED, parsed)
    return parsed


def vet(response: requests.Response) -> str | None:
    """Why an answer must not be cached, or None to cache it.

    An API answer is kept only when it is a 200 whose feed parses whole, is not arXiv's
    error feed, is not empty (the API's flaky empty answer goes away on retry) and has
    every asked id. Other downloads (a list being pulled) are kept when they are a 200.

    requests-cache asks more than once about each answer: the verdict is kept on it.
    """
    verdict = getattr(response, _VERDICT, _UNVETTED)
    if verdict is _UNVETTED:
        verdict = _vet(response)
        setattr(response, _VERDICT, verdict)
    return cast(str | None, verdict)


def _vet(response: requests.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    params = query_params(response.request)
    if not _is_api_query(params):
        return None
    feed = read_answer(response)
    if isinstance(feed, BrokenAnswer):
        return str(feed)
    if feed.error is not None:
        return "the API answered with an error entry"
    if not feed.papers:
        return "empty feed"
    missing = asked_ids_missing(feed, _asked_ids(params))
    if missing:
        return f"{len(missing)} asked-for ids missing"
    return None
