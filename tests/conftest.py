"""Shared fixtures: the arXiv stand-in on loopback, the seed list, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from standin import FakeArxiv, Faults

ROOT = Path(__file__).resolve().parent.parent
SEED_LIST = ROOT / "data" / "raw" / "awesome-model-compression.md"


@pytest.fixture
def arxiv_api() -> Iterator[FakeArxiv]:
    """A fresh stand-in of the arXiv API on 127.0.0.1, with no faults."""
    with FakeArxiv() as fake:
        yield fake


@pytest.fixture(scope="module")
def shared_api() -> Iterator[FakeArxiv]:
    """One stand-in for a whole test module, for tests that reset it (see ``api``)."""
    with FakeArxiv() as fake:
        yield fake


@pytest.fixture
def api(shared_api: FakeArxiv) -> FakeArxiv:
    """The module's stand-in, with no faults and an empty log."""
    shared_api.faults = Faults()
    shared_api.reset_log()
    return shared_api


@pytest.fixture
def seed_list(tmp_path: Path) -> Path:
    """A copy of the first list (awesome-model-compression) in a temporary folder."""
    path = tmp_path / "awesome-model-compression.md"
    shutil.copyfile(SEED_LIST, path)
    return path


def run_cli(
    args: Sequence[str], cwd: Path = ROOT, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline ARGS`` in a subprocess, as a scheduled job would run it."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def fast_run_args(api: FakeArxiv, out: Path, cache: Path, *lists: Path) -> list[str]:
    """``run`` options for a quick run against the stand-in (small delay, no progress)."""
    return [
        "run",
        *map(str, lists),
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--api-url",
        api.url,
        "--delay",
        "0.01",
        "--no-progress",
    ]
