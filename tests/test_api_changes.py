"""A silent change of the API (a field gone from every answer) is said, not swallowed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.config import RunConfig
from pipeline.refresh import run
from standin import FakeArxiv
from tests.conftest import SEED_LIST


class PdfLinkGone(FakeArxiv):
    """The stand-in, answering as arXiv did for a while after its November 2025 move."""

    def answer(self, params: dict[str, str]) -> tuple[int, bytes]:
        status, body = super().answer(params)
        return status, re.sub(rb'<link [^>]*type="application/pdf"[^>]*/>', b"", body)


def _config(api: FakeArxiv, tmp_path: Path) -> RunConfig:
    return RunConfig(
        lists=(SEED_LIST,),
        out_dir=tmp_path / "out",
        cache_path=tmp_path / "cache.sqlite",
        api_url=api.url,
        delay=0.0,
    )


def test_a_field_missing_from_every_answer_is_in_the_last_lines_and_manifest(
    tmp_path: Path,
) -> None:
    with PdfLinkGone() as api:
        result = run(_config(api, tmp_path))
    assert result.exit_code == 0
    assert "no answer of arXiv had pdf link in any entry" in result.summary
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["requests"]["missing_fields"] == ["pdf link"]


def test_ordinary_answers_report_no_missing_field(tmp_path: Path) -> None:
    with FakeArxiv() as api:
        result = run(_config(api, tmp_path))
    assert "may have changed" not in result.summary
    assert result.manifest is not None and result.manifest.requests.missing_fields == []
