"""docs/benchmarks.md from the measurements: the targets, the numbers, how they were taken."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bench.machine import Busy, Machine, others_cpu_s
from bench.measure import HotSpot, PipelineRun, Profile, RequestComparison, WarmTiming
from pipeline.text import duration

TOU_SECONDS = 3.0  # arXiv's terms of use: no more than one request every three seconds
ARXIV_PAGE_LIMIT = 2000
COLD_REQUESTS_TARGET = 2
WARM_RATIO_TARGET = 1.0
COLD_CPU_TARGET_S = 10.0
MEMORY_TARGET_MIB = 500.0
WARM_CPU_TARGET_S = 3.0
REQUESTS_TARGET = 336
TARGET_IDS = 100_000


@dataclass(frozen=True)
class BenchResults:
    """Everything one ``make bench`` measured."""

    started: datetime
    duration_s: float
    machine: Machine
    start: Busy
    end: Busy
    requests: RequestComparison
    warm: WarmTiming
    warm_imports: Sequence[HotSpot]
    floor_imports: Sequence[HotSpot]
    scale: Sequence[PipelineRun]
    batches: Sequence[PipelineRun]
    batch_methods: dict[int, str]
    profiles: Sequence[Profile]


@dataclass(frozen=True)
class Target:
    """A goal, what was measured against it, and whether it is met (None: not measured)."""

    name: str
    goal: str
    measured: str
    met: bool | None


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub Markdown table; numbers are right-aligned."""
    body = [list(map(str, row)) for row in rows]
    align = [
        "---:"
        if any(row[i] for row in body) and all(not row[i] or _numeric(row[i]) for row in body)
        else "---"
        for i in range(len(header))
    ]
    lines = [header, align, *body]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines) + "\n"


def _numeric(text: str) -> bool:
    """A number as the report writes them: 1,000, 2.5, 1.7x, 25%."""
    return text.replace(",", "").replace(".", "").removesuffix("x").removesuffix("%").isdigit()


