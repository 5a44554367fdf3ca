"""``kill -9`` at any moment leaves a whole dataset: the old one or the new one.

Each run is a process of its own, forked from this one with everything a run imports
already loaded: the clock of a kill starts with the run's work, not with an interpreter's
start-up (where nothing is written), and twenty runs cost no twenty start-ups.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.store.dataset import recover
from standin import FakeArxiv
from tests.conftest import cli, fast_run_args

KILLS = 20


def _dataset_run_ids(out: Path) -> set[str]:
    """The run that wrote each file; every file must be readable whole."""
    manifest = json.loads((out / "manifest.json").read_text())
    ids = {manifest["run_id"]}
    for name in ("papers.parquet", "entries.parquet"):
        metadata = pq.read_schema(out / name).metadata
        ids.add(metadata[b"arxiv_enrich.run_id"].decode())
        assert pq.read_table(out / name).num_rows > 0
    return ids


class Run:
    """``main(ARGS)`` in a forked process, silent; its exit status once reaped."""

    def __init__(self, args: list[str]) -> None:
        self.started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: run, and leave without this process's exit handlers
            code = 70
            try:
                quiet = os.open(os.devnull, os.O_WRONLY)
                os.dup2(quiet, 1)
                os.dup2(quiet, 2)
                code = main(args)
            finally:
                os._exit(code)
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code (minus the signal that ended it), or None while it runs."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"run {self.pid} still going after {timeout} s")
            time.sleep(0.002)
        return code

    def kill(self) -> bool:
        """``kill -9``; True when it ended the run, False when the run had ended."""
        if self.poll() is not None:
            return False
        os.kill(self.pid, signal.SIGKILL)  # an exited, unreaped run keeps its status
        _, status = os.waitpid(self.pid, 0)
        self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode == -signal.SIGKILL


class Runs:
    """Runs of the pipeline over the same output, each with a cold cache of its own."""

    def __init__(self, api: FakeArxiv, out: Path, seed_list: Path, tmp_path: Path) -> None:
        self.api, self.out, self.seed_list, self.tmp_path = api, out, seed_list, tmp_path
        self.started: list[Run] = []

    def go(self, n: int) -> Run:
        args = fast_run_args(self.api, self.out, self.tmp_path / f"c{n}.sqlite", self.seed_list)
        run = Run([*args, "--max-age", "0", "-q"])
        self.started.append(run)
        return run

    def kill_all(self) -> None:
        for run in self.started:
            run.kill()


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

    # The quickest of three runs: one slowed by the machine would aim the kills past the end.
    full_run = committing = float("inf")
    for n in range(3):
        api.reset_log()
        reference = runs.go(1000 + n)
        assert reference.wait(timeout=60) == 0
        full_run = min(full_run, time.monotonic() - reference.started)
        # After its last request a run builds the dataset and commits it: the delicate part.
        requests, last_request = len(api.log), api.log[-1].started
        committing = min(committing, time.monotonic() - last_request)
    assert requests > 0 and committing < full_run, "each run must ask arXiv, then commit"

    killed_mid_run = 0
    for n in range(KILLS):
        before = _dataset_run_ids(out)
        api.reset_log()
        process = runs.go(n)
        began = process.started
        if n % 2:  # every other kill lands after the last request, the rest at any moment
            while len(api.log) < requests and process.poll() is None:
                time.sleep(0.002)
            asked = time.monotonic()
            moment = asked + rng.uniform(0, 1.1 * committing)
        else:
            moment = began + rng.uniform(0, 1.05 * full_run)
        time.sleep(max(0.0, moment - time.monotonic()))
        killed = process.kill()
        killed_mid_run += killed
        if not killed:
            # The run ended before the kill: runs now take less than the reference took (it
            # may have been slowed by the machine), so the next kills aim within this one.
            if n % 2 and len(api.log) >= requests:  # the wait above saw its last request
                committing = min(committing, moment - asked)
            else:
                full_run = min(full_run, moment - began)
        # A run the kill did not reach had finished, and well.
        assert process.wait(timeout=60) == (-signal.SIGKILL if killed else 0)

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
