"""pipeline.lists.pull: a list downloaded into data/raw/ with the record of its source, as
``python -m pipeline pull`` and ``run --pull`` use it, against a plain HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.api.transport import ApiSession, SessionSettings
from pipeline.lists.pull import PullError, name_from_url, pull_list, recorded_sources
from pipeline.lists.read import ListError
from standin import FakeArxiv
from tests.api.test_deadline import raw_server
from tests.conftest import SEED_LIST, Result, cli, fast_run_args


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files and logs nothing: the commands run in this process, their stderr is ours."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def list_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain HTTP server on 127.0.0.1 serving a folder, as GitHub serves raw files."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def _served_list(list_server: tuple[str, Path], tmp_path: Path) -> tuple[str, Path, Path]:
    """The first list served as a README, and an empty checkout to pull it into: the
    list's URL, the served folder and the checkout."""
    base, served = list_server
    shutil.copyfile(SEED_LIST, served / "README.md")
    work = tmp_path / "work"
    work.mkdir()
    return f"{base}/README.md", served, work


def _pull(url: str, work: Path) -> Result:
    return cli(["pull", url, "--name", "compression", "--cache", "c.sqlite"], cwd=work)


def test_pull_stores_the_list_with_its_source_and_skips_an_unchanged_one(
    list_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, served, work = _served_list(list_server, tmp_path)

    first = _pull(url, work)
    assert first.returncode == 0, first.stderr
    assert "pulled" in first.stdout and "71 entries" in first.stdout
    pulled = work / "data" / "raw" / "compression.md"
    assert pulled.read_bytes() == SEED_LIST.read_bytes()
    source = json.loads((work / "data" / "raw" / "compression.source.json").read_text())
    assert source["url"] == url and len(source["sha256"]) == 64 and source["pulled_at"]

    stamp = pulled.stat().st_mtime_ns
    second = _pull(url, work)
    assert second.returncode == 0
    assert "unchanged" in second.stdout
    assert pulled.stat().st_mtime_ns == stamp

    (served / "README.md").write_text(
        SEED_LIST.read_text(encoding="utf-8") + "- [Extra](https://arxiv.org/abs/1605.08386)\n",
        encoding="utf-8",
    )
    third = _pull(url, work)
    assert third.returncode == 0
    assert "72 entries" in third.stdout


def test_pull_refuses_what_is_not_a_list(list_server: tuple[str, Path], tmp_path: Path) -> None:
    base, served = list_server
    (served / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    for url in (f"{base}/image.png", f"{base}/missing.md"):
        run = cli(["pull", url, "--name", "x", "--cache", "c.sqlite"], cwd=tmp_path)
        assert run.returncode == 1
        assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1
    assert not (tmp_path / "data" / "raw" / "x.md").exists()


def test_run_pull_pulls_recorded_lists_before_running(
    list_server: tuple[str, Path], arxiv_api: FakeArxiv, tmp_path: Path
) -> None:
    base, served = list_server
    (served / "README.md").write_text("# L\n- [A](https://arxiv.org/abs/1503.02531)\n")
    work = tmp_path / "work"
    work.mkdir()
    assert (
        cli(
            ["pull", f"{base}/README.md", "--name", "small", "--cache", "c.sqlite"], cwd=work
        ).returncode
        == 0
    )
    (served / "README.md").write_text(
        "# L\n- [A](https://arxiv.org/abs/1503.02531)\n- [B](https://arxiv.org/abs/1605.08386)\n"
    )
    run = cli(
        [
            "run",
            "--pull",
            "--out",
            "out",
            "--cache",
            "c.sqlite",
            "--api-url",
            arxiv_api.url,
            "--delay",
            "0",
            "--no-progress",
        ],
        cwd=work,
    )
    assert run.returncode == 0, run.stderr
    assert pq.read_table(work / "out" / "papers.parquet").num_rows == 2


def test_pull_records_the_source_of_a_list_already_there_unchanged(
    list_server: tuple[str, Path], tmp_path: Path
) -> None:
    base, served = list_server
    shutil.copyfile(SEED_LIST, served / "README.md")
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copyfile(SEED_LIST, raw / "compression.md")
    run = cli(
        ["pull", f"{base}/README.md", "--name", "compression", "--cache", "c.sqlite"], cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert "unchanged" in run.stdout
    source = json.loads((raw / "compression.source.json").read_text())
    assert source["url"] == f"{base}/README.md"


# -- the functions themselves ---------------------------------------------------------------------


def session(tmp_path: Path) -> ApiSession:
    return ApiSession(SessionSettings(cache_path=tmp_path / "c.sqlite", delay=0.0, timeout=5.0))


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (
            "https://raw.githubusercontent.com/someone/awesome-pruning/main/README.md",
            "awesome-pruning",
        ),
        ("https://raw.githubusercontent.com/someone/lists/main/vision/efficient.md", "lists"),
        ("https://example.org/lists/efficient-vision.md", "efficient-vision"),
        ("http://127.0.0.1:8000/a/b/distillation.markdown?raw=1", "distillation"),
    ],
)
def test_the_name_of_a_list_comes_from_its_repository_or_its_file(url: str, name: str) -> None:
    assert name_from_url(url) == name


@pytest.mark.parametrize("url", ["https://example.org/", "https://www.example.org"])
def test_a_url_without_a_file_name_is_named_after_its_host(url: str) -> None:
    assert name_from_url(url) == "example.org"


def test_a_url_with_nothing_to_name_a_list_after_asks_for_a_name() -> None:
    with pytest.raises(PullError, match="pass --name"):
        name_from_url("http://[::]:8000/---/README.md")


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "with space", "-dash"])
def test_a_name_that_is_not_a_plain_file_name_is_refused_and_nothing_written(
    name: str, list_server: tuple[str, Path], tmp_path: Path
) -> None:
    base, served = list_server
    (served / "README.md").write_text("- [A](https://arxiv.org/abs/1503.02531)\n")
    raw = tmp_path / "raw"
    raw.mkdir()
    with pytest.raises(PullError, match="list name"):
        pull_list(session(tmp_path), f"{base}/README.md", raw, name)
    assert list(raw.iterdir()) == []


