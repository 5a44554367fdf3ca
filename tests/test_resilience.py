"""The run's promises when arXiv misbehaves: retries, pacing, giving up, resuming, locking."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.store.dataset import DatasetLock
from standin import FakeArxiv, Faults
from tests.conftest import ROOT, cli, fast_run_args, run_cli


def _statuses(out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in pq.read_table(out / "entries.parquet").to_pylist():
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def test_a_fault_mix_still_enriches_everything_paced_and_caches_only_good_answers(
    seed_list: Path, tmp_path: Path
) -> None:
    faults = Faults(
        rates={"503": 0.2, "429": 0.1, "empty": 0.1, "truncated": 0.05}, retry_after="0", seed=7
    )
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    delay = 0.05
    with FakeArxiv(faults=faults) as api:
        run = cli(
            [
                *fast_run_args(api, out, cache, seed_list),
                "--batch-size",
                "10",
                "--delay",
                str(delay),
                "--max-retries",
                "8",
                "--max-wait",  # backoff doubles from the delay; a few waits stay short
                "0.1",
            ]
        )
        assert run.returncode == 0, run.stderr
        faulted = [r.fault for r in api.log if r.fault]
        assert len(faulted) >= 3, "the mix should have injected faults"
        assert len(api.log) == 7 + 1 + len(faulted)  # 7 id batches, 1 title search
        starts = sorted(r.started for r in api.log)
        # Seen by the server, so its own scheduling jitter (a few ms under load) is allowed.
        assert min(b - a for a, b in itertools.pairwise(starts)) >= delay - 0.02

        papers = pq.read_table(out / "papers.parquet")
        assert papers.num_rows == 67  # the 66 linked papers and one found by its title
        assert _statuses(out) == {"enriched": 67, "not_on_arxiv": 4}

        api.reset_log()
        api.faults = Faults()
        fresh_out = tmp_path / "fresh"
        again = cli([*fast_run_args(api, fresh_out, cache, seed_list), "--batch-size", "10"])
        assert again.returncode == 0, again.stderr
        assert api.log == [], "every batch must come from the cache, none of the bad answers"
        assert pq.read_table(fresh_out / "papers.parquet").num_rows == 67


def test_a_lockout_writes_what_was_fetched_exits_3_and_the_next_run_resumes(
    seed_list: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    with FakeArxiv(faults=Faults(lockout_after=3, retry_after="0")) as api:
        run = cli(
            [*fast_run_args(api, out, cache, seed_list), "--batch-size", "10", "--max-retries", "2"]
        )
        assert run.returncode == 3, run.stderr
        assert "pending" in run.stdout
        assert len(api.log) == 3 + 3  # three answers, then one request and two retries
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["exit_code"] == 3 and manifest["complete"] is False
        assert len(manifest["pending_ids"]) == 36
        assert pq.read_table(out / "papers.parquet").num_rows == 30
        assert _statuses(out) == {"enriched": 30, "failed": 36, "no_arxiv_id": 5}

        api.faults = Faults()
        api.reset_log()
        resumed = cli([*fast_run_args(api, out, cache, seed_list), "--batch-size", "10"])
        assert resumed.returncode == 0, resumed.stderr
        asked = [i for r in api.log for i in r.id_list]
        assert sorted(asked) == sorted(manifest["pending_ids"])
        assert pq.read_table(out / "papers.parquet").num_rows == 67


def test_a_retry_after_beyond_max_wait_stops_at_once_and_keeps_previous_rows(
    seed_list: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    with FakeArxiv() as api:
        assert cli(fast_run_args(api, out, cache, seed_list)).returncode == 0
        api.faults = Faults(lockout_after=0, retry_after="7200")
        api.reset_log()
        run = cli(
            [
                *fast_run_args(api, out, tmp_path / "other-cache.sqlite", seed_list),
                "--max-age",
                "0",
                "--max-wait",
                "60",
            ]
        )
        assert run.returncode == 1  # arXiv answered nothing at all this run
        assert len(api.log) == 1
        assert pq.read_table(out / "papers.parquet").num_rows == 67


def test_a_partial_refresh_keeps_the_previous_rows_of_papers_it_could_not_refresh(
    seed_list: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    with FakeArxiv() as api:
        assert cli(fast_run_args(api, out, cache, seed_list)).returncode == 0
        api.faults = Faults(lockout_after=2, retry_after="0")
        api.reset_log()
        run = cli(
            [
                *fast_run_args(api, out, tmp_path / "cold.sqlite", seed_list),
                "--max-age",
                "0",
                "--batch-size",
                "10",
                "--max-retries",
                "1",
            ]
        )
        assert run.returncode == 3, run.stderr
        assert pq.read_table(out / "papers.parquet").num_rows == 67
        assert _statuses(out)["enriched"] == 67


@pytest.mark.slow  # the lock held by another process, and exit code 4 end to end
def test_a_second_run_exits_4_while_the_first_holds_the_lock(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with DatasetLock(out):
        started = time.monotonic()
        run = run_cli(fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list))
        assert time.monotonic() - started < 30
    assert run.returncode == 4
    assert "another run" in run.stderr and "--wait" in run.stderr
    assert arxiv_api.log == []
    assert not (out / "papers.parquet").exists()


@pytest.mark.slow  # the lock across processes
def test_wait_waits_for_the_lock(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with DatasetLock(out):
        waiting = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline",
                *fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list),
                "--wait",
                "-vv",  # the lock library's lines say when the run finds the lock held
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert waiting.stderr is not None
        said = [waiting.stderr.readline() for _ in range(3)]
        assert any("not acquired" in line for line in said), said
        time.sleep(0.2)  # a few rounds of its polling
        assert waiting.poll() is None, "must wait while the lock is held"
        assert arxiv_api.log == [], "nothing is asked before the lock is taken"
    _, said_after = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, said_after[-2000:]
    assert (out / "papers.parquet").exists()


@pytest.mark.slow  # a lock holder killed with SIGKILL
def test_a_lock_left_by_a_killed_process_does_not_block(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from pipeline.store.dataset import DatasetLock\n"
            "with DatasetLock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (out / ".lock").exists()
    run = cli(fast_run_args(arxiv_api, out, tmp_path / "c.sqlite", seed_list))
    assert run.returncode == 0, run.stderr


def test_hostile_answers_are_refused_and_retried(seed_list: Path, tmp_path: Path) -> None:
    faults = Faults(script=["bomb", "bad_utf8", "huge"])  # huge: 80 MiB, over the 64 MiB bound
    with FakeArxiv(faults=faults) as api:
        run = cli(
            [
                *fast_run_args(api, tmp_path / "out", tmp_path / "c.sqlite", seed_list),
                "--max-retries",
                "5",
            ]
        )
        assert run.returncode == 0, run.stderr
        assert [r.fault for r in api.log] == ["bomb", "bad_utf8", "huge", None, None]
        assert pq.read_table(tmp_path / "out" / "papers.parquet").num_rows == 67
