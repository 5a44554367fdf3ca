"""The output directory: all-or-nothing commits, recovery, previous papers, the lock."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.records import Paper, PaperRow
from pipeline.store import commit as commits
from pipeline.store import dataset as store
from pipeline.store.commit import DatasetLock, LockedError, commit, recover
from pipeline.store.dataset import TableFile, in_batches, papers_by_id, read_table


class Crash(Exception):
    pass


NAMES = ("papers.parquet", "entries.parquet", "manifest.json")


def _files(version: str) -> dict[str, bytes]:
    return {name: f"{name} of run {version}".encode() for name in NAMES}


def _contents(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in NAMES}


@pytest.mark.parametrize("crash_after_steps", range(8))
def test_a_commit_interrupted_at_any_step_recovers_to_one_whole_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_after_steps: int
) -> None:
    commit(tmp_path, _files("old"), "old")
    steps = 0
    real_replace, real_write = os.replace, commits._write_synced

    def counting(fn: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any) -> Any:
            nonlocal steps
            if steps == crash_after_steps:
                raise Crash
            steps += 1
            return fn(*args)

        return step

    monkeypatch.setattr(os, "replace", counting(real_replace))
    monkeypatch.setattr(commits, "_write_synced", counting(real_write))
    with pytest.raises(Crash):
        commit(tmp_path, _files("new"), "new")
    monkeypatch.undo()

    recover(tmp_path)
    assert _contents(tmp_path) in (_files("old"), _files("new"))
    # Three temporary files and the journal are written first: a crash before the
    # journal is in place keeps the old run, any crash after it gives the new one.
    journal_in_place = crash_after_steps >= 5
    assert _contents(tmp_path) == _files("new" if journal_in_place else "old")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "entries.parquet",
        "manifest.json",
        "papers.parquet",
    ]


def test_a_truncated_journal_means_the_run_never_committed(tmp_path: Path) -> None:
    commit(tmp_path, _files("old"), "old")
    (tmp_path / ".papers.parquet.new.tmp").write_bytes(b"half")
    (tmp_path / ".commit-new.json").write_text('[[".papers.parquet.new.tmp", "pap')
    recover(tmp_path)
    assert _contents(tmp_path) == _files("old")
    assert not list(tmp_path.glob(".*"))


def test_previous_papers_round_trip_through_parquet(tmp_path: Path) -> None:
    when = datetime(2015, 3, 9, 15, 44, 47, tzinfo=UTC)
    paper = Paper(
        "1503.02531",
        1,
        "Distilling the Knowledge in a Neural Network",
        ("Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean"),
        "abstract",
        when,
        when,
        "stat.ML",
        ("stat.ML", "cs.LG"),
        None,
        None,
        None,
        "https://arxiv.org/abs/1503.02531v1",
        "https://arxiv.org/pdf/1503.02531v1",
        when,
    )
    data = store.table_bytes(store.papers_table([PaperRow(paper, ("D",), ("2015",))]), "r1")
    commit(tmp_path, {"papers.parquet": data}, "r1")
    assert papers_by_id(read_table(tmp_path / "papers.parquet")) == {"1503.02531": paper}


def test_an_unreadable_previous_dataset_is_ignored_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "papers.parquet").write_bytes(b"not parquet")
    assert papers_by_id(read_table(tmp_path / "papers.parquet")) == {}


def test_the_lock_is_exclusive(tmp_path: Path) -> None:
    with DatasetLock(tmp_path), pytest.raises(LockedError, match="--wait"), DatasetLock(tmp_path):
        pass
    with DatasetLock(tmp_path):
        pass


def _numbers(values: list[int], notes: list[str] | None = None) -> pa.Table:
    notes = notes if notes is not None else [f"note {v}" for v in values]
    return pa.table({"n": pa.array(values, pa.int64()), "note": pa.array(notes, pa.string())})


def _written(batches: list[pa.Table], previous: pa.Table | None = None) -> tuple[bytes, bool]:
    """The bytes of a file written batch by batch, and whether it is ``previous``."""
    file = TableFile(batches[0].schema, "r1", previous, ignore=["note"])
    for batch in batches:
        file.write(batch)
    return file.close(), file.unchanged


def test_a_table_written_in_batches_reads_back_whole_one_row_group_a_batch() -> None:
    data, _ = _written([_numbers([1, 2, 3]), _numbers([4, 5])])
    read = pq.ParquetFile(io.BytesIO(data))
    assert read.metadata.num_row_groups == 2
    assert read.read().equals(_numbers([1, 2, 3, 4, 5]))
    assert read.schema_arrow.metadata[b"arxiv_enrich.run_id"] == b"r1"

    empty, _ = _written([_numbers([])])
    assert pq.read_table(io.BytesIO(empty)).equals(_numbers([]))


@pytest.mark.parametrize(
    ("batches", "unchanged"),
    [
        ([_numbers([1, 2, 3, 4, 5])], True),
        ([_numbers([1, 2]), _numbers([3, 4]), _numbers([5])], True),
        # Only an ignored column differs.
        ([_numbers([1, 2, 3]), _numbers([4, 5], ["other", "notes"])], True),
        ([_numbers([1, 2]), _numbers([3, 4]), _numbers([6])], False),
        ([_numbers([1, 2]), _numbers([3, 4])], False),
        ([_numbers([1, 2, 3]), _numbers([4, 5, 6])], False),
        ([_numbers([2, 1, 3, 4, 5])], False),
    ],
)
def test_a_table_file_tells_whether_its_rows_are_the_previous_versions(
    batches: list[pa.Table], unchanged: bool
) -> None:
    assert _written(batches, previous=_numbers([1, 2, 3, 4, 5]))[1] is unchanged


def test_without_a_comparable_previous_version_a_table_file_is_changed() -> None:
    assert _written([_numbers([1])])[1] is False
    other_columns = pa.table({"n": pa.array([1], pa.int64())})
    assert _written([_numbers([1])], previous=other_columns)[1] is False


@pytest.mark.parametrize(("count", "sizes"), [(0, [0]), (1, [1]), (4, [2, 2]), (5, [2, 2, 1])])
def test_records_come_in_batches_of_the_size_asked(count: int, sizes: list[int]) -> None:
    assert [len(b) for b in in_batches(list(range(count)), size=2)] == sizes


def test_the_readme_gives_the_row_group_size_the_store_writes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"in row groups of {store.BATCH_ROWS:,} rows" in readme
