"""A refresh with nothing new or stale writes only its manifest, and what it leaves is
what a full run over the same lists leaves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline import unchanged
from pipeline.config import RunConfig
from pipeline.lists.load import ListRead, ListSource, read_source
from pipeline.refresh import run
from standin import FakeArxiv

# An id link, an id in the text, a padded id, a title-only entry arXiv has, one it lacks,
# ids that disagree, a resource, and an id arXiv does not know.
LIST = """# A list

## Pruning

- 【Pruning】Song Han, Huizi Mao, William J. Dally. [Deep Compression: Compressing Deep Neural Networks with Pruning, Trained Quantization and Huffman Coding](https://arxiv.org/abs/1510.00149) ICLR 2016
- Geoffrey Hinton, Oriol Vinyals, Jeff Dean et al. Distilling the Knowledge in a Neural Network. arXiv:1503.02531
- [Exploiting Linear Structure Within Convolutional Networks for Efficient Evaluation](https://arxiv.org/pdf/1404.00736)
- [Speeding up convolutional neural networks with low rank expansions](http://www.robots.ox.ac.uk/~vgg/publications/2014/Jaderberg14b/)
- [A paper nobody has heard of, not on arXiv at all](https://example.org/paper.pdf)
- [FitNets: Hints for Thin Deep Nets](https://arxiv.org/abs/1412.6550) (also arXiv:1510.00149)
- [Distiller, a library](https://github.com/IntelLabs/distiller)
- [A paper with an unknown id](https://arxiv.org/abs/1707.99999)
"""  # noqa: E501
MOVING = ("run_id", "started_at", "finished_at")
# When the first run of each of the two directories asked arXiv.
TIMES = ("fetched_at", "checked_at")


@pytest.fixture
def one_list(tmp_path: Path) -> Path:
    path = tmp_path / "list.md"
    path.write_text(LIST, encoding="utf-8")
    return path


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as api:
        yield api


def config(api: FakeArxiv, out: Path, cache: Path, lists: tuple[Path, ...]) -> RunConfig:
    return RunConfig(lists=lists, out_dir=out, cache_path=cache, api_url=api.url, delay=0.0)


def manifest(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {k: v for k, v in document.items() if k not in MOVING}


def files(out: Path) -> dict[str, Any]:
    """Every file of the dataset: tables by their schema and rows (not the run id stamped
    in their metadata, nor times), other files by their bytes, the manifest without its
    times and id."""
    found: dict[str, Any] = {}
    for path in sorted(out.iterdir()):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            rows = table.drop_columns([c for c in TIMES if c in table.column_names])
            found[path.name] = (table.schema.remove_metadata(), rows.to_pylist())
        elif path.name == "manifest.json":
            found[path.name] = manifest(out)
        elif path.is_file() and not path.name.startswith("."):
            found[path.name] = path.read_bytes()
    return found


def two_runs(api: FakeArxiv, tmp: Path, lists: tuple[Path, ...], quiet: bool) -> dict[str, Any]:
    out, cache = tmp / ("quiet" if quiet else "full"), tmp / "cache.sqlite"
    first = run(config(api, out, cache, lists))
    assert first.exit_code == 0, first.summary
    second = run(config(api, out, cache, lists))
    assert second.exit_code == 0
    return {"summary": second.summary.replace(str(out), "OUT"), "files": files(out)}


def test_an_unchanged_refresh_leaves_what_a_full_run_leaves(
    arxiv: FakeArxiv, one_list: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = two_runs(arxiv, tmp_path, (one_list,), quiet=True)
    monkeypatch.setattr("pipeline.refresh.unchanged_run", lambda *args: None)
    full = two_runs(arxiv, tmp_path, (one_list,), quiet=False)
    assert quiet == full
    statuses = quiet["files"]["manifest.json"]["counts"]["statuses"]
    # The list has what the comparison must cover: a title match, a miss, an unknown id.
    assert {"enriched", "not_on_arxiv", "not_found", "not_a_paper"} <= set(statuses)


def test_an_unchanged_refresh_reads_no_list_and_rewrites_no_table(
    arxiv: FakeArxiv, one_list: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    run(config(arxiv, out, cache, (one_list,)))
    tables = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}
    arxiv.reset_log()

    def no_reading(*args: object) -> None:
        raise AssertionError("the list was read again")

    monkeypatch.setattr("pipeline.refresh.read_source", no_reading)
    again = run(config(arxiv, out, cache, (one_list,)))

    assert again.exit_code == 0 and arxiv.log == []
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")} == tables
    assert (
        again.manifest is not None
        and again.manifest.run_id == json.loads((out / "manifest.json").read_text())["run_id"]
    )


def edit(path: Path) -> None:
    path.write_text(LIST + "- [Another one](https://arxiv.org/abs/1602.07360)\n", "utf-8")


@pytest.mark.parametrize("what", ["the list", "the reader"])
def test_a_changed_list_or_reader_is_read_again(
    arxiv: FakeArxiv, one_list: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    run(config(arxiv, out, cache, (one_list,)))
    if what == "the list":
        one_list.write_text(LIST + "- [SqueezeNet](https://arxiv.org/abs/1602.07360)\n", "utf-8")
    else:
        monkeypatch.setattr(unchanged, "reader_version", lambda: "another reader")
    read: list[Path] = []

    def reading(source: ListSource) -> ListRead:
        read.append(source.path)
        return read_source(source)

    monkeypatch.setattr("pipeline.refresh.read_source", reading)
    again = run(config(arxiv, out, cache, (one_list,)))
    assert again.exit_code == 0
    assert read == [one_list]


def test_stale_papers_are_asked_and_the_dataset_rewritten(
    arxiv: FakeArxiv, one_list: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    run(config(arxiv, out, cache, (one_list,)))
    arxiv.reset_log()
    stale = RunConfig(
        lists=(one_list,),
        out_dir=out,
        cache_path=None,
        api_url=arxiv.url,
        delay=0.0,
        max_age=timedelta(0),
    )
    again = run(stale)
    assert again.exit_code == 0 and arxiv.log
    assert manifest(out)["counts"]["ids_fetched"] > 0
