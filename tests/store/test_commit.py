"""Commits and their recovery in a hostile output directory: planted journals, foreign
temporary names, signals, failed renames and a full disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.store import commit as commit_module
from pipeline.store.commit import DatasetLock, commit, recover
from pipeline.store.dataset import StoreError
from tests.conftest import ROOT

NAMES = ("papers.parquet", "entries.parquet", "manifest.json")


def _files(version: str) -> dict[str, bytes]:
    return {name: f"{name} of run {version}".encode() for name in NAMES}


def _contents(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in NAMES}


def _hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".lock")


# -- planted journals (item 5) -------------------------------------------------------------


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path]:
    """An output directory with a committed dataset, and a directory beside it."""
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    commit(out, _files("old"), "old")
    (outside / "evil").write_text("evil")
    (outside / "precious").write_text("precious")
    return out, outside


@pytest.mark.parametrize(
    "moves",
    [
        [["{outside}/evil", "{outside}/precious"]],
        [["../outside/evil", "../outside/precious"]],
        [[".papers.parquet.x.tmp", "../outside/precious"]],
        [["../outside/evil", "papers.parquet"]],
        [[".notes.md.x.tmp", "notes.md"]],
        [[".papers.parquet.y.tmp", "papers.parquet"]],  # not this journal's run
        [[".lock.x.tmp", ".lock"]],
    ],
)
def test_a_journal_naming_files_the_pipeline_does_not_write_is_refused(
    planted: tuple[Path, Path], moves: list[list[str]]
) -> None:
    out, outside = planted
    (out / "notes.md").write_text("mine")
    for name in (".notes.md.x.tmp", ".papers.parquet.y.tmp", ".lock.x.tmp"):
        (out / name).write_text("planted")
    text = json.dumps(moves).replace("{outside}", str(outside))
    (out / ".commit-x.json").write_text(text)

    with pytest.raises(StoreError) as caught:
        recover(out)

    message = str(caught.value)
    assert str(out / ".commit-x.json") in message and "\n" not in message
    assert (outside / "evil").read_text() == "evil"
    assert (outside / "precious").read_text() == "precious"
    assert (out / "notes.md").read_text() == "mine"
    assert _contents(out) == _files("old")


@pytest.mark.parametrize(
    "text",
    ['{"papers.parquet": 1}', "[1, 2]", '[["a"]]', '"x"', "[[1, 2]]", "null", '[["a", "b", "c"]]'],
)
def test_a_journal_of_the_wrong_shape_is_reported_by_name(tmp_path: Path, text: str) -> None:
    commit(tmp_path, _files("old"), "old")
    (tmp_path / ".commit-x.json").write_text(text)
    with pytest.raises(StoreError, match=r"\.commit-x\.json") as caught:
        recover(tmp_path)
    assert "move it aside" in str(caught.value)
    assert _contents(tmp_path) == _files("old")


def test_a_genuine_journal_is_still_rolled_forward(tmp_path: Path) -> None:
    commit(tmp_path, _files("old"), "old")
    moves = []
    for name, data in _files("new").items():
        (tmp_path / f".{name}.new.tmp").write_bytes(data)
        moves.append([f".{name}.new.tmp", name])
    (tmp_path / ".commit-new.json").write_text(json.dumps(moves))
    recover(tmp_path)
    assert _contents(tmp_path) == _files("new")
    assert _hidden(tmp_path) == []


# -- foreign temporary names (item 12) ------------------------------------------------------


def test_only_the_pipelines_own_temporary_files_are_removed(tmp_path: Path) -> None:
    commit(tmp_path, _files("old"), "old")
    (tmp_path / ".draft.tmp").write_text("a user's draft")
    (tmp_path / ".notes.md.20261125T030000-abcdef12.tmp").write_text("a user's file")
    (tmp_path / ".cache.tmp").mkdir()
    (tmp_path / ".papers.parquet.r9.tmp").mkdir()  # a directory is never the pipeline's
    (tmp_path / ".papers.parquet.r8.tmp").write_text("left by a killed run")
    (tmp_path / ".commit-r8.json.tmp").write_text("[[")

    recover(tmp_path)

    assert _hidden(tmp_path) == [
        ".cache.tmp",
        ".draft.tmp",
        ".notes.md.20261125T030000-abcdef12.tmp",
        ".papers.parquet.r9.tmp",
    ]
    assert (tmp_path / ".draft.tmp").read_text() == "a user's draft"
    commit(tmp_path, _files("new"), "new")
    assert _contents(tmp_path) == _files("new")


# -- signals and failed renames during the commit (item 11) ----------------------------------


def _on_rename(monkeypatch: pytest.MonkeyPatch, nth: int, action: Callable[[], None]) -> None:
    """Run ``action`` when the commit renames its ``nth`` file over its final name."""
    real = os.replace
    count = 0

    def replace(src: Any, dst: Any) -> None:
        nonlocal count
        if Path(dst).name in NAMES:
            count += 1
            if count == nth:
                action()
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_sigint_during_the_renames_leaves_every_file_of_the_new_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(tmp_path, _files("old"), "old")
    _on_rename(monkeypatch, 1, lambda: os.kill(os.getpid(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        commit(tmp_path, _files("new"), "new")
    monkeypatch.undo()
    # No recovery needed: the renames were finished before the interrupt was let in.
    assert _contents(tmp_path) == _files("new")
    assert _hidden(tmp_path) == []
    assert commit_module.written()[-1] == tmp_path


def test_sigint_while_writing_leaves_the_previous_files_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(tmp_path, _files("old"), "old")
    calls = 0
    real = commit_module._write_synced

    def write(path: Path, data: bytes) -> None:
        nonlocal calls
        calls += 1
        real(path, data)
        if calls == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(commit_module, "_write_synced", write)
    done = len(commit_module.written())
    with pytest.raises(KeyboardInterrupt):
        commit(tmp_path, _files("new"), "new")
    assert _contents(tmp_path) == _files("old")
    assert _hidden(tmp_path) == []
    assert commit_module.written()[done:] == ()


def test_a_failed_rename_mid_commit_says_what_is_true_and_recovery_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(tmp_path, _files("old"), "old")

    def fail() -> None:
        raise OSError(5, "Input/output error")

    _on_rename(monkeypatch, 2, fail)
    with pytest.raises(StoreError) as caught:
        commit(tmp_path, _files("new"), "new")
    monkeypatch.undo()

    message = str(caught.value)
    assert "untouched" not in message and "\n" not in message
    assert str(tmp_path / ".commit-new.json") in message
    assert "1 of 3" in message and "next" in message
    # What the message says: the new run is committed, and the next reader finishes it.
    with DatasetLock(tmp_path):
        pass
    assert _contents(tmp_path) == _files("new")
    assert _hidden(tmp_path) == []


def test_every_holder_of_the_lock_finds_a_whole_dataset(tmp_path: Path) -> None:
    commit(tmp_path, _files("old"), "old")
    (tmp_path / ".papers.parquet.new.tmp").write_bytes(b"papers.parquet of run new")
    (tmp_path / ".manifest.json.new.tmp").write_bytes(b"manifest.json of run new")
    moves = [[f".{name}.new.tmp", name] for name in ("papers.parquet", "manifest.json")]
    (tmp_path / ".commit-new.json").write_text(json.dumps(moves))
    with DatasetLock(tmp_path):
        assert (tmp_path / "papers.parquet").read_bytes() == b"papers.parquet of run new"
        assert _hidden(tmp_path) == []


# -- a full disk (item 19) -------------------------------------------------------------------

_FULL_DISK = """
import resource, sys
from pathlib import Path
from pipeline.store.commit import commit
from pipeline.store.dataset import StoreError
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
try:
    commit(Path(sys.argv[1]), {"papers.parquet": b"p" * 1000, "entries.parquet": b"e" * 100000,
           "manifest.json": b"{}"}, "big")
except StoreError as err:
    print(err)
    sys.exit(1)
"""


def test_a_commit_that_cannot_write_removes_its_files_and_names_the_path(tmp_path: Path) -> None:
    commit(tmp_path, _files("old"), "old")
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert str(tmp_path / ".entries.parquet.big.tmp") in done.stdout
    assert "File too large" in done.stdout
    assert _contents(tmp_path) == _files("old")
    assert _hidden(tmp_path) == []
