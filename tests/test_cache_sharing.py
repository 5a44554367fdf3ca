"""Refetching one list (``--max-age 0``) does not destroy the answers other lists rely on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pipeline.config import RunConfig
from pipeline.refresh import run
from standin import FakeArxiv


def _list(path: Path, *ids: str) -> Path:
    path.write_text("".join(f"- [Paper {i}](https://arxiv.org/abs/{i})\n" for i in ids))
    return path


def test_max_age_zero_refreshes_its_own_answers_and_keeps_the_others(tmp_path: Path) -> None:
    first = _list(tmp_path / "first.md", "1503.02531", "1404.0736")
    second = _list(tmp_path / "second.md", "1510.00149")
    cache = tmp_path / "shared.sqlite"

    def config(lst: Path, out: str, max_age: float = 7) -> RunConfig:
        return RunConfig(
            lists=(lst,),
            out_dir=tmp_path / out,
            cache_path=cache,
            api_url=api.url,
            delay=0.0,
            max_age=timedelta(days=max_age),
        )

    with FakeArxiv() as api:
        assert run(config(first, "a")).exit_code == 0
        assert run(config(second, "b")).exit_code == 0
        assert len(api.log) == 2

        refreshed = run(config(first, "a", max_age=0))
        assert refreshed.exit_code == 0
        assert len(api.log) == 3  # asked anew, not served from the cache
        assert [r.id_list for r in api.log[2:]] == [["1404.0736", "1503.02531"]]

        # The other list's answer is still cached: a fresh output directory asks nothing.
        assert run(config(second, "b-again")).exit_code == 0
        # And the refetched answer was stored for later runs too.
        assert run(config(first, "a-again")).exit_code == 0
        assert len(api.log) == 3
