"""SIGINT at any moment: never a raw traceback, exit 130, and a message that says what is
true about the dataset."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from standin import FakeArxiv
from tests.conftest import ROOT, cli, fast_run_args

# Modules imported at start-up, early to late; -X importtime reports each as it is loaded.
STARTUP_MARKERS = ("argparse", "pyarrow.lib", "pipeline.stages.join", "pipeline.store.schema")


def _interrupt_at_import(marker: str, args: list[str]) -> tuple[int | None, str]:
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "pipeline", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if marker in line:
            process.send_signal(signal.SIGINT)
            break
    _, rest = process.communicate(timeout=60)
    stderr = "".join(seen) + rest
    return process.returncode, "".join(
        line for line in stderr.splitlines(keepends=True) if not line.startswith("import time:")
    )


@pytest.mark.parametrize("marker", STARTUP_MARKERS)
def test_sigint_during_start_up_is_a_one_line_message_and_exit_130(
    marker: str, seed_list: Path, tmp_path: Path
) -> None:
    args = [
        "run",
        str(seed_list),
        "--out",
        str(tmp_path / "out"),
        "--api-url",
        "http://127.0.0.1:9/",
    ]
    code, stderr = _interrupt_at_import(marker, args)
    # Modules are imported as the command needs them: an interrupt may come before the
    # command starts or during its first steps; either way one true line, nothing written.
    assert code == 130
    assert stderr.strip() in (
        "interrupted while starting; nothing was written",
        "interrupted; nothing was written",
    )
    # A run that had started has taken its lock, and left nothing else.
    out = tmp_path / "out"
    assert not out.exists() or [p.name for p in out.iterdir()] == [".lock"]


# ``python -m pipeline`` that imports ahead, says so, and starts when told to on its stdin:
# the next run starts up while the current one is interrupted.
READY_THEN_PIPELINE = (
    "import runpy, sys\n"
    "import arxiv, pandas, pyarrow.parquet, requests_cache\n"
    "import pipeline.cli\n"
    "print('ready', flush=True)\n"
    "sys.stdin.readline()\n"
    "runpy.run_module('pipeline', run_name='__main__', alter_sys=True)\n"
)


def test_sigint_after_the_summary_is_no_traceback_and_no_false_claim(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    def start(n: int) -> subprocess.Popen[str]:
        args = fast_run_args(arxiv_api, tmp_path / f"out{n}", tmp_path / f"c{n}.sqlite", seed_list)
        return subprocess.Popen(
            [sys.executable, "-c", READY_THEN_PIPELINE, *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        )

    following = start(0)
    for n in range(6):
        out = tmp_path / f"out{n}"
        process = following
        if n < 5:
            following = start(n + 1)
        assert process.stdin is not None and process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        process.stdin.write("go\n")
        process.stdin.flush()
        summary = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert summary.startswith("wrote 67 papers")
        assert pq.read_table(out / "papers.parquet").num_rows == 67
        assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
        assert process.returncode in (0, 130), stderr
        if process.returncode == 130:
            assert f"interrupted after writing {out}" in stderr, stderr


def _on_rename(monkeypatch: pytest.MonkeyPatch, name: str, action: Any) -> None:
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == name:
            action()
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_sigint_during_the_commit_says_the_dataset_was_written(
    arxiv_api: FakeArxiv,
    seed_list: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    _on_rename(monkeypatch, "entries.parquet", lambda: os.kill(os.getpid(), signal.SIGINT))

    code = main(fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list))

    stderr = capsys.readouterr().err
    assert code == 130
    assert stderr.strip().splitlines()[-1] == f"interrupted after writing {out}"
    assert pq.read_table(out / "papers.parquet").num_rows == 67
    assert not [p for p in out.iterdir() if p.name.startswith((".commit", ".papers"))]


def test_sigint_before_the_commit_says_nothing_was_written(
    arxiv_api: FakeArxiv,
    seed_list: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    args = fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list)
    assert cli(args).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("pipeline.store.write.write_dataset", interrupt)
    code = main([*args, "--max-age", "0"])

    assert code == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted; nothing was written"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
