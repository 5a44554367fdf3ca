"""The HTTP layer: a cached session that paces, bounds and vets what reaches the network.

Three jobs, one class each:

* ``Pacer`` keeps the starts of two network requests at least ``delay`` seconds apart
  (arXiv's terms of use ask for one request every three seconds).
* ``GuardedAdapter`` is the transport: it waits for the pacer, applies a timeout to every
  request and refuses bodies larger than a bound or slower than the timeout in total.
  Because requests-cache only calls the transport on a cache miss, answers served from
  the cache are never delayed.
* ``ApiSession`` is a ``requests_cache.CachedSession`` that names the tool in its
  User-Agent, sends over-long GET requests as form POSTs, and stores only the answers its
  ``vet`` accepts. It knows nothing of the Atom format: the API's vet is
  ``pipeline.api.answers.vet``.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import requests
import requests_cache
import urllib3
from requests.adapters import HTTPAdapter
from requests_cache.backends.sqlite import SQLiteCache, SQLiteDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.errors import CacheError

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
# Web servers commonly refuse request lines over about 8 KB (HTTP 414).
DEFAULT_MAX_URL_LENGTH = 4000


class MalformedAnswer(requests.RequestException):
    """An answer whose body is refused: larger than the bound."""


def user_agent(contact: str | None) -> str:
    """The User-Agent arXiv asks automated clients to send: the tool and a contact."""
    agent = f"arxiv-enrich/{__version__}"
    return f"{agent} (mailto:{contact})" if contact else agent


class Pacer:
    """Spaces the starts of successive network requests at least ``delay`` seconds apart."""

    def __init__(
        self,
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay = delay
        self.requests_started = 0
        self._clock = clock
        self._sleep = sleep
        self._last_start: float | None = None
        self._lock = threading.Lock()

    def wait_for_turn(self) -> None:
        with self._lock:
            if self._last_start is not None:
                remaining = self._last_start + self.delay - self._clock()
                if remaining > 0:
                    self._sleep(remaining)
            self._last_start = self._clock()
            self.requests_started += 1


def _watched(base: type[HTTPConnection], sockets: weakref.WeakSet[socket.socket]) -> type:
    """``base`` that hands each socket it opens to ``sockets``, so a watchdog can cut it."""

    class Watched(base):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            super().connect()
            sockets.add(self.sock)

    return Watched


class GuardedAdapter(HTTPAdapter):
    """A transport that is paced, always timed out, and bounded in what it reads.

    ``timeout`` bounds the whole request: urllib3's timeouts bound each socket operation,
    so a server that sends its status line and headers a byte at a time would hold a
    request forever; a watchdog shuts the socket down at the deadline instead.
    """

    def __init__(self, pacer: Pacer, timeout: float, max_body_bytes: int) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        super().__init__(max_retries=0)
        self.pacer = pacer
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.deadline: float | None = None
        """A monotonic time no request may outlast (set by ``ApiSession.within``)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)

        class Http(HTTPConnectionPool):
            ConnectionCls = _watched(HTTPConnection, self._sockets)

        class Https(HTTPSConnectionPool):
            ConnectionCls = _watched(HTTPSConnection, self._sockets)

        self.poolmanager.pool_classes_by_scheme = {"http": Http, "https": Https}

    def _cut_connections(self, expired: threading.Event) -> None:
        expired.set()
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _time_left(self, request: requests.PreparedRequest) -> float:
        limit = self.timeout
        if self.deadline is not None:
            limit = min(limit, self.deadline - time.monotonic())
        if limit <= 0:
            raise requests.Timeout("no time left for the request", request=request)
        return limit

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self.pacer.wait_for_turn()
        limit = self._time_left(request)
        expired = threading.Event()
        watchdog = threading.Timer(limit, self._cut_connections, args=(expired,))
        watchdog.daemon = True
        watchdog.start()
        try:
            response = self._send(request, limit, verify, cert, proxies)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as err:
            if expired.is_set():
                raise requests.Timeout(f"no whole answer within {limit:g} s") from err
            raise
        finally:
            watchdog.cancel()
        if expired.is_set():
            # A connection cut mid-headers can still parse as a short, wrong answer.
            response.close()
            raise requests.Timeout(f"no whole answer within {limit:g} s", request=request)
        return response

    def _send(
        self,
        request: requests.PreparedRequest,
        limit: float,
        verify: bool | str,
        cert: Any,
        proxies: Mapping[str, str] | None,
    ) -> requests.Response:
        started = time.monotonic()
        response = super().send(
            request, stream=True, timeout=limit, verify=verify, cert=cert, proxies=proxies
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            response.close()
            raise MalformedAnswer(f"answer of {declared} bytes is over the limit", request=request)
        try:
            body = self._read_body(response, started, limit, request)
        except urllib3.exceptions.ReadTimeoutError as err:
            response.close()
            raise requests.Timeout(f"answer stalled: {err}", request=request) from err
        except urllib3.exceptions.HTTPError as err:
            # A connection dropped mid-answer (IncompleteRead, ProtocolError, DecodeError):
            # reading the raw stream bypasses requests' own wrapping of these.
            response.close()
            raise requests.ConnectionError(f"answer cut off: {err}", request=request) from err
        except BaseException:
            response.close()
            raise
        response._content = body
        response._content_consumed = True  # type: ignore[attr-defined]
        return response

    def _read_body(
        self,
        response: requests.Response,
        started: float,
        limit: float,
        request: requests.PreparedRequest,
    ) -> bytes:
        body = bytearray()
        # read1 returns whatever has arrived, so a body that trickles in byte by byte is
        # still checked against the clock (stream() would wait for each 64 KiB).
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            body += chunk
            if len(body) > self.max_body_bytes:
                raise MalformedAnswer(
                    f"answer is over the limit of {self.max_body_bytes} bytes", request=request
                )
            if time.monotonic() - started > limit:
                raise requests.Timeout(f"answer took over {limit:g} s", request=request)
        return bytes(body)


def sends_as_post(url: str, max_url_length: int = DEFAULT_MAX_URL_LENGTH) -> bool:
    """Whether a query URL is too long for a GET (servers refuse long request lines)."""
    return len(url) > max_url_length


CACHE_LOCK_WAIT = 5.0
"""Seconds to wait for another process's write to the cache before giving up."""


class _BoundedSQLiteDict(SQLiteDict):
    """requests-cache's table, but a write it cannot start is an error, not a loop.

    requests-cache retries ``BEGIN IMMEDIATE`` every 100 µs on any OperationalError: a
    full disk or an unwritable file would hang the run forever while it holds the lock.
    Only a lock held by another writer is waited for, and only ``CACHE_LOCK_WAIT``.
    """

    @contextlib.contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        with self._lock:
            # connection(commit=True) opened the connection before asking for the lock.
            connection = cast(sqlite3.Connection, self._connection)
            deadline = time.monotonic() + CACHE_LOCK_WAIT
            while True:
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as err:
                    busy = "locked" in str(err) or "busy" in str(err)
                    if not busy or time.monotonic() > deadline:
                        raise CacheError.of(self.db_path, err) from err
                    time.sleep(0.01)
            self._active_transaction = True
            try:
                yield
                connection.commit()
            except sqlite3.OperationalError as err:
                connection.rollback()
                raise CacheError.of(self.db_path, err) from err
            finally:
                self._active_transaction = False


class _BoundedSQLiteCache(SQLiteCache):
    """``SQLiteCache`` over ``_BoundedSQLiteDict`` tables."""

    def __init__(self, db_path: str) -> None:
        super().__init__(db_path)
        self.responses = _BoundedSQLiteDict(db_path, table_name="responses")
        self.redirects = _BoundedSQLiteDict(
            db_path, table_name="redirects", lock=self.responses._lock, serializer=None
        )


def _is_ok(response: requests.Response) -> str | None:
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


@dataclass(frozen=True)
class SessionSettings:
    """How the session talks to the network and where it keeps its cache."""

    cache_path: Path | None
    delay: float = RunConfig.delay
    timeout: float = RunConfig.timeout
    expire_after_seconds: float | None = RunConfig.max_age.total_seconds()
    contact: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_url_length: int = DEFAULT_MAX_URL_LENGTH
    refresh_all: bool = False
    """Ask the network for every request, and store its answer over the cached one."""


class ApiSession(requests_cache.CachedSession):
    """A cached session for the arXiv API with the guards above.

    ``last_response`` keeps the most recent answer so that callers can read headers
    (``Retry-After``) that the arxiv client does not pass on with its errors.
    """

    def __init__(
        self,
        settings: SessionSettings,
        vet: Callable[[requests.Response], str | None] | None = None,
    ) -> None:
        if settings.cache_path is not None:
            settings.cache_path.parent.mkdir(parents=True, exist_ok=True)
            backend: Any = _BoundedSQLiteCache(str(settings.cache_path))
        else:
            backend = "memory"
        expire = -1 if settings.expire_after_seconds is None else settings.expire_after_seconds
        super().__init__(
            backend=backend,
            expire_after=expire,
            allowable_methods=("GET", "POST"),
            allowable_codes=(200,),
            # vet returns why an answer must not be kept; None keeps it.
            filter_fn=lambda response: (vet or _is_ok)(response) is None,
            stale_if_error=False,
        )
        self.api_settings = settings
        self.pacer = Pacer(settings.delay)
        self.adapter = GuardedAdapter(self.pacer, settings.timeout, settings.max_body_bytes)
        self.mount("http://", self.adapter)
        self.mount("https://", self.adapter)
        self.headers["User-Agent"] = user_agent(settings.contact)
        self.last_response: requests.Response | None = None
        self.answers_from_cache = 0

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Every request made inside, each hop of a redirect included, ends within
        ``seconds`` of now: a chain of redirects is one request to the person waiting."""
        self.adapter.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self.adapter.deadline = None

    def drop_older_than(self, age: timedelta) -> None:
        """Forget answers older than ``age``.

        Entries keep the expiry they were stored with; a run with a shorter ``--max-age``
        than the one that stored them must not be served their older data. Zero forgets
        nothing: such a session asks anew and overwrites only what it asks
        (``refresh_all``), so answers other lists rely on stay.
        """
        if age > timedelta(0):
            self.cache.delete(older_than=age)

    def cache_info(self) -> dict[str, int]:
        """Responses held (fresh and all) and the cache's size on disk."""
        responses = self.cache.responses
        return {
            "responses": len(responses),
            "fresh_responses": sum(1 for _ in self.cache.filter(expired=False)),
            "bytes": responses.size() if hasattr(responses, "size") else 0,
        }

    @property
    def requests_sent(self) -> int:
        return self.pacer.requests_started

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        # The arxiv client sends its own User-Agent with each request; ours names this tool.
        headers = {
            k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "user-agent"
        }
        headers["User-Agent"] = self.headers["User-Agent"]
        kwargs["headers"] = headers
        if method.upper() == "GET" and sends_as_post(url, self.api_settings.max_url_length):
            parts = urlsplit(url)
            url = urlunsplit(parts._replace(query=""))
            method = "POST"
            kwargs["data"] = parts.query
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.api_settings.refresh_all:
            kwargs.setdefault("force_refresh", True)
        # A request that gets no answer must not leave an earlier answer's headers behind.
        self.last_response = None
        response: requests.Response = super().request(method, url, *args, **kwargs)
        self.last_response = response
        if getattr(response, "from_cache", False):
            self.answers_from_cache += 1
        return response
