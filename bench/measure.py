"""The measurements of ``make bench``, each a function that returns plain numbers.

Every pipeline run is ``python -m pipeline run`` in a child process, as a scheduled job
runs it, so that start-up and imports count, and so that its CPU time and peak memory can
be read from the kernel for that process alone (``os.wait4``). The arXiv stand-in answers
on 127.0.0.1, either in the bench process (small lists, where its request log is read) or
in a process of its own (synthetic lists, where its own CPU time must stay out of the
pipeline's numbers).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arxiv
import pyarrow.parquet as pq

from bench.synthetic import synthetic_ids, write_list
from pipeline.api.transport import sends_as_post
from pipeline.config import DEFAULT_API_URL
from pipeline.ids import unversioned
from pipeline.lists.read import read_entries
from pipeline.stages.plan import cited_ids
from standin import FakeArxiv

ROOT = Path(__file__).resolve().parent.parent
FIRST_LIST = ROOT / "data" / "raw" / "awesome-model-compression.md"
IMPORT_FLOOR = ("-c", "import pandas, pyarrow")
# cProfile's names of C functions: <method 'sub' of 're.Pattern' objects>, <built-in
# method marshal.loads>.
_C_OWNER = re.compile(r"of '([^']+)' objects|built-in method (\w+)\.")


@dataclass(frozen=True)
class ChildCost:
    """What one child process cost: wall time, CPU time (user + system) and peak memory."""

    exit_code: int
    wall_s: float
    cpu_s: float
    max_rss_mib: float


@dataclass(frozen=True)
class PipelineRun:
    """One ``pipeline run`` in a child process: its cost and the manifest it wrote."""

    ids: int
    batch_size: int
    """``--batch-size``; 0 is the default, as many ids as fill a GET URL."""
    cost: ChildCost
    manifest: dict[str, Any]
    warm: ChildCost | None = None
    """A second run into the same directory, where nothing is stale."""
    round_cpu_s: tuple[float, ...] = ()
    """The cold CPU time of every round, when the size was run more than once (this run
    is the one with the median)."""

    @property
    def requests(self) -> int:
        """Requests the run sent to the network (cache hits excluded)."""
        return int(self.manifest["requests"]["sent"])

    @property
    def papers(self) -> int:
        return int(self.manifest["counts"]["papers"])


@dataclass(frozen=True)
class RequestCount:
    """Requests one client sent for a list, and how many of the list's papers it got."""

    client: str
    requests: int
    ids_answered: int
    papers: int


@dataclass(frozen=True)
class RequestComparison:
    """The pipeline's cold run of a list next to two plain arxiv-package clients."""

    ids_cited: int
    list_papers: int
    rows: tuple[RequestCount, ...]


@dataclass(frozen=True)
class WarmTiming:
    """Wall times of a warm run and of importing pandas and pyarrow, alternated."""

    warm_s: tuple[float, ...]
    floor_s: tuple[float, ...]
    warm_requests: int

    @property
    def warm_median(self) -> float:
        return statistics.median(self.warm_s)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor_s)

    @property
    def ratio(self) -> float:
        return self.warm_median / self.floor_median


@dataclass(frozen=True)
class HotSpot:
    """Where profiled time went: a function or a package, its own and cumulative time."""

    name: str
    calls: int
    own_s: float
    cumulative_s: float


def run_child(argv: Sequence[str], cwd: Path = ROOT) -> tuple[ChildCost, str]:
    """Run ``argv`` and read its rusage with ``os.wait4``; returns its cost and stderr.

    ``resource.getrusage(RUSAGE_CHILDREN)`` would also count every other child the bench
    has waited for, and its ``ru_maxrss`` is the largest of them all.
    """
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    cost = ChildCost(
        exit_code=proc.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
    )
    return cost, stderr


def pipeline_argv(list_path: Path, workdir: Path, api_url: str, *options: str) -> list[str]:
    """``-m pipeline run LIST`` into ``workdir`` (out/ and cache.sqlite), unpaced and quiet."""
    return [
        "-m",
        "pipeline",
        "run",
        str(list_path),
        "--out",
        str(workdir / "out"),
        "--cache",
        str(workdir / "cache.sqlite"),
        "--api-url",
        api_url,
        "--delay",
        "0",
        "-q",
        "--no-progress",
        *options,
    ]


def run_pipeline(
    list_path: Path,
    workdir: Path,
    api_url: str,
    *options: str,
    python: Sequence[str] = (sys.executable,),
) -> tuple[ChildCost, dict[str, Any]]:
    """Run the pipeline (``pipeline_argv``) in a child; its cost and the manifest it wrote.

    Raises RuntimeError unless the run exits with 0, with the tail of what it said.
    """
    cost, stderr = run_child([*python, *pipeline_argv(list_path, workdir, api_url, *options)])
    if cost.exit_code != 0:
        raise RuntimeError(f"pipeline run exited with {cost.exit_code}: {stderr[-2000:]}")
    manifest = json.loads((workdir / "out" / "manifest.json").read_text(encoding="utf-8"))
    return cost, manifest


