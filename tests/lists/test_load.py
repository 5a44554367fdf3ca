"""pipeline.lists.load: the fingerprint of the reader, which decides when a list is read anew."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.lists import load
from tests.conftest import ROOT

# The modules a fresh interpreter loads to read a list, as files of the repository.
IMPORTED = (
    "import sys\n"
    "import pipeline.lists.read\n"
    "for name, module in sorted(sys.modules.items()):\n"
    "    if name.startswith('pipeline') and not module.__file__.endswith('__init__.py'):\n"
    "        print(module.__file__)\n"
)


def test_the_fingerprint_covers_every_module_the_reader_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED], cwd=ROOT, capture_output=True, text=True, check=True
    )
    imported = {Path(line).resolve() for line in done.stdout.split()}
    assert imported == {path.resolve() for path in load._READER_SOURCES}


def test_a_change_to_any_reader_module_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = load.reader_version()
    sources = load._READER_SOURCES
    for i, path in enumerate(sources):
        changed = tmp_path / path.name
        changed.write_bytes(path.read_bytes() + b"\n# changed\n")
        monkeypatch.setattr(load, "_READER_SOURCES", (*sources[:i], changed, *sources[i + 1 :]))
        load.reader_version.cache_clear()
        assert load.reader_version() != before, path.name
    monkeypatch.undo()
    load.reader_version.cache_clear()
    assert load.reader_version() == before
