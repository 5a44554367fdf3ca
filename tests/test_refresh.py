"""Scheduled refreshes: only new or stale papers are asked for, changes and removals are kept,
and the cache can be inspected and emptied (pulling lists: tests/lists/test_pull.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from standin import FakeArxiv
from tests.conftest import cli, fast_run_args


def test_max_age_zero_refetches_everything_in_the_fewest_batches(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    args = [
        *fast_run_args(arxiv_api, tmp_path / "o", tmp_path / "c.sqlite", seed_list),
        "--batch-size",
        "30",
    ]
    assert cli(args).returncode == 0
    arxiv_api.reset_log()
    assert cli([*args, "--max-age", "0"]).returncode == 0
    assert [len(r.id_list) for r in arxiv_api.log] == [30, 30, 6, 0]  # and the title search


def test_only_stale_papers_are_asked_for(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    args = fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list)
    assert cli(args).returncode == 0
    papers = pq.read_table(out / "papers.parquet")
    stale = {"1503.02531", "1704.04861"}
    old = pa.scalar(datetime.now(UTC) - timedelta(days=8), papers.schema.field("fetched_at").type)
    is_stale = pc.is_in(papers["arxiv_id"], value_set=pa.array(sorted(stale)))
    fetched_at = pc.if_else(is_stale, old, papers["fetched_at"])
    papers = papers.set_column(
        papers.schema.get_field_index("fetched_at"), "fetched_at", fetched_at
    )
    pq.write_table(papers, out / "papers.parquet")

    arxiv_api.reset_log()
    run = cli([*args, "--cache", str(tmp_path / "cold.sqlite")])
    assert run.returncode == 0, run.stderr
    assert [sorted(r.id_list) for r in arxiv_api.log] == [sorted(stale)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["ids_fetched"] == 2
    assert manifest["counts"]["ids_kept_from_previous"] == 65  # 64 linked, 1 found by title


def test_a_new_version_on_arxiv_is_recorded_in_changes(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    args = fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list)
    assert cli(args).returncode == 0
    assert pq.read_table(out / "changes.parquet").num_rows == 0

    arxiv_api.add_version(
        "1503.02531", "2026-11-20T10:00:00Z", journal_ref="NIPS 2014 Deep Learning Workshop"
    )
    run = cli([*args, "--max-age", "0"])
    assert run.returncode == 0, run.stderr
    assert "1 paper has a new version: 1503.02531 (v1 -> v2)" in run.stdout
    changes = pq.read_table(out / "changes.parquet").to_pylist()
    assert {(c["arxiv_id"], c["field"], c["old"], c["new"]) for c in changes} == {
        ("1503.02531", "version", "1", "2"),
        ("1503.02531", "journal_ref", None, "NIPS 2014 Deep Learning Workshop"),
    }
    assert changes[0]["detected_at"].tzinfo is not None
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["changes"]["count"] == 2

    # Changes accumulate run after run; a run that sees none adds none.
    assert cli([*args, "--max-age", "0"]).returncode == 0
    assert pq.read_table(out / "changes.parquet").num_rows == 2


def test_a_paper_that_left_the_list_moves_to_removed(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    args = fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list)
    assert cli(args).returncode == 0
    text = seed_list.read_text(encoding="utf-8")
    seed_list.write_text(
        "\n".join(line for line in text.split("\n") if "1503.02531" not in line), encoding="utf-8"
    )

    run = cli(args)
    assert run.returncode == 0, run.stderr
    assert "1 paper left the lists" in run.stdout
    papers = pq.read_table(out / "papers.parquet")
    assert papers.num_rows == 66
    assert "1503.02531" not in papers["arxiv_id"].to_pylist()
    removed = pq.read_table(out / "removed.parquet").to_pylist()
    assert [(r["arxiv_id"], r["tags"]) for r in removed] == [("1503.02531", ["Distillation"])]
    assert removed[0]["removed_at"] is not None


def test_cache_info_and_clear(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    assert cli(fast_run_args(arxiv_api, tmp_path / "o", cache, seed_list)).returncode == 0
    info = cli(["cache", "info", "--cache", str(cache)])
    # One answer to the batch of ids, one to the title search.
    assert info.returncode == 0 and "2 responses (2 fresh)" in info.stdout
    cleared = cli(["cache", "clear", "--cache", str(cache)])
    assert cleared.returncode == 0 and "removed 2 responses" in cleared.stdout
    assert "0 responses" in cli(["cache", "info", "--cache", str(cache)]).stdout


def test_an_id_arxiv_does_not_know_is_not_asked_again_within_max_age(
    arxiv_api: FakeArxiv, tmp_path: Path
) -> None:
    lst = tmp_path / "l.md"
    lst.write_text(
        "# L\n- [A](https://arxiv.org/abs/1707.99999)\n- [B](https://arxiv.org/abs/1503.02531)\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    args = fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", lst)
    assert cli(args).returncode == 0
    first = pq.read_table(out / "entries.parquet").to_pylist()
    assert [(e["status"], e["checked_at"] is not None) for e in first] == [
        ("not_found", True),
        ("enriched", False),
    ]

    arxiv_api.reset_log()
    assert cli(args).returncode == 0
    assert arxiv_api.log == []
    again = pq.read_table(out / "entries.parquet").to_pylist()
    assert again[0]["status"] == "not_found"
    assert again[0]["checked_at"] == first[0]["checked_at"]

    assert cli([*args, "--max-age", "0"]).returncode == 0
    assert "1707.99999" in {i for r in arxiv_api.log for i in r.id_list}


def test_a_first_run_counts_every_paper_as_fetched(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    assert cli(fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list)).returncode == 0
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    assert (counts["ids_fetched"], counts["ids_kept_from_previous"]) == (67, 0)


def test_an_unreadable_history_stops_the_run_and_is_kept(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    args = fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list)
    assert cli(args).returncode == 0
    (out / "changes.parquet").write_bytes(b"damaged")
    before = (out / "papers.parquet").read_bytes()
    arxiv_api.reset_log()
    run = cli([*args, "--max-age", "0", "-q"])
    assert run.returncode == 1
    assert run.stderr.startswith("error: ") and "changes.parquet is unreadable" in run.stderr
    assert run.stderr.strip().count("\n") == 0
    assert arxiv_api.log == []  # stopped before asking arXiv anything
    assert (out / "changes.parquet").read_bytes() == b"damaged"
    assert (out / "papers.parquet").read_bytes() == before
