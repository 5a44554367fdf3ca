"""--timeout bounds a whole request (status line, headers, body, a chain of redirects), and
the API client follows no redirect."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from pipeline.api.answers import vet
from pipeline.api.client import ArxivFetcher
from pipeline.api.transport import ApiSession, SessionSettings


@contextmanager
def raw_server(serve: Callable[[socket.socket, int], None]) -> Iterator[str]:
    """A server on 127.0.0.1 that runs ``serve(connection, n)`` for its n-th connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.01)  # how soon the loop sees ``stop``
    stop = threading.Event()

    def loop() -> None:
        n = 0
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            n += 1
            threading.Thread(target=_serve_once, args=(serve, conn, n), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def _serve_once(serve: Callable[[socket.socket, int], None], conn: socket.socket, n: int) -> None:
    with conn:
        conn.recv(65536)
        with contextlib.suppress(OSError):  # the client gave up: what the tests want
            serve(conn, n)


def _trickle(conn: socket.socket, data: bytes, every: float, for_at_most: float = 10.0) -> None:
    ends = time.monotonic() + for_at_most
    for byte in data:
        if time.monotonic() > ends:
            return
        conn.sendall(bytes([byte]))
        time.sleep(every)


def _session(tmp_path: Path, timeout: float, delay: float = 0.0) -> ApiSession:
    return ApiSession(
        SessionSettings(cache_path=tmp_path / "c.sqlite", delay=delay, timeout=timeout)
    )


def test_a_status_line_and_headers_sent_a_byte_at_a_time_are_cut_at_the_timeout(
    tmp_path: Path,
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Pad: " + b"a" * 200 + b"\r\n\r\nok"
    with raw_server(lambda conn, n: _trickle(conn, head, every=0.05)) as url:
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            _session(tmp_path, timeout=0.5).get(f"{url}/list.md")
        assert time.monotonic() - started < 1.5


def test_a_chain_of_redirects_ends_within_the_deadline(tmp_path: Path) -> None:
    def redirect(conn: socket.socket, n: int) -> None:
        time.sleep(0.1)
        conn.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: /hop{n}\r\nConnection: close\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )

    with raw_server(redirect) as url:
        session = _session(tmp_path, timeout=5.0)
        started = time.monotonic()
        with pytest.raises(requests.Timeout), session.within(0.5):
            session.get(f"{url}/start")
        assert time.monotonic() - started < 1.0


def test_the_api_client_does_not_follow_a_redirect_off_the_api(tmp_path: Path) -> None:
    def redirect(conn: socket.socket, n: int) -> None:
        away = "HTTP/1.1 301 Moved\r\nLocation: http://elsewhere.invalid/api\r\n"
        conn.sendall(f"{away}Content-Length: 0\r\n\r\n".encode())

    with raw_server(redirect) as url:
        session = ApiSession(
            SessionSettings(cache_path=tmp_path / "c.sqlite", delay=0.0, timeout=2.0), vet=vet
        )
        fetcher = ArxivFetcher(session, f"{url}/api/query", sleep=lambda s: None)
        report = fetcher.fetch(["1503.02531"])
    assert report.gave_up is not None
    assert "redirects to http://elsewhere.invalid/api" in report.gave_up
    assert report.pending == ["1503.02531"]
    assert len(list(session.cache.responses.keys())) == 0  # nothing was cached
