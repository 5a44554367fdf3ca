"""A local stand-in of the arXiv query API, for tests and the offline demo.

It answers ``GET`` and form ``POST`` requests to ``/api/query`` in the Atom format of the
recorded answers, and behaves like the real API as described in the project's notes:

* a token of ``id_list`` that is not shaped like an id fails the whole request with
  HTTP 400 and an ``Error`` entry;
* well-formed ids it does not know are dropped silently, yet still counted in
  ``opensearch:totalResults``;
* entries do not come back in the order asked for;
* ``IDvN`` answers version N, a bare id the latest version; long titles are folded
  over two lines as older answers did.

``Faults`` injects the real API's failures (429 with ``Retry-After``, lockouts, 503, 500,
empty feeds, truncated or hostile bodies, slow answers, 400 for chosen ids) and every
request is logged with its time, so tests can check pacing and request counts.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

DATA = Path(__file__).resolve().parent
RECORDS = DATA / "papers.jsonl"

# The shapes the real API accepts in id_list (it does not check that the id exists).
_ID_SHAPE = re.compile(r"(\d{4}\.\d{4,5}|[a-z]+(-[a-z]+)?(\.[A-Z]{2})?/\d{7})(v\d+)?")
FAULT_KINDS = (
    "400",
    "429",
    "503",
    "500",
    "empty",
    "truncated",
    "slow",
    "partial",
    "bomb",
    "huge",
    "bad_utf8",
    "hang_body",
    "stall",
    "cut",
    "bad_entry_id",
)


def load_records(path: Path = RECORDS) -> list[dict[str, Any]]:
    """The papers the stand-in knows, one JSON object a line (the seed-record format)."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Faults:
    """Failures to inject. ``script`` is consumed first, one fault per request ("ok" for
    none); then each request draws from ``rates`` with a seeded generator."""

    script: list[str] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=dict)
    lockout_after: int | None = None
    retry_after: str | None = "1"
    bad_ids: set[str] = field(default_factory=set)
    slow_seconds: float = 5.0
    huge_bytes: int = 80 * 1024 * 1024
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def next_fault(self, request_number: int) -> str | None:
        if self.lockout_after is not None and request_number > self.lockout_after:
            return "lockout"
        if self.script:
            fault = self.script.pop(0)
            return None if fault == "ok" else fault
        draw = self._rng.random()
        for kind, rate in self.rates.items():
            if draw < rate:
                return kind
            draw -= rate
        return None


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the stand-in saw it."""

    started: float
    method: str
    params: dict[str, str]
    status: int
    fault: str | None
    user_agent: str

    @property
    def id_list(self) -> list[str]:
        return [i for i in self.params.get("id_list", "").split(",") if i]


def _fold(text: str, width: int = 70) -> str:
    """Fold a long title the way older answers did (``...Efficient\\n  Evaluation``)."""
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text if cut <= 0 else f"{text[:cut]}\n  {text[cut + 1 :]}"


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", text.lower())


class Query:
    """A tiny evaluator of ``search_query``: field:term or field:"phrase", with AND, OR,
    ANDNOT and parentheses; fields ti, au, abs, cat, all."""

    _TOKEN = re.compile(r'\(|\)|\b(?:AND|OR|ANDNOT)\b|\w+:"[^"]*"|\w+:\S+?(?=\)|\s|$)|"[^"]*"|\S+')

    def __init__(self, text: str) -> None:
        self.tokens = self._TOKEN.findall(text)
        self.pos = 0

    def matcher(self) -> Any:
        """A predicate over records: True for a record the query matches."""
        return self._or()

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "OR":
            self.pos += 1
            right = self._and()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def _and(self) -> Any:
        left = self._atom()
        while self._peek() in ("AND", "ANDNOT"):
            op = self.tokens[self.pos]
            self.pos += 1
            right = self._atom()
            if op == "AND":
                left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
            else:
                left = (lambda a, b: lambda r: a(r) and not b(r))(left, right)
        return left

    def _atom(self) -> Any:
        token = self._peek()
        self.pos += 1
        if token == "(":
            inner = self._or()
            if self._peek() == ")":
                self.pos += 1
            return inner
        if token is None:
            return lambda r: False
        fld, _, value = token.partition(":") if ":" in token else ("all", "", token)
        phrase = _words(value.strip('"'))

        def fields_of(record: dict[str, Any]) -> list[str]:
            if fld == "ti":
                return [record["title"]]
            if fld == "au":
                return list(record["authors"])
            if fld == "abs":
                return [record.get("summary") or ""]
            if fld == "cat":
                return list(record.get("categories") or [])
            return [record["title"], record.get("summary") or "", *record["authors"]]

        def match(record: dict[str, Any]) -> bool:
            for text in fields_of(record):
                words = _words(text)
                n = len(phrase)
                if n and any(words[i : i + n] == phrase for i in range(len(words) - n + 1)):
                    return True
            return False

        return match


class FakeArxiv:
    """The stand-in server; use as a context manager or call ``start``/``stop``."""

    def __init__(
        self,
        records: Iterable[dict[str, Any]] | None = None,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.records: dict[str, dict[str, Any]] = {
            r["id"]: r for r in (load_records() if records is None else records)
        }
        self.faults = faults or Faults()
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/query"

    def start(self) -> FakeArxiv:
        # The poll interval is how long ``stop`` waits for the loop to notice: tests start
        # and stop a stand-in hundreds of times.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeArxiv:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_version(self, arxiv_id: str, date: str, **changes: Any) -> None:
        """Publish a new version of a paper, optionally changing its fields."""
        with self._lock:
            record = self.records[arxiv_id]
            versions = list(record["versions"])
            versions.append({"v": len(versions) + 1, "date": date})
            self.records[arxiv_id] = {**record, **changes, "versions": versions}

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- answering ---------------------------------------------------------------------

    def answer(self, params: dict[str, str]) -> tuple[int, bytes]:
        """The status and body for a query (before any fault is applied)."""
        id_tokens = [t for t in params.get("id_list", "").split(",") if t]
        for token in id_tokens:
            if not _ID_SHAPE.fullmatch(token) or token in self.faults.bad_ids:
                return 400, _error_feed(token)
        start = int(params.get("start", "0") or 0)
        max_results = min(int(params.get("max_results", "10") or 10), 2000)
        query = params.get("search_query", "").strip()
        with self._lock:
            if id_tokens:
                chosen = []
                for token in id_tokens:
                    base, version = _split_version(token)
                    record = self.records.get(base)
                    if record is not None and (
                        version is None or version <= len(record["versions"])
                    ):
                        chosen.append((record, version))
                total = len(id_tokens)
            else:
                chosen = [(r, None) for r in self.records.values()]
                total = 0
            if query:
                match = Query(query).matcher()
                chosen = [(r, v) for r, v in chosen if match(r)]
                total = len(chosen)
            if not id_tokens and not query:
                chosen, total = [], 0
        chosen.sort(key=lambda rv: hashlib.sha1(rv[0]["id"].encode()).hexdigest())
        page = chosen[start : start + max_results]
        return 200, _feed(params, page, total, start, max_results)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm the body waits
            # for the client's delayed ACK, 40 ms on every answer.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve(urlsplit(self.path).query)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(self.rfile.read(length).decode("utf-8", "replace"))

            def _serve(self, query: str) -> None:
                started = time.monotonic()
                if urlsplit(self.path).path != "/api/query":
                    self._send(404, b"not found", None)
                    return
                params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
                with fake._lock:
                    number = len(fake.log) + 1
                    fault = fake.faults.next_fault(number)
                status, body = fake.answer(params)
                status, body, headers = _apply_fault(fault, status, body, fake.faults)
                with fake._lock:
                    fake.log.append(
                        LoggedRequest(
                            started,
                            self.command,
                            params,
                            status,
                            fault,
                            self.headers.get("User-Agent", ""),
                        )
                    )
                if fault == "slow":
                    time.sleep(fake.faults.slow_seconds)
                if fault in ("huge", "hang_body"):
                    self._stream(fault, body, fake.faults)
                    return
                if fault in ("stall", "cut"):
                    self._break_off(fault, body, fake.faults)
                    return
                self._send(status, body, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _break_off(self, fault: str, body: bytes, faults: Faults) -> None:
                """Half of the body announced in full, then silence (stall) or a close (cut)."""
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    if fault == "stall":
                        time.sleep(faults.slow_seconds)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def _stream(self, fault: str, body: bytes, faults: Faults) -> None:
                """A body with no Content-Length: endless padding, or a trickle."""
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(body[:200])
                    if fault == "huge":
                        chunk = b"<!-- " + b"x" * (1024 * 1024) + b" -->"
                        for _ in range(faults.huge_bytes // len(chunk) + 1):
                            self.wfile.write(chunk)
                    else:
                        for _ in range(int(faults.slow_seconds * 10)):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(0.1)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        return Handler


def _split_version(token: str) -> tuple[str, int | None]:
    m = re.fullmatch(r"(.+?)(?:v(\d+))?", token)
    assert m is not None
    return m[1], int(m[2]) if m[2] else None


def _apply_fault(
    fault: str | None, status: int, body: bytes, faults: Faults
) -> tuple[int, bytes, dict[str, str]]:
    retry = {"Retry-After": faults.retry_after} if faults.retry_after is not None else {}
    if fault == "400":
        return 400, _error_feed("query"), {}
    if fault in ("429", "lockout"):
        return 429, b"Rate exceeded.", retry
    if fault == "503":
        return 503, b"Service Unavailable", retry
    if fault == "500":
        return 500, b"Internal Server Error", {}
    if status != 200:
        return status, body, {}
    if fault == "empty":
        return (
            200,
            re.sub(rb"<entry>.*</entry>\s*", b"", body, flags=re.S).replace(
                re.search(rb"<opensearch:totalResults>\d+", body).group(0),  # type: ignore[union-attr]
                b"<opensearch:totalResults>0",
            ),
            {},
        )
    if fault == "partial":
        return 200, re.sub(rb"<entry>.*?</entry>\s*", b"", body, count=1, flags=re.S), {}
    if fault == "truncated":
        return 200, body[: max(200, len(body) * 2 // 3)], {}
    if fault == "bomb":
        bomb = (
            b'<?xml version="1.0"?>\n<!DOCTYPE feed [\n<!ENTITY a "aaaaaaaaaa">\n'
            + b"".join(
                b'<!ENTITY %s "%s">\n'
                % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10)
                for i in range(9)
            )
            + b']>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>&j;</title></feed>\n'
        )
        return 200, bomb, {}
    if fault == "bad_entry_id":
        return (
            200,
            re.sub(
                rb"<id>http://arxiv.org/abs/[^<]+</id>",
                b"<id>http://arxiv.org/abs/not-an-id-v1</id>",
                body,
                count=1,
            ),
            {},
        )
    if fault == "bad_utf8":
        return 200, body.replace(b"<title>", b"<title>\xff\xfe", 2), {}
    return status, body, {}


def _error_feed(token: str) -> bytes:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <updated>2026-04-12T22:59:06Z</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>https://arxiv.org/api/errors#incorrect_id_format_for_{escape(token)}</id>
    <title>Error</title>
    <updated>2026-04-12T22:59:06Z</updated>
    <link href="https://arxiv.org/api/errors#incorrect_id_format_for_{escape(token)}" rel="alternate" type="text/html"/>
    <summary>incorrect id format for {escape(token)}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
""".encode()


