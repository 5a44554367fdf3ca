"""pipeline.api.retry: the decision after each answer, backoff, and not-found evidence."""

from __future__ import annotations

import random

import pytest

from pipeline.api.retry import (
    Evidence,
    GiveUp,
    Outcome,
    Retry,
    RetryPolicy,
    Split,
    Use,
    decide,
    retry_after_seconds,
)

POLICY = RetryPolicy(max_retries=2, backoff_base=1.0, max_wait=10.0)


def _decide(outcome: Outcome, attempt: int = 1) -> object:
    return decide(outcome, attempt, POLICY, random.Random(0))


def test_a_good_answer_is_used() -> None:
    assert _decide(Outcome(status=200)) == Use()


def test_only_arxivs_error_feed_splits_a_batch() -> None:
    assert _decide(Outcome("refused: bad id", 400, refused_query=True)) == Split()
    # A 400 from something in front of arXiv says nothing about the ids: retried.
    assert isinstance(_decide(Outcome("HTTP 400", 400)), Retry)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_the_apis_passing_failures_are_retried_then_given_up(status: int) -> None:
    outcome = Outcome(f"HTTP {status}", status)
    first = _decide(outcome, attempt=1)
    assert isinstance(first, Retry) and 0.5 <= first.wait <= 1.0
    assert isinstance(_decide(outcome, attempt=2), Retry)
    given_up = _decide(outcome, attempt=3)
    assert given_up == GiveUp(f"HTTP {status}, still after 2 retries")


def test_an_unexpected_status_gives_up_at_once() -> None:
    assert _decide(Outcome("HTTP 403", 403)) == GiveUp("the API answered HTTP 403")


def test_a_retry_after_over_max_wait_is_a_lockout() -> None:
    decision = _decide(Outcome("HTTP 429", 429, retry_after=7200))
    assert isinstance(decision, GiveUp) and "7200 s (over --max-wait)" in decision.reason


def test_a_retry_after_within_max_wait_is_waited_for() -> None:
    assert _decide(Outcome("HTTP 503", 503, retry_after=8)) == Retry(8, "HTTP 503")


def test_a_host_that_does_not_resolve_is_given_up_at_once() -> None:
    assert _decide(Outcome(fatal="cannot resolve x (no network?)")) == GiveUp(
        "cannot resolve x (no network?)"
    )


def test_broken_answers_and_timeouts_are_retried() -> None:
    assert isinstance(_decide(Outcome("broken answer: not well-formed XML", 200)), Retry)
    assert isinstance(_decide(Outcome("answer took over 5 s")), Retry)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        ("0.5", 0.5),
        (" 30 ", 30.0),
        ("-5", 0.0),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),
        (None, None),
    ],
)
def test_retry_after_seconds(header: str | None, seconds: float | None) -> None:
    headers = {} if header is None else {"Retry-After": header}
    assert retry_after_seconds(headers) == seconds


def test_evidence_two_strong_lacks_settle_an_id() -> None:
    evidence = Evidence(max_retries=5)
    assert evidence.settle(["a", "b"], answer_was_empty=False) == []
    assert evidence.settle(["a"], answer_was_empty=False) == ["a"]
    assert evidence.settle(["b"], answer_was_empty=True) == []


def test_evidence_one_strong_and_two_weak_lacks_settle_an_id() -> None:
    evidence = Evidence(max_retries=5)
    assert evidence.settle(["a"], answer_was_empty=True) == []
    assert evidence.settle(["a"], answer_was_empty=False) == []
    assert evidence.settle(["a"], answer_was_empty=True) == ["a"]


def test_evidence_weak_lacks_alone_settle_only_past_the_retry_budget() -> None:
    evidence = Evidence(max_retries=3)
    for _ in range(3):
        assert evidence.settle(["a"], answer_was_empty=True) == []
    assert evidence.settle(["a"], answer_was_empty=True) == ["a"]


def test_evidence_is_kept_per_id() -> None:
    evidence = Evidence(max_retries=5)
    evidence.settle(["a"], answer_was_empty=False)
    assert evidence.settle(["b"], answer_was_empty=False) == []
    assert evidence.settle(["a", "b"], answer_was_empty=False) == ["a", "b"]
