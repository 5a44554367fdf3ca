"""The bench at a tiny size: every measurement runs and gives sane numbers (not speed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.measure import sent_as, synthetic_run
from bench.report import BenchResults, _rounds_note, render, table, targets
from bench.run import collect
from bench.standin import standin_process


@pytest.fixture(scope="module")
def results() -> BenchResults:
    """One bench session over 200 synthetic ids (the first list as always), unprofiled."""
    return collect(sizes=(200,), batch_ids=200, batch_sizes=(0, 100), repeats=1, profile_ids=0)


@pytest.mark.slow  # the bench measures processes of its own
def test_request_comparison(results: BenchResults) -> None:
    comparison = results.requests
    pipeline, one_by_one, together = comparison.rows
    assert comparison.ids_cited > 0
    assert comparison.list_papers >= comparison.ids_cited
    # One request per id for baseline (a); every client got every cited id.
    assert one_by_one.requests == comparison.ids_cited
    assert together.requests >= 1
    for row in comparison.rows:
        assert row.ids_answered == comparison.ids_cited
    assert pipeline.papers == comparison.list_papers
    assert pipeline.requests >= 1


@pytest.mark.slow  # the bench measures processes of its own
def test_warm_and_synthetic_runs(results: BenchResults) -> None:
    warm = results.warm
    assert len(warm.warm_s) == len(warm.floor_s) == 1
    assert warm.warm_requests == 0
    assert warm.ratio > 0
    assert {h.name for h in results.floor_imports} >= {"pandas", "pyarrow"}
    (run,) = results.scale
    # 200 new-style ids fit in one GET URL; batches of 100 take two requests.
    assert (run.ids, run.batch_size, run.requests, run.papers) == (200, 0, 1, 200)
    assert run.cost.exit_code == 0
    assert run.cost.wall_s > 0 and run.cost.cpu_s > 0 and run.cost.max_rss_mib > 10
    assert run.warm is not None and run.warm.exit_code == 0 and run.warm.cpu_s > 0
    # The batch size of the scale runs is not run twice; the others are cold runs only.
    assert results.batches[0] is run
    assert [(b.batch_size, b.requests, b.warm) for b in results.batches[1:]] == [(100, 2, None)]
    assert results.batch_methods == {0: "GET", 100: "GET"}


@pytest.mark.slow  # the bench measures processes of its own
def test_profile_of_the_warm_run(results: BenchResults) -> None:
    (warm,) = results.profiles
    assert 0 < warm.run_s <= warm.total_s
    assert warm.stages and warm.packages and warm.functions
    # Nothing changed: the entries come from the dataset, no list is read.
    assert any("unchanged_run" in stage.name for stage in warm.stages)
    assert not any("read_source" in stage.name for stage in warm.stages)


@pytest.mark.slow  # the bench measures processes of its own
def test_report_is_markdown_with_tables(results: BenchResults) -> None:
    text = render(results)
    assert text.startswith("# Benchmarks")
    assert re.search(r"^\| target \| goal \| measured \| result \|$", text, re.M)
    assert re.search(r"^\| --- \| --- \| --- \| --- \|$", text, re.M)
    assert "| 200 |" in text
    # Targets that need 100,000 ids are said to be unmeasured, never met or missed.
    assert [t.met for t in targets(results)][2:] == [None, None, None, None]
    assert "not measured" in text


def test_table_aligns_numbers_right() -> None:
    assert table(("a", "n"), [("x", "1,000"), ("y", "2.5")]) == (
        "| a | n |\n| --- | ---: |\n| x | 1,000 |\n| y | 2.5 |\n"
    )


def test_long_batches_go_as_post() -> None:
    assert (sent_as(100), sent_as(2000)) == ("GET", "POST")


@pytest.mark.slow  # the bench measures processes of its own
def test_a_size_run_in_rounds_reports_the_median_round(tmp_path: Path) -> None:
    with standin_process(50) as url:
        run = synthetic_run(50, tmp_path, url, rounds=3)
    low, middle, high = run.round_cpu_s
    assert low <= middle <= high and run.cost.cpu_s == middle
    assert run.warm is not None and run.papers == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round-0", "round-1", "round-2"]
    note = _rounds_note([run])
    assert "50 ids ran 3 times" in note and f"{middle:.1f}" in note
