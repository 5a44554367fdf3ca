"""A list whose source stopped answering is read from its last copy, and the run says so:
in its last lines, in the manifest, and with exit code 5."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

from pipeline.api.transport import ApiSession, SessionSettings
from pipeline.lists.pull import pull_list
from standin import FakeArxiv
from tests.api.test_deadline import raw_server
from tests.conftest import SEED_LIST, cli, fast_run_args
from tests.lists.test_pull import list_server  # noqa: F401  (a fixture)


def test_a_dead_source_is_read_from_its_last_copy_and_reported(
    list_server: tuple[str, Path],  # noqa: F811
    arxiv_api: FakeArxiv,
    tmp_path: Path,
) -> None:
    base, served = list_server
    shutil.copyfile(SEED_LIST, served / "README.md")
    work = tmp_path / "work"
    work.mkdir()
    url = f"{base}/README.md"
    pulled = cli(["pull", url, "--name", "compression", "--cache", "c.sqlite"], cwd=work)
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
