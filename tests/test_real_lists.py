"""The five real lists, run end to end against the stand-in: title searches ask with real
titles, few requests, and only for papers."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import RunConfig
from pipeline.refresh import run
from standin import FakeArxiv
from tests.conftest import ROOT

REAL = ROOT.parent / "shared" / "lists" / "real"
LISTS = sorted(REAL.glob("*.md")) if REAL.is_dir() else []
GENERIC = {"paper", "pdf", "arxiv", "link", "code", "cvpr", "iccv", "eccv", "nips", "iclr", "icml"}


@pytest.mark.skipif(not LISTS, reason=f"the real lists are not in {REAL}")
@pytest.mark.parametrize("path", [p for p in LISTS if p.name != "SOURCES.md"], ids=lambda p: p.stem)
def test_title_searches_use_real_titles_of_papers_five_or_more_to_a_request(
    path: Path, tmp_path: Path
) -> None:
    with FakeArxiv() as api:
        result = run(
            RunConfig(
                lists=(path,),
                out_dir=tmp_path / "out",
                cache_path=tmp_path / "cache.sqlite",
                api_url=api.url,
                delay=0.0,
            )
        )
        searches = [r.params["search_query"] for r in api.log if r.params.get("search_query")]
    assert result.exit_code == 0, result.summary
    entries = pq.read_table(tmp_path / "out" / "entries.parquet").to_pylist()
    searched = [e for e in entries if e["kind"] == "paper" and not e["arxiv_id"] and e["title"]]
    searched += [e for e in entries if e["id_source"] == "title_search"]
    titles = {" ".join(re.findall(r"\w+", e["title"])) for e in searched}
    asked = [p for q in searches for p in re.findall(r'ti:"([^"]*)"', q)]

    assert set(asked) <= titles  # only titles of paper entries are searched
    assert not {p.lower() for p in asked} & GENERIC
    assert len(searches) <= math.ceil(len(titles) / 5)
    not_papers = [e for e in entries if e["kind"] != "paper"]
    assert all(e["status"] == "not_a_paper" for e in not_papers)
