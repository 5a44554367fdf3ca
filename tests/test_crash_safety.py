"""``kill -9`` at any moment leaves a whole dataset: the old one or the new one."""

from __future__ import annotations

import collections
import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.store.dataset import recover
from standin import FakeArxiv
from tests.conftest import ROOT, cli, fast_run_args

KILLS = 20

# A run in a process of its own, started ahead: it says when its imports are done and begins
# when its stdin closes. The clock of a kill then starts with the run, not with the
# interpreter, and the next process imports while the current one runs.
READY_THEN_RUN = (
    "import sys\n"
    "import arxiv, pyarrow.parquet, requests_cache\n"
    "from pipeline.cli import main\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _dataset_run_ids(out: Path) -> set[str]:
    """The run that wrote each file; every file must be readable whole."""
    manifest = json.loads((out / "manifest.json").read_text())
    ids = {manifest["run_id"]}
    for name in ("papers.parquet", "entries.parquet"):
        metadata = pq.read_schema(out / name).metadata
        ids.add(metadata[b"arxiv_enrich.run_id"].decode())
        assert pq.read_table(out / name).num_rows > 0
    return ids


class Runs:
    """Processes that each run the pipeline over the same output with a cold cache."""

    def __init__(self, api: FakeArxiv, out: Path, seed_list: Path, tmp_path: Path) -> None:
        self.api, self.out, self.seed_list, self.tmp_path = api, out, seed_list, tmp_path
        self.started: list[subprocess.Popen[bytes]] = []

    def ready(self, n: int) -> subprocess.Popen[bytes]:
        args = fast_run_args(self.api, self.out, self.tmp_path / f"c{n}.sqlite", self.seed_list)
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                READY_THEN_RUN,
                *args,
                "--max-age",
                "0",
                "-q",
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.started.append(process)
        return process

    @staticmethod
    def go(process: subprocess.Popen[bytes]) -> float:
        """Start the run once the process is ready; the moment it started."""
        assert process.stdin is not None and process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        process.stdin.close()
        return time.monotonic()

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait()


@pytest.fixture
def runs(seed_list: Path, tmp_path: Path) -> Iterator[Runs]:
    with FakeArxiv() as api:
        started = Runs(api, tmp_path / "out", seed_list, tmp_path)
        try:
            yield started
        finally:
            started.kill_all()


@pytest.mark.slow  # kills processes
def test_kill_9_at_random_moments_never_leaves_a_broken_dataset(runs: Runs, tmp_path: Path) -> None:
    api, out, seed_list = runs.api, runs.out, runs.seed_list
    rng = random.Random(20261125)
    assert cli(fast_run_args(api, out, tmp_path / "c0.sqlite", seed_list)).returncode == 0
    committed = _dataset_run_ids(out)
    assert len(committed) == 1

    reference = runs.ready(1000)
    waiting = collections.deque([runs.ready(0), runs.ready(1)])
    api.reset_log()
    began = runs.go(reference)
    assert reference.wait(timeout=60) == 0
    full_run = time.monotonic() - began
    # After its last request a run builds the dataset and commits it: the delicate part.
    requests, last_request = len(api.log), api.log[-1].started
    committing = time.monotonic() - last_request

    killed_mid_run = 0
    for n in range(KILLS):
        before = _dataset_run_ids(out)
        process = waiting.popleft()
        if n + 2 < KILLS:
            waiting.append(runs.ready(n + 2))
        api.reset_log()
        began = runs.go(process)
        if n % 2:  # every other kill lands after the last request, the rest at any moment
            while len(api.log) < requests and process.poll() is None:
                time.sleep(0.002)
            moment = time.monotonic() + rng.uniform(0, 1.1 * committing)
        else:
            moment = began + rng.uniform(0, 1.05 * full_run)
        time.sleep(max(0.0, moment - time.monotonic()))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_mid_run += 1
        process.wait(timeout=60)

        # Right after the kill every file is whole; after recovery they agree.
        for name in ("papers.parquet", "entries.parquet"):
            pq.read_table(out / name)
        json.loads((out / "manifest.json").read_text())
        recover(out)
        after = _dataset_run_ids(out)
        assert len(after) == 1, f"files of different runs after kill {n}: {after}"
        assert after == before or after.isdisjoint(committed | before), after
        assert not list(out.glob(".*.tmp")) and not list(out.glob(".commit-*"))
        committed |= after

    assert killed_mid_run >= KILLS // 2, "too few kills landed while the run was working"
    final = cli([*fast_run_args(api, out, tmp_path / "final.sqlite", seed_list), "--max-age", "0"])
    assert final.returncode == 0, final.stderr
    assert pq.read_table(out / "papers.parquet").num_rows == 67