def _yes(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def targets(results: BenchResults) -> list[Target]:
    """The targets of the pipeline, checked against this bench's numbers."""
    pipeline = results.requests.rows[0]
    largest = next((r for r in results.scale if r.ids == TARGET_IDS), None)
    found = [
        Target(
            "cold run of the first list",
            f"at most {COLD_REQUESTS_TARGET} requests",
            f"{pipeline.requests} requests",
            pipeline.requests <= COLD_REQUESTS_TARGET,
        ),
        Target(
            "warm run of the first list",
            f"within {WARM_RATIO_TARGET}x `import pandas, pyarrow`",
            f"{results.warm.ratio:.2f}x ({results.warm.warm_median:.2f} s vs "
            f"{results.warm.floor_median:.2f} s)",
            results.warm.ratio <= WARM_RATIO_TARGET,
        ),
    ]
    big = f"{TARGET_IDS:,} ids"
    goals: list[tuple[str, str, float | None, str, float]] = [
        (
            f"{big}: cold CPU",
            "s",
            largest.cost.cpu_s if largest else None,
            f"at most {COLD_CPU_TARGET_S:.0f} s",
            COLD_CPU_TARGET_S,
        ),
        (
            f"{big}: cold peak memory",
            "MiB",
            largest.cost.max_rss_mib if largest else None,
            f"at most {MEMORY_TARGET_MIB:.0f} MiB",
            MEMORY_TARGET_MIB,
        ),
        (
            f"{big}: warm CPU",
            "s",
            largest.warm.cpu_s if largest and largest.warm else None,
            f"at most {WARM_CPU_TARGET_S:.0f} s",
            WARM_CPU_TARGET_S,
        ),
        (
            f"{big}: requests at the default batch size",
            "requests",
            largest.requests if largest and largest.batch_size == 0 else None,
            f"at most {REQUESTS_TARGET}",
            REQUESTS_TARGET,
        ),
    ]
    for name, unit, measured, goal, limit in goals:
        if measured is None:
            found.append(Target(name, goal, "-", None))
        else:
            shown = f"{measured:.1f} {unit}" if unit == "s" else f"{measured:.0f} {unit}"
            found.append(Target(name, goal, shown, measured <= limit))
    return found


def _machine_section(results: BenchResults) -> str:
    m = results.machine
    others = others_cpu_s(results.start, results.end)
    others_cores = None if others is None else others / results.duration_s
    shared = results.start.load[0] >= m.cores / 2 or (
        others_cores is not None and others_cores >= 0.25
    )
    rows = [
        ("CPU", m.cpu),
        ("cores", m.cores),
        ("memory", f"{m.memory_gib:.1f} GiB"),
        ("OS", m.os),
        ("Python", m.python),
        *((f"`{name}`", v) for name, v in m.packages.items()),
        ("load average at start (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in results.start.load)),
        ("load average at end (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in results.end.load)),
    ]
    if others is not None and others_cores is not None:
        rows.append(
            (
                "CPU time of other processes during the bench",
                f"{others:.0f} s (on average {others_cores:.2f} of {m.cores} cores)",
            )
        )
    text = "## Machine\n\n" + table(("what", "value"), rows)
    if shared:
        text += (
            "\n**The machine was shared**: other processes were busy during the bench "
            "(see the load and their CPU time above), so wall times are higher and noisier "
            "than on an idle machine. CPU times and request counts are affected far less.\n"
        )
    else:
        text += "\nThe machine was otherwise nearly idle during the bench.\n"
    text += (
        "\nThe load average at the end includes the bench's own work (the pipeline and the "
        "stand-in each keep a core busy during the large runs).\n"
    )
    return text


def _requests_section(results: BenchResults) -> str:
    comparison = results.requests
    rows = [
        (
            row.client,
            row.requests,
            f"{row.ids_answered} of {comparison.ids_cited}",
            f"{row.papers} of {comparison.list_papers}",
            "yes" if row.papers >= comparison.list_papers else "no",
        )
        for row in comparison.rows
    ]
    return (
        "## 1. Requests for a cold run of the first list\n\n"
        "`data/raw/awesome-model-compression.md` against the stand-in, with a fresh output "
        "directory and cache; requests counted in the stand-in's log. The list cites "
        f"{comparison.ids_cited} valid arXiv ids (after repair) and resolves to "
        f"{comparison.list_papers} papers: its title-only entries are searched by title, "
        "which the arxiv-package baselines cannot do. The baselines use `arxiv.Client` with "
        "`delay_seconds=0`, its `query_url_format` pointed at the stand-in.\n\n"
        + table(
            ("client", "requests", "cited ids answered", "papers of the list", "all papers"),
            rows,
        )
        + "\nThe pipeline sends one request for the batch of ids and one title search "
        '(`ti:"..." OR ...`, up to ten titles to a request).\n'
    )


def _warm_section(results: BenchResults) -> str:
    warm = results.warm
    rows = [
        (
            "`python -m pipeline run LIST` (warm)",
            f"{warm.warm_median:.3f}",
            f"{min(warm.warm_s):.3f}",
            f"{max(warm.warm_s):.3f}",
            len(warm.warm_s),
        ),
        (
            '`python -c "import pandas, pyarrow"`',
            f"{warm.floor_median:.3f}",
            f"{min(warm.floor_s):.3f}",
            f"{max(warm.floor_s):.3f}",
            len(warm.floor_s),
        ),
    ]
    return (
        "## 2. Warm run of the first list\n\n"
        "A second run into the same output directory, where nothing is stale, next to the "
        "time it takes the same interpreter to import pandas and pyarrow. Wall times in "
        "seconds, the two commands alternating in one session.\n\n"
        + table(("command", "median s", "min s", "max s", "runs"), rows)
        + f"\nRatio of the medians: **{warm.ratio:.2f}x** (target {WARM_RATIO_TARGET}x). "
        f"Requests sent by the warm runs: {warm.warm_requests}.\n\n" + _imports(results)
    )


def _imports(results: BenchResults, top: int = 10) -> str:
    """Where a warm run's time goes: imports by package, next to the floor's."""
    floor = {h.name for h in results.floor_imports}
    warm_total = sum(h.own_s for h in results.warm_imports)
    shared = sum(h.own_s for h in results.warm_imports if h.name in floor)
    floor_total = sum(h.own_s for h in results.floor_imports)
    rows = [
        (f"`{h.name}`", h.calls, f"{h.own_s * 1000:.0f}", "yes" if h.name in floor else "no")
        for h in results.warm_imports[:top]
    ]
    return (
        "Where a warm run's time goes: its imports, by top-level package (`python -X "
        "importtime`, each module's own time; one run, so roughly):\n\n"
        + table(("package", "modules", "import ms", "imported by the floor too"), rows)
        + f"\nImports take {warm_total:.2f} s of a warm run, {shared:.2f} s of them in "
        f"packages the floor imports too (the floor's imports: {floor_total:.2f} s). The "
        "rest of the run is the interpreter's start and the work itself: reading the list "
        "and the previous dataset, and writing the dataset again.\n"
    )


def _growth(runs: Sequence[PipelineRun]) -> str:
    rows = []
    for small, large in itertools.pairwise(runs):
        rows.append(
            (
                f"{small.ids:,} -> {large.ids:,} ({large.ids / small.ids:.0f}x ids)",
                f"{large.cost.wall_s / small.cost.wall_s:.1f}x",
                f"{large.cost.cpu_s / small.cost.cpu_s:.1f}x",
                f"{large.cost.max_rss_mib / small.cost.max_rss_mib:.1f}x",
            )
        )
    return table(("ids", "wall", "CPU", "peak memory"), rows)


def _warm_cells(r: PipelineRun) -> tuple[str, str, str]:
    if r.warm is None:
        return ("-", "-", "-")
    return (f"{r.warm.wall_s:.1f}", f"{r.warm.cpu_s:.1f}", f"{r.warm.max_rss_mib:.0f}")


def _rounds_note(runs: Sequence[PipelineRun]) -> str:
    """Which sizes ran more than once, and each round's cold CPU time."""
    notes = [
        f"\n{r.ids:,} ids ran {len(r.round_cpu_s)} times, each cold then warm in a directory "
        "of its own; the row is the run with the median cold CPU time (each round's: "
        + ", ".join(f"{cpu:.1f}" for cpu in r.round_cpu_s)
        + " s). The targets are checked against it.\n"
        for r in runs
        if len(r.round_cpu_s) > 1
    ]
    return "".join(notes)


def _scale_section(results: BenchResults) -> str:
    rows = [
        (
            f"{r.ids:,}",
            r.requests,
            f"{r.cost.wall_s:.1f}",
            f"{r.cost.cpu_s:.1f}",
            f"{r.cost.max_rss_mib:.0f}",
            *_warm_cells(r),
        )
        for r in results.scale
    ]
    return (
        "## 3. Synthetic lists at scale, cold and warm\n\n"
        "Cold runs as a user's first run is (`--delay 0 -q --no-progress`, a fresh output "
        "directory and cache, which the run fills; the default batch size, as many ids as "
        "fit in a GET URL), then a warm run into the same directory, where nothing is "
        "stale. Synthetic lists, against a stand-in in a separate process that knows every "
        "id. CPU time is user + system of the pipeline's process alone; peak memory is its "
        "maximum resident set size.\n\n"
        + table(
            (
                "ids",
                "requests",
                "cold wall s",
                "cold CPU s",
                "cold peak MiB",
                "warm wall s",
                "warm CPU s",
                "warm peak MiB",
            ),
            rows,
        )
        + _rounds_note(results.scale)
        + "\nGrowth of the cold runs from one size to the next:\n\n"
        + _growth(results.scale)
        + "\nThe smallest list is dominated by start-up (interpreter and imports, about the "
        "import floor of section 2), so the first step grows less than tenfold. A warm run "
        "whose lists are the bytes the last run read writes only its manifest: it reads "
        "the entries back from the dataset instead of the lists.\n"
    )


def _tou_section(results: BenchResults) -> str:
    first = results.requests.rows[0]
    rows: list[tuple[object, ...]] = [
        (
            "first list",
            results.requests.ids_cited,
            first.requests,
            duration(first.requests * TOU_SECONDS),
            "-",
        )
    ]
    for r in results.scale:
        big = -(-r.ids // ARXIV_PAGE_LIMIT)
        rows.append(
            (
                f"synthetic {r.ids:,}",
                f"{r.ids:,}",
                f"{r.requests:,}",
                duration(r.requests * TOU_SECONDS),
                f"{big:,} request{'s' if big > 1 else ''}, {duration(big * TOU_SECONDS)}",
            )
        )
    return (
        "## 4. The floor set by arXiv's terms of use\n\n"
        f"arXiv asks for no more than one request every {TOU_SECONDS:.0f} s, which the "
        "pipeline's default `--delay 3` keeps; the measured runs above use `--delay 0`, "
        "allowed only against the stand-in. Against arXiv a cold run takes about "
        f"requests x {TOU_SECONDS:.0f} s at least, whatever the CPU does.\n\n"
        + table(
            (
                "list",
                "ids",
                "requests (measured, default batch)",
                f"floor at {TOU_SECONDS:.0f} s a request",
                f"with `--batch-size {ARXIV_PAGE_LIMIT}` (computed)",
            ),
            rows,
        )
    )


def _batch_section(results: BenchResults) -> str:
    if not results.batches:
        return ""
    best = min(results.batches, key=lambda r: r.cost.wall_s)
    rows = [
        (
            _batch_name(r.batch_size),
            r.requests,
            results.batch_methods.get(r.batch_size, "?"),
            f"{r.cost.wall_s:.1f}",
            f"{r.cost.cpu_s:.1f}",
            f"{r.cost.max_rss_mib:.0f}",
            duration(r.requests * TOU_SECONDS),
        )
        for r in results.batches
    ]
    n = results.batches[0].ids
    return (
        f"## 5. Batch size for {n:,} ids\n\n"
        f"The same cold run of {n:,} synthetic ids with several `--batch-size` values. arXiv "
        f"answers at most {ARXIV_PAGE_LIMIT:,} entries a request; a query whose URL would "
        "pass 4,000 characters is sent as a form POST (web servers refuse long request "
        "lines), which arXiv's CDN does not cache. The default, 0, puts as many ids in a "
        "batch as keep its GET URL within 4,000 bytes (298 new-style ids). Against arXiv "
        "the floor column dominates: it falls in proportion to the batch size, while how "
        "fast and how reliably arXiv answers large batches cannot be measured "
        "against the stand-in.\n\n"
        + table(
            (
                "batch size",
                "requests",
                "sent as",
                "wall s",
                "CPU s",
                "peak MiB",
                f"floor at {TOU_SECONDS:.0f} s",
            ),
            rows,
        )
        + (
            "\nThe row of the default batch size is the run of section 3.\n"
            if any(r in results.scale for r in results.batches)
            else ""
        )
        + f"\nFastest against the stand-in: {_batch_name(best.batch_size)} "
        f"({best.cost.wall_s:.1f} s).\n"
    )


def _batch_name(size: int) -> str:
    return "0 (default: fill the GET URL)" if size == 0 else str(size)


def _profile(profile: Profile) -> str:
    """One profile: the stages of ``run``, then packages and functions by own time."""
    total = profile.total_s or 1.0
    stages: list[tuple[object, ...]] = [
        (f"`{h.name}`", h.calls, f"{h.cumulative_s:.2f}", f"{h.cumulative_s / total:.0%}")
        for h in profile.stages
    ]
    outside = profile.total_s - profile.run_s
    stages.append(
        (
            "start-up, imports, options (outside `run`)",
            "",
            f"{outside:.2f}",
            f"{outside / total:.0%}",
        )
    )
    packages = [
        (f"`{h.name}`", f"{h.own_s:.2f}", f"{h.own_s / total:.0%}") for h in profile.packages
    ]
    functions = [
        (f"`{h.name}`", f"{h.calls:,}", f"{h.own_s:.2f}", f"{h.cumulative_s:.2f}")
        for h in profile.functions
    ]
    return (
        f"### {profile.label[0].upper()}{profile.label[1:]}\n\n"
        f"{profile.total_s:.2f} s profiled. The calls `pipeline.refresh.run` makes, by cumulative "
        "time:\n\n"
        + table(("stage", "calls", "cumulative s", "share"), stages)
        + "\nBy package (own time of its functions; functions written in C count by their type "
        "or module, as `C: ...`, and loading modules as `import system`):\n\n"
        + table(("package", "own s", "share"), packages)
        + "\nBy function (own time):\n\n"
        + table(("function", "calls", "own s", "cumulative s"), functions)
    )


def _profile_section(results: BenchResults) -> str:
    if not results.profiles:
        return ""
    return (
        "## Where the time goes (cProfile)\n\n"
        "Runs under `python -m cProfile`, which slows them down (most where calls are many "
        "and short): read shares, not seconds.\n\n"
        + "\n".join(_profile(p) for p in results.profiles)
    )


def _how_section(results: BenchResults) -> str:
    return (
        "## How measured\n\n"
        "- `make bench` runs `python -m bench.run`, which takes every number above in one "
        "session and writes this file.\n"
        "- Every pipeline run is `python -m pipeline run` in a child process, so start-up "
        "and imports count. Wall time is `time.perf_counter` around the child; CPU time "
        "(user + system) and peak memory (`ru_maxrss`) are the kernel's rusage of that "
        "child alone (`os.wait4`).\n"
        "- The arXiv stand-in (`standin/`) serves the first list's recorded papers "
        "in the bench process, where its request log is counted, and the synthetic records "
        "(`bench/synthetic.py`) from a process of its own (`bench/standin.py`), so that its "
        "CPU time stays out of the pipeline's numbers.\n"
        f"- The warm-run ratio is the median of {len(results.warm.warm_s)} runs over the "
        f"median of {len(results.warm.floor_s)} imports, alternating, after one untimed "
        "round of each.\n"
        "- Each synthetic size and batch size is one run (the sizes: one cold, one warm), "
        "except a size run in rounds (section 3), whose median cold run counts: on these "
        "shared machines the CPU time of one run varies by up to a tenth from run to run, "
        "wall times more.\n"
        "- Timings are not asserted in the tests; `tests/test_bench.py` runs the same "
        "measurements at a tiny size and checks their shape.\n"
    )


def render(results: BenchResults) -> str:
    """The whole report, Markdown."""
    checked = targets(results)
    target_rows = [(t.name, t.goal, t.measured, _yes(t.met)) for t in checked]
    sections = [
        "# Benchmarks\n\n"
        "<!-- Written by `make bench` (`python -m bench.run`); do not edit by hand. -->\n\n"
        f"Measured on {results.started:%Y-%m-%d %H:%M} UTC; the bench took "
        f"{duration(results.duration_s)}.\n",
        "## Targets\n\n" + table(("target", "goal", "measured", "result"), target_rows),
        _machine_section(results),
        _requests_section(results),
        _warm_section(results),
        _scale_section(results),
        _tou_section(results),
        _batch_section(results),
        _profile_section(results),
        _how_section(results),
    ]
    return "\n".join(s for s in sections if s)