def _entry(record: dict[str, Any], version: int | None) -> Iterator[str]:
    versions = record["versions"]
    v = version or len(versions)
    vid = f"{record['id']}v{v}"
    yield "  <entry>"
    yield f"    <id>http://arxiv.org/abs/{vid}</id>"
    yield f"    <title>{escape(_fold(record['title']))}</title>"
    yield f"    <updated>{versions[v - 1]['date']}</updated>"
    yield f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>'
    yield f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>'
    if record.get("doi"):
        yield (
            f'    <link href="https://doi.org/{escape(record["doi"])}" rel="related" title="doi"/>'
        )
    yield f"    <summary>{escape(record.get('summary') or '')}</summary>"
    for category in record.get("categories") or []:
        yield f'    <category term={quoteattr(category)} scheme="http://arxiv.org/schemas/atom"/>'
    yield f"    <published>{versions[0]['date']}</published>"
    if record.get("comment"):
        yield f"    <arxiv:comment>{escape(record['comment'])}</arxiv:comment>"
    yield f"    <arxiv:primary_category term={quoteattr(record.get('primary_category') or '')}/>"
    if record.get("journal_ref"):
        yield f"    <arxiv:journal_ref>{escape(record['journal_ref'])}</arxiv:journal_ref>"
    for author in record["authors"]:
        yield f"    <author>\n      <name>{escape(author)}</name>\n    </author>"
    if record.get("doi"):
        yield f"    <arxiv:doi>{escape(record['doi'])}</arxiv:doi>"
    yield "  </entry>"


def _feed(
    params: dict[str, str],
    page: list[tuple[dict[str, Any], int | None]],
    total: int,
    start: int,
    max_results: int,
) -> bytes:
    query = escape(
        f"search_query={params.get('search_query', '')}&id_list={params.get('id_list', '')}"
        f"&start={start}&max_results={max_results}"
    )
    feed_id = hashlib.sha1(query.encode()).hexdigest()[:27]
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>https://arxiv.org/api/{feed_id}</id>",
        f"  <title>arXiv Query: {query}</title>",
        "  <updated>2026-04-12T22:09:26Z</updated>",
        f"  <link href={quoteattr('https://arxiv.org/api/query?' + query)} "
        'type="application/atom+xml"/>',
        f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
    ]
    for record, version in page:
        lines.extend(_entry(record, version))
    lines.append("</feed>\n")
    return "\n".join(lines).encode("utf-8")