def _plain_client(api_url: str) -> arxiv.Client:
    """The arxiv package's own client, unpaced, pointed at ``api_url``."""
    client = arxiv.Client(delay_seconds=0)
    client.query_url_format = f"{api_url}?{{}}"
    return client


def _answered(client: arxiv.Client, search: arxiv.Search) -> set[str]:
    return {unversioned(str(r.get_short_id())) for r in client.results(search)}


def compare_requests(list_path: Path, workdir: Path, fake: FakeArxiv) -> RequestComparison:
    """Requests for a cold run of a list: the pipeline, and two arxiv-package baselines.

    The baselines know only the list's ids (they cannot search for title-only entries):
    (a) one ``Search(id_list=[id])`` per id, (b) one ``Search(id_list=ids)`` with the
    client's default page size. The pipeline runs into the fresh ``workdir``.
    """
    ids = cited_ids(read_entries(list_path)[1])
    fake.reset_log()
    _, manifest = run_pipeline(list_path, workdir, fake.url)
    pipeline_requests = len(fake.log)
    list_papers = int(manifest["counts"]["papers"])
    papers = pq.read_table(workdir / "out" / "papers.parquet", columns=["arxiv_id"])
    rows = [
        RequestCount(
            "pipeline (`python -m pipeline run`)",
            pipeline_requests,
            len(set(ids) & set(papers["arxiv_id"].to_pylist())),
            list_papers,
        )
    ]

    client = _plain_client(fake.url)
    fake.reset_log()
    one_by_one: set[str] = set()
    for arxiv_id in ids:
        one_by_one |= _answered(client, arxiv.Search(id_list=[arxiv_id]))
    rows.append(
        RequestCount(
            "(a) arxiv: one `Search(id_list=[id])` per id",
            len(fake.log),
            len(one_by_one & set(ids)),
            len(one_by_one),
        )
    )

    fake.reset_log()
    together = _answered(_plain_client(fake.url), arxiv.Search(id_list=ids))
    rows.append(
        RequestCount(
            "(b) arxiv: one `Search(id_list=ids)`, default page size",
            len(fake.log),
            len(together & set(ids)),
            len(together),
        )
    )
    return RequestComparison(len(ids), list_papers, tuple(rows))


def warm_vs_floor(list_path: Path, workdir: Path, fake: FakeArxiv, repeats: int = 7) -> WarmTiming:
    """Median wall time of a warm run next to ``python -c "import pandas, pyarrow"``.

    ``workdir`` must hold a complete run of the same list (``compare_requests`` leaves
    one), so that nothing is stale. One untimed round warms the file cache; then the two
    commands alternate, each round swapping which goes first, so that drift in the
    machine's load falls on both alike.
    """
    fake.reset_log()
    run_pipeline(list_path, workdir, fake.url)
    run_child([sys.executable, *IMPORT_FLOOR])
    warm: list[float] = []
    floor: list[float] = []
    requests = 0
    for round_number in range(repeats):
        order = ("floor", "warm") if round_number % 2 == 0 else ("warm", "floor")
        for which in order:
            if which == "warm":
                cost, manifest = run_pipeline(list_path, workdir, fake.url)
                warm.append(cost.wall_s)
                requests = max(requests, int(manifest["requests"]["sent"]))
            else:
                cost, _ = run_child([sys.executable, *IMPORT_FLOOR])
                floor.append(cost.wall_s)
    return WarmTiming(tuple(warm), tuple(floor), max(requests, len(fake.log)))


