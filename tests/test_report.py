"""The HTML report, over datasets written by real runs against the arXiv stand-in."""

from __future__ import annotations

import base64
import html
import re
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest

from pipeline.report import ReportError, write_report
from pipeline.store.schema import AUTHOR_FIXES
from standin import FakeArxiv
from tests.conftest import cli, fast_run_args

CHARTS = ("papers_per_year", "papers_per_tag", "top_authors", "entry_status")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_twice(api: FakeArxiv, seed_list: Path, tmp_path: Path) -> Path:
    """A dataset whose last run saw arXiv publish a new version, with a new title, of one paper."""
    out = tmp_path / "enriched"
    first = cli(fast_run_args(api, out, tmp_path / "cache1.sqlite", seed_list))
    assert first.returncode == 0, first.stderr
    api.add_version("1412.6550", "2015-03-27T00:00:00Z", title="FitNets: Hints (revised)")
    second = cli(
        [*fast_run_args(api, out, tmp_path / "cache2.sqlite", seed_list), "--max-age", "0"]
    )
    assert second.returncode == 0, second.stderr
    assert (out / AUTHOR_FIXES.file).exists()
    return out


def assert_png(data: bytes) -> None:
    """A whole PNG: signature, an image header of a real size, and the end chunk."""
    assert data.startswith(PNG_SIGNATURE)
    length, kind, width, height = struct.unpack(">I4sII", data[8:24])
    assert (length, kind) == (13, b"IHDR") and width > 100 and height > 100
    assert data.endswith(b"IEND\xaeB`\x82")


def test_report_of_a_real_dataset(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    enriched = run_twice(arxiv_api, seed_list, tmp_path)
    page = write_report(enriched, tmp_path / "report")
    assert page == tmp_path / "report" / "report.html"
    text = page.read_text(encoding="utf-8")

    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(embedded) == len(CHARTS)
    for name, data in zip(CHARTS, embedded, strict=True):
        png = (tmp_path / "report" / f"{name}.png").read_bytes()
        assert_png(png)
        assert base64.b64decode(data) == png
    assert "<script" not in text
    # Self-contained: nothing is loaded from elsewhere; the only links are to arXiv's pages.
    assert not re.search(r'src="(?!data:)|<link|url\(', text)
    links = re.findall(r'<a [^>]*href="([^"]*)"', text)
    assert links and all(link.startswith("https://arxiv.org/abs/") for link in links)
    assert len(re.findall(r"href=", text)) == len(re.findall(r"<a [^>]*href=", text))

    assert "67 papers; 71 entries" in text
    assert "<td>enriched</td><td class=n>67</td>" in text
    assert "<td>not_on_arxiv</td><td class=n>4</td>" in text
    assert "<td>failed</td><td class=n>0</td>" in text
    assert "Distillation" in text  # a tag column of the year x tag table
    fixes = pd.read_parquet(enriched / AUTHOR_FIXES.file)
    counts = fixes.groupby(["kind", "action"]).size().reset_index(name="rows")
    for kind, action, rows in counts.itertuples(index=False, name=None):
        assert f"<td>{kind}</td><td>{action}</td><td class=n>{rows}</td>" in text
    to_fix = fixes[fixes["action"] == "fix"]
    assert len(to_fix) and f"Rows with action <code>fix</code> ({len(to_fix)})" in text
    for listed, on_arxiv in zip(to_fix["listed"], to_fix["on_arxiv"], strict=True):
        assert f"<td>{html.escape(listed or '')}</td><td>{html.escape(on_arxiv or '')}</td>" in text
    assert "2 changes seen by the run started" in text
    assert "<td>FitNets: Hints (revised)</td>" in text


def test_missing_optional_files_are_said_not_fatal(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    enriched = run_twice(arxiv_api, seed_list, tmp_path)
    (enriched / "manifest.json").unlink()
    text = write_report(enriched, tmp_path / "no-manifest").read_text(encoding="utf-8")
    assert "No manifest.json, so the last run is unknown; 2 changes." in text

    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("papers.parquet", "entries.parquet"):
        shutil.copyfile(enriched / name, bare / name)
    text = write_report(bare, tmp_path / "bare-report").read_text(encoding="utf-8")
    assert "No author_fixes.parquet in this dataset" in text
    assert "No changes.parquet in this dataset" in text
    assert text.count("data:image/png;base64,") == len(CHARTS)


def test_missing_or_unreadable_dataset_raises_report_error(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    with pytest.raises(ReportError, match="no such dataset directory"):
        write_report(tmp_path / "nowhere", out)
    with pytest.raises(ReportError, match=r"papers\.parquet: no such file"):
        write_report(tmp_path, out)

    enriched = tmp_path / "enriched"
    result = cli(fast_run_args(arxiv_api, enriched, tmp_path / "cache.sqlite", seed_list))
    assert result.returncode == 0, result.stderr
    (enriched / "manifest.json").write_text("{not json")
    with pytest.raises(ReportError, match=r"manifest\.json: unreadable JSON") as err:
        write_report(enriched, out)
    assert "\n" not in str(err.value)
    (enriched / "entries.parquet").write_bytes(b"PAR1 truncated")
    with pytest.raises(ReportError, match=r"entries\.parquet: unreadable Parquet file") as err:
        write_report(enriched, out)
    assert "\n" not in str(err.value)
