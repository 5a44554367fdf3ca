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
from tests.conftest import cli, fast_run_args


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


def _damage(cache: Path) -> None:
    """Keep SQLite's header, overwrite the pages after it."""
    data = bytearray(cache.read_bytes())
    assert len(data) > 8192
    data[4096:] = b"\xa5" * (len(data) - 4096)
    cache.write_bytes(bytes(data))


def test_a_damaged_cache_is_named_and_cache_clear_removes_it(
    api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite"
    first = cli(fast_run_args(api, tmp_path / "out", cache, seed_list))
    assert first.returncode == 0, first.stderr
    _damage(cache)

    for args in (
        fast_run_args(api, tmp_path / "out2", cache, seed_list),
        ["cache", "info", "--cache", str(cache)],
    ):
        failed = cli(args)
        assert failed.returncode == 1
        last = failed.stderr.strip().splitlines()[-1]
        assert last.startswith(f"error: {cache}: the HTTP cache cannot be used")
        assert "cache clear" in last and "Traceback" not in failed.stderr

    cleared = cli(["cache", "clear", "--cache", str(cache)])
    assert cleared.returncode == 0
    assert "removed a damaged cache" in cleared.stdout
    assert not cache.exists()
    again = cli(fast_run_args(api, tmp_path / "out3", cache, seed_list))
    assert again.returncode == 0, again.stderr
