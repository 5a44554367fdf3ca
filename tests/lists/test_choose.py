"""pipeline.lists.choose: which files of data/raw/ a run reads, and at what cost."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.lists import choose
from pipeline.lists.choose import choose_lists
from pipeline.lists.read import ListError
from standin import FakeArxiv
from tests.conftest import SEED_LIST, cli


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copyfile(SEED_LIST, raw / "compression.md")
    (raw / "NOTES.md").write_text("# Notes\n\nTo do: add the 2024 papers.\n")
    return raw


def test_a_file_without_entries_is_skipped_and_a_copy_read_once(tmp_path: Path) -> None:
    raw = _raw(tmp_path)
    shutil.copyfile(raw / "compression.md", raw / "again.md")
    chosen = choose_lists(sorted(raw.glob("*.md")), named=False)
    assert chosen == (raw / "again.md",)  # NOTES.md skipped; one content read once
    with pytest.raises(ListError, match="no lists in"):
        choose_lists([raw / "NOTES.md"], named=False)
    assert choose_lists([raw / "NOTES.md"], named=True) == (raw / "NOTES.md",)


def test_a_list_the_last_run_read_is_not_parsed_again_to_be_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _raw(tmp_path)
    parsed: list[str] = []
    from pipeline.lists.read import read_entries

    def counted(path: Path) -> object:
        parsed.append(path.name)
        return read_entries(path)

    monkeypatch.setattr(choose, "read_entries", counted)
    digest = hashlib.sha256((raw / "compression.md").read_bytes()).hexdigest()
    chosen = choose_lists(sorted(raw.glob("*.md")), named=False, known={digest})
    assert chosen == (raw / "compression.md",)
    assert parsed == ["NOTES.md"]  # only the file no run has read as a list

    with FakeArxiv() as api:
        args = ["run", "--api-url", api.url, "--delay", "0", "--no-progress", "-q"]
        args += ["--cache", str(tmp_path / "c.sqlite")]
        parsed.clear()
        assert cli(args, cwd=tmp_path).returncode == 0
        assert sorted(parsed) == ["NOTES.md", "compression.md"]
        parsed.clear()
        assert cli(args, cwd=tmp_path).returncode == 0
        assert parsed == ["NOTES.md"]
