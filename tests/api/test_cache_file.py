"""The HTTP cache on a full disk or damaged: an error naming the file, within seconds."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.api.answers import vet
from pipeline.api.transport import ApiSession, SessionSettings
from pipeline.errors import CacheError
from standin import FakeArxiv


@contextlib.contextmanager
def full_disk(where: Path) -> Iterator[Path]:
    """A small tmpfs at ``where`` whose free space has been used up (needs root)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> None:
    with (disk / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"x" * 4096)


@pytest.mark.timeout(60)
def test_a_cache_on_a_full_disk_is_an_error_naming_it_within_seconds(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk") as disk, FakeArxiv() as api:
        cache = disk / "cache.sqlite"
        session = ApiSession(SessionSettings(cache_path=cache, delay=0, timeout=5), vet=vet)
        session.cache.responses.keys()  # the file exists, then the disk fills up
        _fill(disk)
        started = time.monotonic()
        with pytest.raises(CacheError, match=str(cache)):
            session.get(f"{api.url}?id_list=1503.02531&max_results=1")
        assert time.monotonic() - started < 10
