"""pipeline.api.transport: pacing, the cache, the User-Agent, POST for long URLs, and the guards."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from pipeline.api.answers import asked_ids, read_answer, vet
from pipeline.api.feed import BrokenAnswer
from pipeline.api.transport import (
    ApiSession,
    MalformedAnswer,
    Pacer,
    SessionSettings,
    user_agent,
)
from standin import FakeArxiv, Faults

KNOWN = ["1404.0736", "1412.6550", "1503.02531", "1506.02626", "1510.00149", "1602.07360"]
MiB = 1024 * 1024


def session(tmp_path: Path, **changes: Any) -> ApiSession:
    """A session on a fresh cache in tmp_path, unpaced unless asked."""
    settings = SessionSettings(cache_path=tmp_path / "c.sqlite", delay=0.0, timeout=5.0)
    return ApiSession(dataclasses.replace(settings, **changes), vet=vet)


def query(api: FakeArxiv, *ids: str) -> str:
    return f"{api.url}?id_list={','.join(ids)}&max_results={len(ids)}"


# -- Pacer ---------------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that only moves when slept on or advanced."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacer_spaces_request_starts_by_exactly_the_delay() -> None:
    clock = FakeClock()
    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        pacer.wait_for_turn()
        starts.append(clock.now)
    assert clock.sleeps == [3.0, 3.0, 3.0]
    assert [b - a for a, b in itertools.pairwise(starts)] == [3.0, 3.0, 3.0]
    assert pacer.requests_started == 4


def test_pacer_waits_only_for_what_is_left_of_the_delay() -> None:
    clock = FakeClock()
    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep)
    pacer.wait_for_turn()
    assert clock.sleeps == []  # the first request never waits
    clock.now += 1.0
    pacer.wait_for_turn()
    assert clock.sleeps == [2.0]
    clock.now += 10.0
    pacer.wait_for_turn()
    assert clock.sleeps == [2.0]  # the delay had passed already


def test_pacer_with_no_delay_never_sleeps() -> None:
    clock = FakeClock()
    pacer = Pacer(0.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        pacer.wait_for_turn()
    assert clock.sleeps == []
    assert pacer.requests_started == 3


def test_pacer_spaces_threads_too() -> None:
    pacer = Pacer(0.1)
    starts: list[float] = []

    def go() -> None:
        pacer.wait_for_turn()
        starts.append(time.monotonic())

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    # Each start is read just after the lock is released, so allow a little jitter.
    assert all(b - a >= 0.08 for a, b in itertools.pairwise(starts)), starts


def test_network_requests_reach_the_api_spaced_by_the_delay(
    arxiv_api: FakeArxiv, tmp_path: Path
) -> None:
    delay = 0.2
    s = session(tmp_path, delay=delay)
    for arxiv_id in KNOWN[:3]:
        assert s.get(query(arxiv_api, arxiv_id)).status_code == 200
    starts = [r.started for r in arxiv_api.log]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(gaps) == 2
    # LoggedRequest.started is time.monotonic() of this process, taken by the stand-in a
    # little after the pacer's start: the time to connect and reach the handler varies by
    # some ms from one request to the next, hence the slack. Unpaced, the gaps are ~1 ms.
    assert all(delay - 0.05 <= gap < delay + 0.5 for gap in gaps), gaps
    assert s.requests_sent == 3


def test_a_cached_answer_is_neither_sent_nor_paced(api: FakeArxiv, tmp_path: Path) -> None:
    s = session(tmp_path, delay=2.0)
    url = query(api, "1503.02531", "1404.0736")
    first = s.get(url)
    assert first.status_code == 200
    assert not first.from_cache
    assert s.requests_sent == 1

    started = time.monotonic()
    second = s.get(url)
    assert time.monotonic() - started < 0.5  # a paced request would wait 2 s
    assert second.from_cache
    assert second.content == first.content
    assert s.requests_sent == 1
    assert s.answers_from_cache == 1
    assert len(api.log) == 1


def test_the_cache_outlives_the_session(api: FakeArxiv, tmp_path: Path) -> None:
    url = query(api, "1503.02531")
    session(tmp_path).get(url)
    again = session(tmp_path)
    assert again.get(url).from_cache
    assert again.requests_sent == 0
    assert len(api.log) == 1


# -- User-Agent and POST ---------------------------------------------------------------------


def test_user_agent_names_the_tool_and_the_contact() -> None:
    agent = user_agent("me@example.org")
    assert agent.startswith("arxiv-enrich/")
    assert "mailto:me@example.org" in agent
    assert "mailto" not in user_agent(None)
    assert user_agent(None).startswith("arxiv-enrich/")


def test_requests_carry_our_user_agent_over_the_callers(api: FakeArxiv, tmp_path: Path) -> None:
    s = session(tmp_path, contact="me@example.org")
    s.get(query(api, "1503.02531"), headers={"user-agent": "arxiv.py/2.2.0"})
    [logged] = api.log
    assert logged.user_agent == user_agent("me@example.org")
    assert "arxiv-enrich" in logged.user_agent
    assert "me@example.org" in logged.user_agent


def test_a_get_over_the_url_limit_goes_as_a_form_post(api: FakeArxiv, tmp_path: Path) -> None:
    s = session(tmp_path, max_url_length=100)
    short = query(api, "1503.02531")
    long = query(api, *KNOWN)
    assert len(short) <= 100 < len(long)

    assert s.get(short).status_code == 200
    answer = s.get(long)
    assert answer.status_code == 200
    assert vet(answer) is None  # every asked id is in the answer
    assert [(r.method, r.id_list) for r in api.log] == [
        ("GET", ["1503.02531"]),
        ("POST", KNOWN),
    ]
    assert answer.request.method == "POST"
    assert isinstance(answer.request, requests.PreparedRequest)
    assert asked_ids(answer.request) == KNOWN

    assert s.get(long).from_cache  # a POST answer is cached like any other
    assert len(api.log) == 2


# -- vet on answers built here ---------------------------------------


def fake_response(
    body: bytes, status: int = 200, ids: tuple[str, ...] = ("1503.02531",), post: bool = False
) -> requests.Response:
    params = f"id_list={','.join(ids)}&max_results=10"
    url = "http://127.0.0.1:9/api/query"
    if post:
        request = requests.Request("POST", url, data=params).prepare()
    else:
        request = requests.Request("GET", f"{url}?{params}").prepare()
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.request = request
    return response


def feed(api: FakeArxiv, *ids: str) -> bytes:
    status, body = api.answer({"id_list": ",".join(ids), "max_results": "10"})
    assert status == 200
    return body


def test_a_whole_feed_with_every_asked_id_passes(api: FakeArxiv) -> None:
    body = feed(api, "1503.02531", "1404.0736")
    for response in (
        fake_response(body, ids=("1503.02531", "1404.0736")),
        fake_response(body, ids=("1503.02531v1", "1404.0736")),  # versions are matched
        fake_response(body, ids=("1404.0736", "1503.02531"), post=True),
    ):
        assert vet(response) is None


def test_asked_ids_are_read_from_the_url_or_the_post_body() -> None:
    assert asked_ids(fake_response(b"", ids=("a", "b")).request) == ["a", "b"]
    assert asked_ids(fake_response(b"", ids=("c",), post=True).request) == ["c"]


BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE feed [\n<!ENTITY a "aaaaaaaaaa">\n'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n'
    b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">\n'
    b']>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>&d;</title></feed>\n'
)


@pytest.mark.parametrize(
    ("make_body", "status", "problem", "malformed"),
    [
        (lambda body: body, 503, "HTTP 503", False),
        (lambda body: body, 429, "HTTP 429", False),
        (lambda body: body[: len(body) * 2 // 3], 200, "not well-formed XML", True),
        (lambda body: b"Rate exceeded.", 200, "not well-formed XML", True),
        (lambda body: b"", 200, "not well-formed XML", True),
        (lambda body: body.replace(b"<title>", b"<title>\xff\xfe", 2), 200, "XML", True),
        (
            lambda body: b'<?xml version="1.0"?>\n<!DOCTYPE feed>\n' + body.split(b"\n", 1)[1],
            200,
            "DOCTYPE",
            True,
        ),
        (lambda body: BOMB, 200, "", True),
        (lambda body: b"<html><body>busy</body></html>", 200, "not an Atom feed", True),
    ],
    ids=[
        "503",
        "429",
        "truncated",
        "not-xml",
        "no-body",
        "bad-utf8",
        "doctype",
        "bomb",
        "html",
    ],
)
def test_bad_answers_are_named_and_never_cacheable(
    api: FakeArxiv,
    make_body: Callable[[bytes], bytes],
    status: int,
    problem: str,
    malformed: bool,
) -> None:
    body = make_body(feed(api, "1503.02531"))
    response = fake_response(body, status=status)
    found = vet(response)
    assert found is not None
    assert problem in found
    assert isinstance(read_answer(response), BrokenAnswer) is malformed


def test_an_error_feed_is_not_cacheable_even_with_status_200(api: FakeArxiv) -> None:
    status, body = api.answer({"id_list": "abc"})
    assert status == 400
    assert b"<title>Error</title>" in body
    error_200 = fake_response(body, status=200, ids=("abc",))
    assert vet(error_200) == "the API answered with an error entry"
    assert not isinstance(read_answer(error_200), BrokenAnswer)
    assert vet(fake_response(body, status=400, ids=("abc",))) == "HTTP 400"


def test_an_empty_feed_is_not_cacheable(api: FakeArxiv) -> None:
    body = feed(api, "0000.0000")
    assert b"<entry>" not in body
    response = fake_response(body, ids=("0000.0000",))
    assert vet(response) == "empty feed"
    assert not isinstance(read_answer(response), BrokenAnswer)


def test_an_answer_missing_an_asked_id_is_not_cacheable(api: FakeArxiv) -> None:
    body = feed(api, "1503.02531")
    response = fake_response(body, ids=("1503.02531", "1404.0736", "1707.99999"))
    assert vet(response) == "2 asked-for ids missing"


# -- the same, end to end: a bad answer is never served from the cache -----------------------


@pytest.mark.parametrize(
    ("fault", "raises"),
    [
        ("500", False),
        ("503", False),
        ("429", False),
        ("empty", False),
        ("partial", False),
        ("truncated", True),
        ("bomb", True),
        ("bad_utf8", True),
    ],
)
def test_a_bad_answer_is_asked_again_not_served_from_the_cache(
    api: FakeArxiv, tmp_path: Path, fault: str, raises: bool
) -> None:
    api.faults = Faults(script=[fault])
    s = session(tmp_path)
    url = query(api, "1503.02531", "1404.0736")
    bad = s.get(url)
    assert vet(bad) is not None
    if raises:
        assert bad.status_code == 200 and isinstance(read_answer(bad), BrokenAnswer)

    good = s.get(url)
    assert not good.from_cache
    assert vet(good) is None
    assert [r.fault for r in api.log] == [fault, None]  # two network requests

    assert s.get(url).from_cache  # the good answer is the one that was kept
    assert len(api.log) == 2
    assert s.requests_sent == 2


def test_an_error_feed_is_asked_again_every_time(api: FakeArxiv, tmp_path: Path) -> None:
    api.faults = Faults(bad_ids={"1404.0736"})
    s = session(tmp_path)
    url = query(api, "1503.02531", "1404.0736")
    for _ in range(2):
        answer = s.get(url)
        assert answer.status_code == 400
        assert not answer.from_cache
    assert [r.status for r in api.log] == [400, 400]


# -- the transport's guards -----------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused(api: FakeArxiv, tmp_path: Path) -> None:
    s = session(tmp_path, max_body_bytes=500)
    with pytest.raises(MalformedAnswer, match="over the limit"):
        s.get(query(api, "1503.02531"))


def test_an_endless_body_is_cut_at_the_limit(api: FakeArxiv, tmp_path: Path) -> None:
    api.faults = Faults(script=["huge"], huge_bytes=3 * MiB)
    s = session(tmp_path, max_body_bytes=1 * MiB)
    url = query(api, "1503.02531")
    started = time.monotonic()
    with pytest.raises(MalformedAnswer, match="over the limit"):
        s.get(url)
    assert time.monotonic() - started < 3.0
    # Nothing of it was cached: the next request goes to the network and is whole.
    answer = s.get(url)
    assert not answer.from_cache
    assert vet(answer) is None
    assert len(api.log) == 2


def test_an_answer_whose_headers_are_late_times_out(tmp_path: Path) -> None:
    # A stand-in of its own: its late answer goes to a closed socket after this test.
    with FakeArxiv(faults=Faults(script=["slow"], slow_seconds=0.8)) as api:
        s = session(tmp_path, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            s.get(query(api, "1503.02531"))
        assert time.monotonic() - started < 0.7


def test_a_trickling_body_ends_in_a_timeout_not_an_answer(tmp_path: Path) -> None:
    with FakeArxiv(faults=Faults(script=["hang_body"], slow_seconds=1.5)) as api:
        s = session(tmp_path, timeout=0.3)
        with pytest.raises(requests.Timeout):
            s.get(query(api, "1503.02531"))


def test_a_trickling_body_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    # A byte every 0.1 s: no single read waits for the timeout, the whole answer does.
    with FakeArxiv(faults=Faults(script=["hang_body"], slow_seconds=1.5)) as api:
        s = session(tmp_path, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            s.get(query(api, "1503.02531"))
        assert time.monotonic() - started < 1.0
