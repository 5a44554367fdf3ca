"""pipeline.refresh: one refresh called as a library, ``run(config)``, against the stand-in."""

from __future__ import annotations

import gc
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.config import RunConfig
from pipeline.lists.load import read_lists, reader_version
from pipeline.lists.read import ListError
from pipeline.refresh import RunResult, run
from pipeline.store.write import manifest_document
from standin import FakeArxiv, Faults
from tests.conftest import ROOT, fast_run_args

SMALL_LIST = """# Compression

- 【Distillation】[Distilling the Knowledge in a Neural Network](https://arxiv.org/abs/1503.02531)
- 【Pruning】[Deep Compression](https://arxiv.org/abs/1510.00149)
- [Month thirteen](https://arxiv.org/abs/1513.01234)
- [MobileNets](https://arxiv.org/abs/1704.04861)
"""


def config(api: FakeArxiv, tmp_path: Path, *lists: Path, **changes: object) -> RunConfig:
    """A quick run against the stand-in, into tmp_path."""
    settings: dict[str, object] = {
        "out_dir": tmp_path / "out",
        "cache_path": tmp_path / "cache.sqlite",
        "api_url": api.url,
        "delay": 0.01,
        **changes,
    }
    return RunConfig(lists=lists, **settings)  # type: ignore[arg-type]


def manifest(result: RunResult) -> dict[str, Any]:
    """The manifest the run returned, as ``manifest.json`` holds it."""
    assert result.manifest is not None
    return manifest_document(result.manifest)


@pytest.fixture
def small_list(tmp_path: Path) -> Path:
    path = tmp_path / "small.md"
    path.write_text(SMALL_LIST, encoding="utf-8")
    return path


def test_a_run_writes_the_dataset_and_a_second_run_asks_nothing(
    api: FakeArxiv, small_list: Path, tmp_path: Path
) -> None:
    first = run(config(api, tmp_path, small_list))

    assert first.exit_code == 0, first.summary
    assert [sorted(r.id_list) for r in api.log] == [["1503.02531", "1510.00149", "1704.04861"]]
    assert first.summary.startswith("wrote 3 papers and 4 entries (")
    assert manifest(first)["counts"]["statuses"] == {"enriched": 3, "invalid_id": 1}
    assert manifest(first)["lists"] == [
        {
            "path": str(small_list),
            "sha256": hashlib.sha256(SMALL_LIST.encode()).hexdigest(),
            "entries": 4,
            "reader": reader_version(),
        }
    ]
    written = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert written["run_id"] == manifest(first)["run_id"]
    papers = pq.read_table(tmp_path / "out" / "papers.parquet").to_pylist()
    assert {p["arxiv_id"]: p["tags"] for p in papers} == {
        "1503.02531": ["Distillation"],
        "1510.00149": ["Pruning"],
        "1704.04861": [],
    }

    api.reset_log()
    second = run(config(api, tmp_path, small_list))
    assert second.exit_code == 0, second.summary
    assert api.log == []
    assert manifest(second)["requests"]["sent"] == 0
    assert manifest(second)["counts"]["ids_kept_from_previous"] == 3
    assert manifest(second)["content_changed"] is False


def test_progress_counts_every_id_asked(api: FakeArxiv, small_list: Path, tmp_path: Path) -> None:
    bars: list[tuple[int, str]] = []
    advanced: list[int] = []

    def progress(total: int, unit: str) -> Callable[[int], None]:
        bars.append((total, unit))
        return advanced.append

    outcome = run(config(api, tmp_path, small_list, batch_size=2), progress)

    assert outcome.exit_code == 0, outcome.summary
    assert bars == [(3, "ids")]
    assert sum(advanced) == 3 and len(advanced) == 2  # a batch of two, then one


def test_a_lockout_is_a_partial_run_that_names_what_is_pending(
    api: FakeArxiv, small_list: Path, tmp_path: Path
) -> None:
    api.faults = Faults(lockout_after=1, retry_after="0")

    outcome = run(config(api, tmp_path, small_list, batch_size=1, max_retries=0))

    assert outcome.exit_code == 3, outcome.summary
    assert manifest(outcome)["complete"] is False
    assert sorted(manifest(outcome)["pending_ids"]) == ["1510.00149", "1704.04861"]
    assert manifest(outcome)["counts"]["statuses"] == {"enriched": 1, "failed": 2, "invalid_id": 1}
    assert "2 ids pending" in outcome.summary