def test_pull_list_writes_the_bytes_as_served_and_counts_the_entries(
    list_server: tuple[str, Path], tmp_path: Path
) -> None:
    base, served = list_server
    # A byte order mark and CRLF line ends, as some editors save a README.
    data = "\ufeff# Pruning\r\n- [A](https://arxiv.org/abs/1503.02531)\r\n- [B](https://arxiv.org/abs/1605.08386)\r\n"
    (served / "pruning.md").write_bytes(data.encode("utf-8"))
    raw = tmp_path / "raw"
    raw.mkdir()

    result = pull_list(session(tmp_path), f"{base}/pruning.md", raw)

    assert (result.path, result.changed, result.entries) == (raw / "pruning.md", True, 2)
    assert result.path.read_bytes() == data.encode("utf-8")
    record = json.loads((raw / "pruning.source.json").read_text())
    assert record["url"] == f"{base}/pruning.md"
    assert record["sha256"] == result.sha256
    assert recorded_sources(raw) == {"pruning": f"{base}/pruning.md"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"# Notes\nno papers here, only prose\n", "no paper entries"),
        (b"- [A](https://arxiv.org/abs/1503.02531)\x00\n", "binary"),
        ("- [Caf\u00e9](https://arxiv.org/abs/1503.02531)\n".encode("latin-1"), "not UTF-8"),
    ],
    ids=["no-entries", "nul-byte", "latin-1"],
)
def test_pull_list_refuses_what_is_not_a_list_and_writes_nothing(
    content: bytes, message: str, list_server: tuple[str, Path], tmp_path: Path
) -> None:
    base, served = list_server
    (served / "notes.md").write_bytes(content)
    raw = tmp_path / "raw"
    raw.mkdir()
    with pytest.raises(PullError, match=message) as err:
        pull_list(session(tmp_path), f"{base}/notes.md", raw)
    assert "\n" not in str(err.value)
    assert list(raw.iterdir()) == []


