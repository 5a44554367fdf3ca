"""pipeline.store.last_run: the last run read back for check and status, whole and typed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import filelock
import pytest

from pipeline.store.commit import StoreError
from pipeline.store.last_run import read_last_run, read_manifest, reading
from standin import FakeArxiv
from tests.conftest import cli, fast_run_args

GOOD = "- [Distilling the Knowledge in a Neural Network](https://arxiv.org/abs/1503.02531)"
GONE = "- [A paper arXiv lacks](https://arxiv.org/abs/2401.99999)"


def run_into(api: FakeArxiv, out: Path, lst: Path, *lines: str) -> None:
    lst.write_text("# L\n\n" + "\n".join(lines) + "\n")
    done = cli(fast_run_args(api, out, out.parent / "c.sqlite", lst))
    assert done.returncode == 0, done.stderr


def test_check_finishes_a_commit_left_midway_and_reads_the_new_run(
    api: FakeArxiv, tmp_path: Path
) -> None:
    lst = tmp_path / "list.md"
    old, new = tmp_path / "old", tmp_path / "new"
    run_into(api, old, lst, GOOD)
    run_into(api, new, lst, GOOD, GONE)
    # The new run's files as a commit leaves them when it stops after its journal.
    moves = []
    for path in sorted(new.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            shutil.copy(path, old / f".{path.name}.r2.tmp")
            moves.append([f".{path.name}.r2.tmp", path.name])
    (old / ".commit-r2.json").write_text(json.dumps(moves))

    done = cli(["check", str(lst), "--enriched", str(old), "--format", "json"])
    assert done.returncode == 1, done.stderr
    assert [(f["line"], f["code"]) for f in json.loads(done.stdout)] == [(4, "not_found")]
    assert not list(old.glob(".commit-*")) and not list(old.glob(".*.tmp"))


def test_a_directory_that_cannot_be_written_is_read_without_the_lock_unless_a_commit_is_left(
    api: FakeArxiv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    run_into(api, out, tmp_path / "list.md", GOOD, GONE)

    def refused(self: Any, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied", str(out / ".lock"))

    monkeypatch.setattr(filelock.FileLock, "acquire", refused)
    with reading(out):
        last = read_last_run(out)
    assert [r.status for r in last.entries] == ["enriched", "not_found"]
    (out / ".commit-r2.json").write_text("[]")
    with pytest.raises(StoreError, match="left midway"), reading(out):
        pass


def test_an_older_manifest_lacking_keys_reads_with_empty_values(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "run_id": "r1",
                "started_at": "2026-11-01T03:00:00+00:00",
                "finished_at": "2026-11-01T03:01:00+00:00",
                "exit_code": 3,
                "complete": False,
                "gave_up": "HTTP 429",
                "pending_ids": ["1503.02531"],
                "lists": [{"path": "a.md", "sha256": "00", "entries": 2}],
                "counts": {"entries": 2, "papers": 1},
            }
        )
    )
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    assert (manifest.exit_code, manifest.complete, manifest.pending_ids) == (
        3,
        False,
        ["1503.02531"],
    )
    assert manifest.lists[0].path == "a.md" and manifest.counts.papers == 1
    assert manifest.counts.statuses == {} and manifest.requests.missing_fields == []
    assert manifest.content_changed is False and manifest.api_url == ""


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "unreadable"),
        ('{"exit_code": "3"}', "manifest.exit_code is not of type int"),
        ('{"lists": [{"path": 7}]}', r"manifest.lists\[0\].path is not of type str"),
        ('{"finished_at": "yesterday"}', "Invalid isoformat"),
        ("[]", "manifest is not an object"),
    ],
)
def test_a_manifest_that_is_not_one_is_a_store_error_naming_it(
    tmp_path: Path, text: str, said: str
) -> None:
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(StoreError, match=said) as raised:
        read_manifest(tmp_path)
    assert str(tmp_path / "manifest.json") in str(raised.value)
