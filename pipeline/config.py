"""How a run is configured: every setting's default, bounds and meaning, declared once.

``RunConfig`` is what the library takes. Each tuning setting is a ``Tuning`` in its field's
metadata: the command line builds its options from these declarations, ``--help`` and the
README's option table show the same text, and a test checks that the README agrees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
"""The real endpoint; the tests and the demo point ``api_url`` at the local stand-in."""

DEFAULT_OUT = Path("data/enriched")
DEFAULT_CACHE = Path("data/cache/arxiv-http.sqlite")
RAW_DIR = Path("data/raw")

TITLES_PER_QUERY = 10
"""Titles searched in one query. An empty answer is asked twice before it is believed (the
API's flaky empty feed), so ten to a query keeps it within one request per five titles."""

ARXIV_HOSTS = frozenset({"export.arxiv.org", "arxiv.org", "www.arxiv.org"})
ARXIV_MIN_DELAY = 3.0
"""arXiv's terms of use: no more than one request every three seconds."""


@dataclass(frozen=True)
class Tuning:
    """A tuning setting as the command line offers it: option, bounds, default and help."""

    option: str
    metavar: str
    kind: type[int] | type[float]
    low: float
    high: float | None
    default: float
    help: str
    to_config: Callable[[float], Any] = lambda value: value
    """Turns the option's value into the config's (days into a ``timedelta``)."""

    def default_text(self) -> str:
        return f"{self.default:g}"


def _tuning(**kwargs: Any) -> Any:
    """A ``RunConfig`` field whose default comes from its ``Tuning``."""
    tuning = Tuning(**kwargs)
    return field(default=tuning.to_config(tuning.default), metadata={"tuning": tuning})


def _days(value: float) -> timedelta:
    return timedelta(days=value)


@dataclass(frozen=True)
class RunConfig:
    """How to run: the lists to read, where to write, and how to talk to arXiv."""

    lists: tuple[Path, ...]
    """The Markdown lists to read, in order."""
    out_dir: Path = DEFAULT_OUT
    """The output directory: dataset, manifest, reports and the lock."""
    cache_path: Path | None = DEFAULT_CACHE
    """The HTTP cache (SQLite); None keeps answers in memory for this run only."""
    api_url: str = DEFAULT_API_URL
    """The arXiv query API."""
    delay: float = _tuning(
        option="--delay",
        metavar="SECONDS",
        kind=float,
        low=0,
        high=None,
        default=ARXIV_MIN_DELAY,
        help="least time between the starts of two requests that reach the network "
        "(arXiv's terms of use); answers from the cache are not delayed",
    )
    """Least seconds between the starts of two network requests."""
    batch_size: int = _tuning(
        option="--batch-size",
        metavar="N",
        kind=int,
        low=0,
        high=2000,
        default=0,
        help="ids per request, 1 to 2000 (arXiv's page limit); `0` asks as many as fit "
        "in a GET URL of 4,000 bytes (about 300), the most arXiv's cache keeps; a fixed "
        "size too long for a URL is sent as a form POST",
    )
    """arXiv ids asked in one request; 0: as many as keep the GET URL within its limit."""
    timeout: float = _tuning(
        option="--timeout",
        metavar="SECONDS",
        kind=float,
        low=0.1,
        high=None,
        default=30.0,
        help="limit for one request, connection and whole body",
    )
    """Seconds one whole request may take."""
    max_retries: int = _tuning(
        option="--max-retries",
        metavar="N",
        kind=int,
        low=0,
        high=100,
        default=5,
        help="retries of one request (HTTP 429, 500, 502, 503, 504, timeouts, dropped "
        "connections, broken answers) before giving up",
    )
    """Retries of one request before the run stops asking."""
    max_wait: float = _tuning(
        option="--max-wait",
        metavar="SECONDS",
        kind=float,
        low=0,
        high=None,
        default=300.0,
        help="longest single wait before a retry; a longer `Retry-After` is a lockout: "
        "the run stops asking",
    )
    """Longest single wait before a retry."""
    max_age: timedelta = _tuning(
        option="--max-age",
        metavar="DAYS",
        kind=float,
        low=0,
        high=36500,
        default=7.0,
        to_config=_days,
        help="papers fetched less than this long ago are kept without asking arXiv, and "
        "the HTTP cache forgets older answers; `0` asks everything anew, replacing only "
        "those answers in the cache",
    )
    """How old a paper's data may be before it is asked again."""
    wait_for_lock: bool = False
    """Wait for another run on the same output directory instead of failing at once."""
    pull: bool = False
    """First pull every list of ``raw_dir`` that has a recorded source (``pull``); a list
    whose source fails is read from its last copy, and the run says so (exit 5)."""
    raw_dir: Path = RAW_DIR
    """Where pulled lists and their source records are."""
    contact: str | None = None
    """An e-mail address for the User-Agent, as arXiv asks of automated clients."""

    def warnings(self) -> list[str]:
        """Settings that are allowed but that a person should hear about."""
        said = []
        if urlsplit(self.api_url).hostname in ARXIV_HOSTS and self.delay < ARXIV_MIN_DELAY:
            said.append(
                f"--delay {self.delay:g} is below the {ARXIV_MIN_DELAY:g} s between requests "
                "that arXiv's terms of use ask for; expect HTTP 429 and lockouts"
            )
        return said


def tunings() -> Iterator[tuple[str, Tuning]]:
    """The tuning settings of ``RunConfig``: field name and declaration, in order."""
    for f in fields(RunConfig):
        if "tuning" in f.metadata:
            yield f.name, f.metadata["tuning"]
