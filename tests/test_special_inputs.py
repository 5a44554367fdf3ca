"""Inputs that are not what they claim: a FIFO or a device as the cache, a malformed
record of where a list came from."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.lists.pull import recorded_sources
from pipeline.lists.read import ListError
from standin import FakeArxiv
from tests.conftest import Result, cli, fast_run_args
from tests.forked import cli_forked


def _one_line_usage_error(done: Result) -> str:
    assert done.returncode == 2, done
    stderr = done.stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr


@pytest.mark.parametrize("name", ["cache.sqlite", "cache"])
@pytest.mark.parametrize("command", [["cache", "info"], ["cache", "clear"], ["run"]])
def test_a_fifo_as_the_cache_is_refused_at_once(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path, name: str, command: list[str]
) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    if command == ["run"]:
        args = fast_run_args(arxiv_api, tmp_path / "out", fifo, seed_list)
    else:
        args = [*command, "--cache", str(fifo)]

    # In a process of its own: a FIFO opened for reading would wait for a writer for good.
    stderr = _one_line_usage_error(cli_forked(args, timeout=20))

    assert f"{fifo}" in stderr and "not a regular file" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, seed_list.name])
    assert arxiv_api.log == []


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_as_the_cache_is_refused_and_nothing_is_created_beside_it(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path, device: str
) -> None:
    beside = Path(device + ".sqlite")
    assert not beside.exists()
    try:
        for args in (
            ["cache", "info", "--cache", device],
            fast_run_args(arxiv_api, tmp_path / "out", Path(device), seed_list),
        ):
            stderr = _one_line_usage_error(cli(args))
            assert device in stderr and "not a regular file" in stderr
            assert not beside.exists()
    finally:
        beside.unlink(missing_ok=True)


MALFORMED = {
    "a list": "[]",
    "a string": '"https://example.org/x.md"',
    "no url": '{"sha256": "ab"}',
    "a number as url": '{"url": 5}',
    "null": "null",
    "not JSON": '{"url": "https://exa',
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_source_record_is_named(tmp_path: Path, text: str) -> None:
    (tmp_path / "good.source.json").write_text('{"url": "https://example.org/good.md"}')
    (tmp_path / "bad.source.json").write_text(text)
    with pytest.raises(ListError) as caught:
        recorded_sources(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'bad.source.json'}: ")


def test_run_pull_with_a_malformed_source_record_is_exit_2_naming_it(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "list.source.json").write_text(json.dumps(["https://example.org/list.md"]))
    args = [*fast_run_args(arxiv_api, tmp_path / "out", tmp_path / "c.sqlite", seed_list), "--pull"]

    stderr = _one_line_usage_error(cli(args, cwd=tmp_path))

    assert stderr.startswith("error: data/raw/list.source.json: ")
    assert arxiv_api.log == []
