"""Answers that are not arXiv's, or that arXiv's parser cannot read, never become data:
no id is called invalid by a proxy's 400, no broken answer is cached, and what was
fetched is kept when the run gives up."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.config import RunConfig
from pipeline.records import Exit
from pipeline.refresh import run
from standin import FakeArxiv
from tests.conftest import SEED_LIST


class EverythingIs400(FakeArxiv):
    """A proxy or firewall in front of the API that refuses every query with its own page."""

    def answer(self, params: dict[str, str]) -> tuple[int, bytes]:
        super().answer(params)  # logged like any request
        return 400, b"<html><body>Request blocked</body></html>"


class BrokenDates(FakeArxiv):
    """Answers whose entries for one paper carry a date no parser can read."""

    broken = "1510.00149"  # asked second: batches go in id order

    def answer(self, params: dict[str, str]) -> tuple[int, bytes]:
        status, body = super().answer(params)
        if self.broken.encode() in body:
            body = re.sub(
                rb"<published>[^<]*</published>", b"<published>not-a-date</published>", body
            )
        return status, body


def _config(api: FakeArxiv, tmp_path: Path, lst: Path = SEED_LIST, **changes: object) -> RunConfig:
    settings: dict[str, object] = {
        "lists": (lst,),
        "out_dir": tmp_path / "out",
        "cache_path": tmp_path / "cache.sqlite",
        "api_url": api.url,
        "delay": 0.0,
        "max_retries": 2,
        **changes,
    }
    return RunConfig(**settings)  # type: ignore[arg-type]


def test_a_400_that_is_not_arxivs_error_feed_marks_no_id_invalid(tmp_path: Path) -> None:
    with EverythingIs400() as api:
        result = run(_config(api, tmp_path))
        asked = len(api.log)
    assert result.exit_code == Exit.FATAL  # no answer at all: nothing written
    assert "HTTP 400" in result.summary and "nothing written" in result.summary
    assert asked == 3  # the first request and its two retries; no splitting
    assert not (tmp_path / "out" / "entries.parquet").exists()


def _two_papers(tmp_path: Path) -> Path:
    path = tmp_path / "two.md"
    path.write_text(
        "- [Distilling](https://arxiv.org/abs/1503.02531)\n"
        "- [Deep Compression](https://arxiv.org/abs/1510.00149)\n",
        encoding="utf-8",
    )
    return path


def test_an_answer_with_an_unreadable_date_is_retried_never_cached_and_the_rest_kept(
    tmp_path: Path,
) -> None:
    lst = _two_papers(tmp_path)
    with BrokenDates() as api:
        result = run(_config(api, tmp_path, lst, batch_size=1))
        first_run = len(api.log)
        assert result.exit_code == Exit.PARTIAL
        assert "not-a-date" in result.summary
        entries = pq.read_table(tmp_path / "out" / "entries.parquet").to_pylist()
        status = {e["arxiv_id"]: e["status"] for e in entries}
        assert status == {"1503.02531": "enriched", "1510.00149": "failed"}

        again = run(_config(api, tmp_path, lst, batch_size=1))
        # The broken answer was not cached: the next run asks for that paper again.
        assert [r.id_list for r in api.log[first_run:]] == [["1510.00149"]] * 3
        assert again.exit_code == Exit.FATAL  # no usable answer at all this time
        assert "no usable answer" in again.summary and "nothing written" in again.summary
