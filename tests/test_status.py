"""``status``: what the last run did, and what the next one would ask, which the next run
then does."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from standin import FakeArxiv, Faults
from tests.conftest import cli, fast_run_args


def write_list(path: Path, ids: list[str], titles: list[str]) -> Path:
    lines = [f"- [Paper {i}](https://arxiv.org/abs/{i})" for i in ids]
    lines += [f"- [{t}](http://example.org/{n}.pdf)" for n, t in enumerate(titles)]
    path.write_text("# Papers\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def status(out: Path, *args: str) -> dict[str, Any]:
    done = cli(["status", "--out", str(out), "--format", "json", *args])
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


# Ids the stand-in knows (standin/papers.jsonl), and titles it has no paper for.
IDS = ["1503.02531", "1510.00149", "1506.02626", "1412.6550", "1602.07360"]
TITLES = [f"A paper no archive has, number {n}" for n in range(7)]


def test_before_any_run_every_id_is_new_and_the_count_of_requests_is_what_run_sends(
    api: FakeArxiv, tmp_path: Path
) -> None:
    lst = write_list(tmp_path / "list.md", IDS, TITLES)
    out = tmp_path / "out"
    said = status(out, str(lst), "--batch-size", "2", "--delay", "3")
    assert said["last_run"] is None
    coming = said["next_run"]
    assert (coming["new"], coming["stale"], coming["pending"]) == (5, 0, 0)
    assert coming["title_searches"] == 7
    assert coming["requests"] == 3 + 1  # 5 ids by 2, 7 titles by 10
    assert coming["seconds"] == 3 * 3
    assert not out.exists()  # status writes nothing

    done = cli([*fast_run_args(api, out, tmp_path / "c.sqlite", lst), "--batch-size", "2"])
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    # An empty answer to a title search is asked once more: the stand-in finds none.
    title_retries = 1
    assert manifest["requests"]["sent"] == coming["requests"] + title_retries


def test_after_a_run_nothing_is_due_until_max_age_and_everything_after(
    api: FakeArxiv, tmp_path: Path
) -> None:
    lst = write_list(tmp_path / "list.md", IDS, TITLES[:1])
    out = tmp_path / "out"
    assert cli(fast_run_args(api, out, tmp_path / "c.sqlite", lst)).returncode == 0
    said = status(out, str(lst))
    assert said["last_run"]["complete"] is True and said["last_run"]["exit_code"] == 0
    assert said["last_run"]["pending_ids"] == []
    coming = said["next_run"]
    assert (coming["new"], coming["stale"], coming["title_searches"], coming["requests"]) == (
        0,
        0,
        0,
        0,
    )
    assert coming["next_due"] is not None
    assert coming["lists"] == [str(lst)]  # the last run's lists, when none is named

    stale = status(out, "--max-age", "0")["next_run"]
    assert (stale["new"], stale["stale"], stale["title_searches"], stale["requests"]) == (
        0,
        5,
        1,
        2,
    )

    grown = write_list(tmp_path / "list.md", [*IDS, "1608.08710"], TITLES[:1])
    assert status(out, str(grown))["next_run"]["new"] == 1


def test_after_a_partial_run_the_pending_ids_are_said_and_counted(tmp_path: Path) -> None:
    lst = write_list(tmp_path / "list.md", IDS, [])
    out = tmp_path / "out"
    with FakeArxiv(faults=Faults(lockout_after=1, retry_after="100000")) as api:
        args = fast_run_args(api, out, tmp_path / "c.sqlite", lst)
        assert cli([*args, "--batch-size", "2", "--max-retries", "0"]).returncode == 3
    said = status(out, "--batch-size", "2")
    last = said["last_run"]
    assert (last["complete"], last["exit_code"]) == (False, 3)
    assert len(last["pending_ids"]) == 3 and set(last["pending_ids"]) < set(IDS)
    coming = said["next_run"]
    assert (coming["new"], coming["stale"], coming["pending"], coming["requests"]) == (0, 0, 3, 2)

    text = cli(["status", "--out", str(out)])
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert "incomplete" in lines[0] and "exit code 3" in lines[0]
    assert lines[1] == f"pending ids: {', '.join(last['pending_ids'])}"
    assert lines[2].startswith("next run: 3 ids to fetch (0 new, 0 stale, 3 pending)")


def test_the_text_says_requests_and_time_at_the_delay(tmp_path: Path) -> None:
    lst = write_list(tmp_path / "list.md", [f"1501.{n:05d}" for n in range(1, 251)], [])
    args = ["status", str(lst), "--out", str(tmp_path / "out"), "--delay", "3"]
    done = cli([*args, "--batch-size", "100"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "last run: none in this directory",
        "next run: 250 ids to fetch (250 new, 0 stale, 0 pending) and 0 title searches: "
        "3 requests, at least 6 s at --delay 3 (less for answers in the cache)",
    ]
    # By default a request holds as many ids as its GET URL can: 250 short ids fit in one.
    filled = cli(args)
    assert filled.stdout.splitlines()[1].endswith(
        "0 title searches: 1 request, at least 0 s at --delay 3 (less for answers in the cache)"
    )


def test_bad_input_is_a_usage_error(tmp_path: Path) -> None:
    assert cli(["status", "--format", "yaml"]).returncode == 2
    assert cli(["status", "--batch-size", "-1"]).returncode == 2
    missing = cli(["status", str(tmp_path / "no.md"), "--out", str(tmp_path)])
    assert missing.returncode == 2 and "no.md: no such file" in missing.stderr
    (tmp_path / "file").write_text("")
    not_a_dir = cli(["status", "--out", str(tmp_path / "file")])
    assert not_a_dir.returncode == 2 and "not the output directory" in not_a_dir.stderr


def test_the_title_searches_per_request_are_the_clients() -> None:
    from pipeline.api.client import ArxivFetcher
    from pipeline.config import TITLES_PER_QUERY

    default = inspect.signature(ArxivFetcher.search_titles).parameters["per_query"].default
    assert default == TITLES_PER_QUERY