def test_a_missing_file_is_its_http_status(list_server: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = list_server
    with pytest.raises(PullError, match="HTTP 404"):
        pull_list(session(tmp_path), f"{base}/gone.md", tmp_path)


def test_a_refused_connection_is_a_pull_error(tmp_path: Path) -> None:
    with pytest.raises(PullError, match=r"^http://127\.0\.0\.1:9/list\.md: "):
        pull_list(session(tmp_path), "http://127.0.0.1:9/list.md", tmp_path)


def test_recorded_sources_are_read_by_name_and_a_broken_record_is_named(tmp_path: Path) -> None:
    assert recorded_sources(tmp_path) == {}
    (tmp_path / "b.source.json").write_text(json.dumps({"url": "http://h/b.md"}))
    (tmp_path / "a.source.json").write_text(json.dumps({"url": "http://h/a.md", "sha256": "x"}))
    (tmp_path / "c.md").write_text("- [C](https://arxiv.org/abs/1503.02531)\n")  # never pulled
    assert recorded_sources(tmp_path) == {"a": "http://h/a.md", "b": "http://h/b.md"}

    (tmp_path / "d.source.json").write_text('{"sha256": "no url"}')
    with pytest.raises(ListError, match=r"d\.source\.json: not a source record"):
        recorded_sources(tmp_path)


def test_a_dead_source_is_read_from_its_last_copy_and_reported(
    list_server: tuple[str, Path],
    arxiv_api: FakeArxiv,
    tmp_path: Path,
) -> None:
    url, served, work = _served_list(list_server, tmp_path)
    pulled = _pull(url, work)
    assert pulled.returncode == 0, pulled.stderr
    record = json.loads((work / "data/raw/compression.source.json").read_text())
    assert record["url"] == url and record["succeeded_at"]

    args = [*fast_run_args(arxiv_api, work / "out", work / "c.sqlite"), "--pull"]
    fine = cli(args, cwd=work)
    assert fine.returncode == 0, fine.stderr
    manifest = json.loads((work / "out/manifest.json").read_text())
    assert [(p["name"], p["error"]) for p in manifest["pulls"]] == [("compression", None)]
    record = json.loads((work / "data/raw/compression.source.json").read_text())

    (served / "README.md").unlink()  # the source moved away
    stale = cli(args, cwd=work)
    assert stale.returncode == 5, stale.stderr
    last = stale.stdout.strip().splitlines()[-1]
    assert last.startswith("pull failed: compression (")
    assert "HTTP 404" in last and "read its last copy (last pulled " in last
    manifest = json.loads((work / "out/manifest.json").read_text())
    (failed,) = manifest["pulls"]
    assert failed["url"] == url and "HTTP 404" in failed["error"]
    assert failed["succeeded_at"] == record["succeeded_at"]
    assert manifest["exit_code"] == 5 and manifest["counts"]["entries"] == 71


def test_a_redirected_pull_records_where_it_ended_up(tmp_path: Path) -> None:
    body = SEED_LIST.read_bytes()

    def serve(conn: socket.socket, n: int) -> None:
        if n == 1:
            moved = "HTTP/1.1 301 Moved\r\nLocation: /moved/README.md\r\nConnection: close\r\n"
            moved += "Content-Length: 0\r\n\r\n"
            conn.sendall(moved.encode())
        else:
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            conn.sendall(head + body)

    settings = SessionSettings(cache_path=tmp_path / "c.sqlite", delay=0.0, timeout=5.0)
    with raw_server(serve) as base:
        pulled = pull_list(ApiSession(settings), f"{base}/README.md", tmp_path, "c")
    assert pulled.entries == 71
    record = json.loads((tmp_path / "c.source.json").read_text())
    assert record["url"] == f"{base}/README.md"
    assert record["final_url"] == f"{base}/moved/README.md"
