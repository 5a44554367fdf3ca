"""The output directory: all-or-nothing commits, recovery, previous papers, the lock."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.records import Dataset, Paper, PaperRow
from pipeline.store import commit as commits
from pipeline.store import dataset as store
from pipeline.store.commit import DatasetLock, LockedError, commit, recover
from pipeline.store.dataset import papers_by_id, read_table


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
    data = store.table_bytes(
        store.papers_table(Dataset([PaperRow(paper, ("D",), ("2015",))], [])), "r1"
    )
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
