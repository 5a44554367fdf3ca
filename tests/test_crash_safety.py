"""``kill -9`` at any moment leaves a whole dataset: the old one or the new one."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.store.dataset import recover
from standin import FakeArxiv
from tests.conftest import ROOT, cli, fast_run_args

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


def test_kill_9_at_random_moments_never_leaves_a_broken_dataset(
    seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rng = random.Random(20261125)
    with FakeArxiv() as api:
        assert cli(fast_run_args(api, out, tmp_path / "c0.sqlite", seed_list)).returncode == 0
        committed = _dataset_run_ids(out)
        assert len(committed) == 1

        def start(n: int) -> subprocess.Popen[bytes]:
            args = fast_run_args(api, out, tmp_path / f"c{n}.sqlite", seed_list)
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pipeline",
                    *args,
                    "--max-age",
                    "0",
                    "--batch-size",
                    "5",
                    "--delay",
                    "0.02",
                    "-q",
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        began = time.monotonic()
        assert start(1000).wait(timeout=60) == 0
        full_run = time.monotonic() - began

        killed_mid_run = 0
        for n in range(KILLS):
            before = _dataset_run_ids(out)
            process = start(n)
            time.sleep(rng.uniform(0.3, 1.05) * full_run)
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
        final = cli(
            [*fast_run_args(api, out, tmp_path / "final.sqlite", seed_list), "--max-age", "0"]
        )
        assert final.returncode == 0, final.stderr
        assert pq.read_table(out / "papers.parquet").num_rows == 67
