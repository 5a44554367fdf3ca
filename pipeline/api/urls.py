"""The query URLs of the arXiv API, and batches of ids that fill them.

The arxiv package's ``Search`` and ``Client`` build the URLs (``Client._format_url``: a
private member, pinned by a contract test on recorded answers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote_plus

import arxiv

MAX_PAGE = 2000
"""arXiv's largest page: no batch asks for more ids."""
_COMMA = quote_plus(",")
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*", re.ASCII)
"""The characters ``quote_plus`` leaves as they are."""


def id_batches(
    ids: Sequence[str], urls: arxiv.Client, batch_size: int, max_url_length: int
) -> list[tuple[str, ...]]:
    """``ids`` in batches: ``batch_size`` each, or with 0 as many as keep each GET URL (as
    ``urls`` builds it) within ``max_url_length`` (arXiv's CDN caches GET, not POST)."""
    return list(batch_urls(ids, urls, batch_size, max_url_length))


def batch_urls(
    ids: Sequence[str], urls: arxiv.Client, batch_size: int, max_url_length: int
) -> dict[tuple[str, ...], str | None]:
    """The batches of ``id_batches``, in order, each with the GET URL that asks for it when
    the batching had to build it (None for batches of a fixed size)."""
    if batch_size:
        return dict.fromkeys(chunks(ids, batch_size))
    out: dict[tuple[str, ...], str | None] = {}
    start = 0
    while start < len(ids):
        # Each further id adds itself and an encoded comma, and `max_results` its digits
        # beyond the one of a single id; the URL built from the estimate is then checked.
        length = len(id_url(urls, ids[start : start + 1]))
        end = start + 1
        while end < len(ids) and end - start < MAX_PAGE:
            length += _quoted_length(ids[end]) + len(_COMMA)
            if length + len(str(end + 1 - start)) - 1 > max_url_length:
                break
            end += 1
        url = id_url(urls, ids[start:end])
        while end - start > 1 and len(url) > max_url_length:
            end -= 1
            url = id_url(urls, ids[start:end])
        out[tuple(ids[start:end])] = url
        start = end
    return out


def _quoted_length(text: str) -> int:
    """``len(quote_plus(text))``, without quoting the ids that need none."""
    return len(text) if _UNQUOTED.fullmatch(text) else len(quote_plus(text))


def id_url(urls: arxiv.Client, batch: Sequence[str]) -> str:
    """The GET URL that asks for ``batch``."""
    search = arxiv.Search(id_list=list(batch), max_results=len(batch))
    return str(urls._format_url(search, 0, len(batch)))


def query_urls(api_url: str) -> arxiv.Client:
    """The arxiv package's client as the builder of this API's query URLs (its pacing and
    retries are ours, see ``pipeline.api.client``)."""
    urls = arxiv.Client(delay_seconds=0.0, num_retries=0)
    urls.query_url_format = f"{api_url}?{{}}"
    return urls


def chunks(items: Sequence[str], size: int) -> list[tuple[str, ...]]:
    """``items`` in tuples of ``size`` (the last one shorter)."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]