def synthetic_run(
    n: int, workdir: Path, api_url: str, batch_size: int = 0, warm: bool = True, rounds: int = 1
) -> PipelineRun:
    """A cold run of a synthetic list of ``n`` ids against a stand-in that knows them all,
    as a user's first run is (fresh output directory and cache, which it fills); with
    ``warm``, then a second run into the same directory, where nothing is stale.

    With ``rounds`` above 1, all of it that many times, each in a directory of its own: the
    run with the median cold CPU time is returned, with every round's in ``round_cpu_s``.
    ``workdir`` should be empty: the list, the output and the cache are made there.
    """
    if rounds == 1:
        return _synthetic_round(n, workdir, api_url, batch_size, warm)
    runs = [
        _synthetic_round(n, workdir / f"round-{i}", api_url, batch_size, warm)
        for i in range(rounds)
    ]
    runs.sort(key=lambda run: run.cost.cpu_s)
    return dataclasses.replace(
        runs[len(runs) // 2], round_cpu_s=tuple(run.cost.cpu_s for run in runs)
    )


def _synthetic_round(
    n: int, workdir: Path, api_url: str, batch_size: int, warm: bool
) -> PipelineRun:
    workdir.mkdir(parents=True, exist_ok=True)
    list_path = write_list(workdir / f"synthetic-{n}.md", synthetic_ids(n))
    options = ("--batch-size", str(batch_size))
    cost, manifest = run_pipeline(list_path, workdir, api_url, *options)
    run = PipelineRun(n, batch_size, cost, manifest)
    if run.papers != n:
        raise RuntimeError(f"the run over {n} ids wrote {run.papers} papers")
    if not warm:
        return run
    warm_cost, warm_manifest = run_pipeline(list_path, workdir, api_url, *options)
    if warm_manifest["requests"]["sent"]:
        raise RuntimeError(f"the warm run over {n} ids sent requests")
    return dataclasses.replace(run, warm=warm_cost)


def sent_as(batch_size: int) -> str:
    """How the pipeline sends a batch of ``batch_size`` ids to arXiv: GET, or POST when
    the URL would be too long (0, the default, fills the GET URL)."""
    if batch_size == 0:
        return "GET"
    search = arxiv.Search(id_list=synthetic_ids(batch_size), max_results=batch_size)
    url = str(_plain_client(DEFAULT_API_URL)._format_url(search, 0, batch_size))
    return "POST" if sends_as_post(url) else "GET"


def _group(filename: str, function: str) -> str:
    """The package a profiled function belongs to; C functions by their type or module."""
    if filename.startswith("<frozen"):
        return "import system"
    if filename == "~":
        owner = _C_OWNER.search(function)
        if owner is None:
            return "C: other"
        name = owner[1] or owner[2]
        module = name.split(".")[0]
        return "import system" if module in ("marshal", "_imp") else f"C: {name}"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if Path(filename).is_relative_to(ROOT):
        return Path(filename).relative_to(ROOT).parts[0]
    library = next((i for i, p in enumerate(parts) if p.startswith("python3")), None)
    if library is not None and library + 1 < len(parts):
        return "stdlib: " + parts[library + 1].removesuffix(".py")
    return Path(filename).stem


@dataclass(frozen=True)
class Profile:
    """A run under cProfile: its profiled total, stages, packages and functions.

    Stages are the calls ``pipeline.refresh.run`` makes (in ``_run``), by cumulative time; what
    lies outside ``run`` (start-up, imports, argument parsing) is ``total_s - run_s``. Packages
    sum the own time of their functions; functions are ranked by own time.
    """

    label: str
    total_s: float
    run_s: float
    stages: list[HotSpot]
    packages: list[HotSpot]
    functions: list[HotSpot]


def profile_pipeline(
    label: str, list_path: Path, workdir: Path, api_url: str, *options: str, top: int = 12
) -> Profile:
    """A pipeline run under ``python -m cProfile``, read back with pstats.

    cProfile slows the run down (most where calls are many and short), so its numbers are
    shares to compare within one profile, not timings.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    profile = workdir / "run.prof"
    python = (sys.executable, "-m", "cProfile", "-o", str(profile))
    run_pipeline(list_path, workdir, api_url, *options, python=python)
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    run_key = next(
        key for key in stats if key[2] == "_run" and key[0].endswith(f"pipeline{os.sep}refresh.py")
    )
    functions, stages = [], []
    by_package: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (filename, line, function), (_, calls, own, cumulative, callers) in stats.items():
        where = function if filename == "~" else f"{Path(filename).name}:{line}({function})"
        functions.append(HotSpot(where, calls, own, cumulative))
        if run_key in callers:
            _, from_run, own_in_run, cumulative_in_run = callers[run_key]
            stages.append(HotSpot(where, from_run, own_in_run, cumulative_in_run))
        package = by_package[_group(filename, function)]
        package[0] += calls
        package[1] += own
    packages = [HotSpot(name, int(c), own, own) for name, (c, own) in by_package.items()]
    return Profile(
        label=label,
        total_s=sum(h.own_s for h in functions),
        run_s=stats[run_key][3],
        stages=sorted(stages, key=lambda h: h.cumulative_s, reverse=True)[:top],
        packages=sorted(packages, key=lambda h: h.own_s, reverse=True)[:top],
        functions=sorted(functions, key=lambda h: h.own_s, reverse=True)[:top],
    )


def profile_synthetic(n: int, workdir: Path, api_url: str) -> Profile:
    """A cold run of a synthetic list of ``n`` ids under cProfile (see ``synthetic_run``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    list_path = write_list(workdir / f"synthetic-{n}.md", synthetic_ids(n))
    return profile_pipeline(f"cold run of {n:,} synthetic ids", list_path, workdir, api_url)


def import_times(args: Sequence[str]) -> list[HotSpot]:
    """Import time of ``python -X importtime ARGS`` by top-level package, largest first.

    Each module's own import time is added to its top-level package, so a package is not
    charged for the packages it imports. As hot spots: calls = modules imported, own =
    their import time in seconds.
    """
    cost, stderr = run_child([sys.executable, "-X", "importtime", *args])
    if cost.exit_code != 0:
        raise RuntimeError(f"{args} exited with {cost.exit_code}: {stderr[-2000:]}")
    by_package: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        package = by_package[name.strip().split(".")[0]]
        package[0] += 1
        package[1] += int(own) / 1e6
    spots = [HotSpot(name, int(n), own, own) for name, (n, own) in by_package.items()]
    return sorted(spots, key=lambda h: h.own_s, reverse=True)
