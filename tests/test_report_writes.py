"""``report`` reads and writes like every other command: under the lock, after finishing an
interrupted commit, each file replaced in one step and never written through a link."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import RunConfig
from pipeline.refresh import run
from pipeline.report import write_report
from pipeline.store.dataset import DatasetLock, LockedError, table_bytes
from standin import FakeArxiv
from tests.conftest import SEED_LIST


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("dataset")
    seed = base / SEED_LIST.name
    shutil.copyfile(SEED_LIST, seed)
    with FakeArxiv() as api:
        config = RunConfig(
            lists=(seed,),
            out_dir=base / "enriched",
            cache_path=base / "cache.sqlite",
            api_url=api.url,
            delay=0.01,
        )
        assert run(config).exit_code == 0
    yield base / "enriched"


@pytest.fixture
def enriched(dataset: Path, tmp_path: Path) -> Path:
    shutil.copytree(dataset, tmp_path / "enriched")
    return tmp_path / "enriched"


def test_report_replaces_links_instead_of_writing_through_them(
    enriched: Path, tmp_path: Path
) -> None:
    report_dir = tmp_path / "report"
    report_dir.mkdir()
    victims = {}
    for name in ("report.html", "top_authors.png"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("not the report's")
        (report_dir / name).symlink_to(victim)
        victims[name] = victim

    write_report(enriched, report_dir)

    for name, victim in victims.items():
        assert victim.read_text() == "not the report's"
        assert not (report_dir / name).is_symlink()
    assert (report_dir / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_report_replaces_its_page_in_one_step(enriched: Path, tmp_path: Path) -> None:
    page = write_report(enriched, tmp_path / "report")
    reader = tmp_path / "a reader's open copy"
    os.link(page, reader)
    with reader.open("ab") as f:
        f.write(b"<!-- read before the second report -->")

    write_report(enriched, tmp_path / "report")

    # A reader of the first page still has it whole: the second was a new file.
    assert reader.read_bytes().endswith(b"<!-- read before the second report -->")
    assert not page.read_bytes().endswith(b"<!-- read before the second report -->")
    assert not [p.name for p in page.parent.iterdir() if p.name.endswith(".tmp")]


def test_report_waits_for_no_one_and_writes_nothing_while_a_run_holds_the_lock(
    enriched: Path, tmp_path: Path
) -> None:
    with DatasetLock(enriched), pytest.raises(LockedError):
        write_report(enriched, tmp_path / "report")
    assert not (tmp_path / "report" / "report.html").exists()


def test_report_finishes_an_interrupted_commit_before_reading(
    enriched: Path, tmp_path: Path
) -> None:
    papers = pq.read_table(enriched / "papers.parquet")
    assert papers.num_rows > 5
    manifest = json.loads((enriched / "manifest.json").read_text())
    new = {
        "papers.parquet": table_bytes(papers.slice(0, 5), "r2"),
        "manifest.json": json.dumps({**manifest, "run_id": "r2"}).encode(),
    }
    for name, data in new.items():
        (enriched / f".{name}.r2.tmp").write_bytes(data)
    os.replace(enriched / ".papers.parquet.r2.tmp", enriched / "papers.parquet")  # one done
    moves = [[f".{name}.r2.tmp", name] for name in new]
    (enriched / ".commit-r2.json").write_text(json.dumps(moves))

    text = write_report(enriched, tmp_path / "report").read_text()

    assert "5 papers" in text and "run r2 started" in text
    assert not (enriched / ".commit-r2.json").exists()
    assert json.loads((enriched / "manifest.json").read_text())["run_id"] == "r2"
