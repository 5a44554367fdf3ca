"""``make bench``: measure requests, time and memory in one session; write docs/benchmarks.md.

With the defaults it takes a few minutes on two cores, most of them in the 100,000-id run.
The options exist to try other sizes; ``tests/test_bench.py`` calls ``collect`` at a tiny
size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import busy, machine
from bench.measure import (
    FIRST_LIST,
    IMPORT_FLOOR,
    ROOT,
    compare_requests,
    import_times,
    pipeline_argv,
    profile_pipeline,
    profile_synthetic,
    sent_as,
    synthetic_run,
    warm_vs_floor,
)
from bench.report import TARGET_IDS, BenchResults, render, targets
from bench.standin import standin_process
from standin import FakeArxiv

REPORT = ROOT / "docs" / "benchmarks.md"


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def collect(
    sizes: Sequence[int] = (1_000, 10_000, 100_000),
    batch_ids: int = 10_000,
    batch_sizes: Sequence[int] = (0, 100, 2000),
    repeats: int = 7,
    profile_ids: int = 100_000,
    target_rounds: int = 3,
) -> BenchResults:
    """Take every measurement of the report; ``batch_sizes=()`` leaves out the batch-size
    sweep, ``profile_ids=0`` the profile of a synthetic run. The size of the targets is
    run ``target_rounds`` times (cold, then warm), and the median cold CPU counts."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    start = busy()
    with tempfile.TemporaryDirectory(prefix="arxiv-enrich-bench-") as tmp:
        work = Path(tmp)
        with FakeArxiv() as fake:
            _say("requests for a cold run of the first list")
            requests = compare_requests(FIRST_LIST, work / "first", fake)
            _say(f"warm run vs import floor ({repeats} rounds)")
            warm = warm_vs_floor(FIRST_LIST, work / "first", fake, repeats)
            warm_imports = import_times(pipeline_argv(FIRST_LIST, work / "first", fake.url))
            floor_imports = import_times(IMPORT_FLOOR)
            profiles = [
                profile_pipeline("warm run of the first list", FIRST_LIST, work / "first", fake.url)
            ]
        largest = max([*sizes, batch_ids if batch_sizes else 0, profile_ids])
        _say(f"starting the stand-in with {largest:,} synthetic records")
        with standin_process(largest) as url:
            scale = []
            for n in sizes:
                # The size the targets are set at is run several times: its median counts.
                rounds = target_rounds if n == TARGET_IDS else 1
                _say(f"synthetic list of {n:,} ids" + (f" ({rounds} rounds)" if rounds > 1 else ""))
                scale.append(synthetic_run(n, work / f"scale-{n}", url, rounds=rounds))
            batches = []
            for size in batch_sizes:
                # A run of the same ids and batch size was measured above: it is reused.
                same = [r for r in scale if (r.ids, r.batch_size) == (batch_ids, size)]
                if not same:
                    _say(f"{batch_ids:,} ids with --batch-size {size}")
                    run = synthetic_run(batch_ids, work / f"batch-{size}", url, size, warm=False)
                    same = [run]
                batches.append(same[0])
            if profile_ids:
                _say(f"profiling {profile_ids:,} ids")
                profiles.append(profile_synthetic(profile_ids, work / "profile", url))
    return BenchResults(
        started=started,
        duration_s=time.perf_counter() - clock,
        machine=machine(),
        start=start,
        end=busy(),
        requests=requests,
        warm=warm,
        warm_imports=warm_imports,
        floor_imports=floor_imports,
        scale=scale,
        batches=batches,
        batch_methods={size: sent_as(size) for size in batch_sizes},
        profiles=profiles,
    )


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=[1_000, 10_000, 100_000])
    parser.add_argument("--batch-ids", type=int, default=10_000)
    parser.add_argument("--batch-sizes", type=_sizes, default=[0, 100, 2000])
    parser.add_argument("--repeats", type=int, default=7, help="warm-run rounds (at least 5)")
    parser.add_argument("--profile-ids", type=int, default=100_000, help="0: no profile")
    parser.add_argument(
        "--target-rounds", type=int, default=3, help="runs of the targets' size (median counts)"
    )
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    results = collect(
        args.sizes,
        args.batch_ids,
        args.batch_sizes,
        args.repeats,
        args.profile_ids,
        args.target_rounds,
    )
    args.out.write_text(render(results), encoding="utf-8")
    for target in targets(results):
        state = {True: "met", False: "MISSED", None: "not measured"}[target.met]
        print(f"{target.name}: {target.measured} (goal: {target.goal}) - {state}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
