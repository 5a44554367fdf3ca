"""What to do after an answer: use it, wait and retry, split the batch, or give up.

``decide`` is a pure function of what happened, so every rule of the API's failures is
stated, and tested, in one place; the client only executes its decision.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.config import RunConfig

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: retries per request, and how long one wait may be."""

    max_retries: int = RunConfig.max_retries
    """Retries of one request before the run stops asking."""
    backoff_base: float = RunConfig.delay
    """The first wait; each retry doubles it."""
    max_wait: float = RunConfig.max_wait
    """Longest single wait; a longer ``Retry-After`` is a lockout."""

    def wait_before_retry(
        self, attempt: int, retry_after: float | None, rng: random.Random
    ) -> float:
        """Exponential backoff, jittered to 50-100%, never shorter than ``Retry-After``."""
        backoff = min(self.max_wait, self.backoff_base * 2.0 ** (attempt - 1))
        wait = backoff * rng.uniform(0.5, 1.0)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_wait)


@dataclass(frozen=True)
class Outcome:
    """What one request came to, as ``decide`` needs it."""

    problem: str | None = None
    """Why the answer cannot be used (None: it can)."""
    status: int | None = None
    """The HTTP status, when there was an answer."""
    refused_query: bool = False
    """arXiv answered with its own error feed: the query (an id in it) was refused."""
    fatal: str | None = None
    """A failure that no retry can fix (the host does not resolve)."""
    retry_after: float | None = None


@dataclass(frozen=True)
class Use:
    """The answer is good."""


@dataclass(frozen=True)
class Split:
    """arXiv refused the query: an id in it is malformed; isolate it."""


@dataclass(frozen=True)
class Retry:
    wait: float
    reason: str


@dataclass(frozen=True)
class GiveUp:
    reason: str


Decision = Use | Split | Retry | GiveUp


def decide(outcome: Outcome, attempt: int, policy: RetryPolicy, rng: random.Random) -> Decision:
    """The next step after ``attempt`` (1 for the first request) came to ``outcome``."""
    if outcome.fatal is not None:
        return GiveUp(outcome.fatal)
    if outcome.refused_query:
        # Only arXiv's own error feed says an id is bad: a 400 from a proxy or a firewall
        # in front of it says nothing about the ids.
        return Split()
    if outcome.problem is None:
        return Use()
    status = outcome.status
    if status is not None and status != 200 and status not in RETRYABLE_STATUSES | {400}:
        return GiveUp(f"the API answered HTTP {status}")
    if outcome.retry_after is not None and outcome.retry_after > policy.max_wait:
        return GiveUp(
            f"{outcome.problem}; the API asks to wait {outcome.retry_after:.0f} s (over --max-wait)"
        )
    if attempt > policy.max_retries:
        return GiveUp(f"{outcome.problem}, still after {policy.max_retries} retries")
    wait = policy.wait_before_retry(attempt, outcome.retry_after, rng)
    return Retry(wait, outcome.problem)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` of a 429/503 answer in seconds (only the delta form is used)."""
    value = str(headers.get("Retry-After", "")).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class Evidence:
    """Decides when an id that answers keep lacking is really unknown to arXiv.

    A flaky empty answer must never turn a real paper into ``not_found``, while an id
    that does not exist should not cost more than a few requests: an id is declared not
    found after two non-empty answers lacked it, or one non-empty and two empty ones, or
    more empty ones than the retry budget allows.
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