def test_an_unreachable_api_writes_nothing(small_list: Path, tmp_path: Path) -> None:
    dead = RunConfig(
        lists=(small_list,),
        out_dir=tmp_path / "out",
        cache_path=tmp_path / "cache.sqlite",
        api_url="http://127.0.0.1:9/api/query",
        delay=0,
        max_retries=0,
    )
    outcome = run(dead)
    assert outcome.exit_code == 1
    assert "unreachable" in outcome.summary and "nothing written" in outcome.summary
    assert not (tmp_path / "out" / "papers.parquet").exists()


def test_read_lists_reads_a_file_once_however_it_is_named(small_list: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.md"
    other.write_text("- [A](https://arxiv.org/abs/1605.08386)\n", encoding="utf-8")
    same = tmp_path / "." / small_list.name

    read = read_lists((small_list, other, same))

    assert [r.path for r in read] == [small_list, other]
    assert [len(r.entries) for r in read] == [4, 1]
    assert read[1].sha256 == hashlib.sha256(other.read_bytes()).hexdigest()


def test_read_lists_names_the_first_list_that_cannot_be_used(
    small_list: Path, tmp_path: Path
) -> None:
    prose = tmp_path / "prose.md"
    prose.write_text("# Notes\n\nNo list items at all.\n", encoding="utf-8")
    with pytest.raises(ListError, match=r"prose\.md: no paper entries"):
        read_lists((small_list, prose, tmp_path / "missing.md"))
    with pytest.raises(ListError, match=r"missing\.md: no such file"):
        read_lists((small_list, tmp_path / "missing.md", prose))


# A run in a fresh interpreter that says, last, which of the network stack and pandas it
# loaded, and whether pandas can still be imported after it.
LOADED = (
    "import sys\n"
    "from pipeline.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "loaded = sorted(m for m in ('requests', 'lxml', 'pandas') if m in sys.modules)\n"
    "import pandas\n"
    "print(code, *loaded)\n"
)


def last_line_of(script: str, args: list[str]) -> list[str]:
    """The words of the last line ``script`` prints, run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1].split()


def loaded_by_a_run(args: list[str]) -> list[str]:
    return last_line_of(LOADED, args)


@pytest.mark.slow  # what a fresh interpreter imports
def test_a_run_never_imports_pandas_and_a_warm_one_neither_requests_nor_lxml(
    api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    args = fast_run_args(api, tmp_path / "out", tmp_path / "cache.sqlite", seed_list)
    # A cold run needs them, which shows that the check sees them.
    assert loaded_by_a_run(args) == ["0", "lxml", "requests"]
    api.reset_log()
    assert loaded_by_a_run(args) == ["0"]
    assert api.log == []  # nothing was stale


def test_a_run_leaves_what_it_returns_in_the_collectors_oldest_generation(
    api: FakeArxiv, small_list: Path, tmp_path: Path
) -> None:
    # The first collection after a run then has nothing of it to scan.
    assert gc.isenabled()
    result = run(config(api, tmp_path, small_list))
    assert gc.isenabled()
    assert result.dataset is not None
    kept = [result.dataset, *result.dataset.entries, *result.dataset.papers]
    assert all(gc.is_tracked(record) for record in kept)
    young = {id(o) for o in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
    assert not any(id(record) in young for record in kept)
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(record) in oldest for record in kept)


# A first run in a fresh interpreter, as the command line makes one; then what is left of it.
LEFT_ALIVE = (
    "import gc, sys\n"
    "from pathlib import Path\n"
    "from pipeline import RunConfig, run\n"
    "out, cache, url, listed = sys.argv[1:]\n"
    "config = RunConfig(lists=(Path(listed),), out_dir=Path(out), cache_path=Path(cache),\n"
    "                   api_url=url, delay=0.01)\n"
    "code = run(config).exit_code\n"
    "gc.collect()\n"
    "kinds = ('Entry', 'Paper', 'EntryRow', 'PaperRow', 'Dataset')\n"
    "print(int(code), sum(type(o).__name__ in kinds for o in gc.get_objects()))\n"
)


@pytest.mark.slow  # a fresh interpreter, whose first run imports the network stack
def test_nothing_of_a_run_outlives_its_result(
    api: FakeArxiv, small_list: Path, tmp_path: Path
) -> None:
    # requests-cache keeps the errors of the optional packages it lacks, with the frames
    # they were raised under: the import must not keep the run's frame with them.
    args = [str(tmp_path / "out"), str(tmp_path / "c.sqlite"), api.url, str(small_list)]
    assert last_line_of(LEFT_ALIVE, args) == ["0", "0"]
