"""``status``: what the last run did, and what the next one would ask of arXiv."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cli.options import Commands, UsageError, add_tunings, list_path
from pipeline.config import DEFAULT_API_URL, DEFAULT_OUT, RAW_DIR, TITLES_PER_QUERY
from pipeline.text import duration

if TYPE_CHECKING:
    from pipeline.records import History, Manifest
    from pipeline.stages.plan import Plan

_PLANNING = ("delay", "batch_size", "max_age")


def add_status(commands: Commands) -> None:
    status_parser = commands.add_parser(
        "status",
        help="say what the last run did and what the next one would ask (no network)",
        description="When the last run ended, whether it was complete, its exit code and "
        "pending ids; what the next run would ask arXiv (new, stale, pending ids, title "
        "searches), in how many requests, and how long that takes at --delay.",
    )
    status_parser.add_argument(
        "lists",
        nargs="*",
        type=list_path,
        metavar="LIST",
        help=f"the lists of the next run (default: the last run's, else every *.md in {RAW_DIR}/)",
    )
    status_parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"the output directory of run (default: {DEFAULT_OUT}/)",
    )
    status_parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="(default: text)"
    )
    add_tunings(status_parser, only=_PLANNING, help="as for run")
    status_parser.set_defaults(handler=cmd_status)


@dataclass(frozen=True)
class NextRun:
    """What the next run would ask arXiv, and what that costs."""

    lists: list[str]
    new: int
    """Ids no run has fetched, nor been told arXiv lacks."""
    stale: int
    """Ids fetched (or found missing) at least --max-age ago."""
    pending: int
    """Ids the last run left unfetched when arXiv stopped answering."""
    title_searches: int
    requests: int
    """Without retries: ids per --batch-size, titles per five."""
    seconds: float
    """The least time those requests take at --delay, when none is answered from the cache."""
    next_due: datetime | None
    """When the first thing not asked now becomes stale (null: nothing is cited)."""


def _id_requests(ids: Sequence[str], batch_size: int, api_url: str) -> int:
    """Requests the client will send for ``ids``: its own batching, no network."""
    from pipeline.api.client import id_batches, query_urls
    from pipeline.api.transport import DEFAULT_MAX_URL_LENGTH

    batches = id_batches(sorted(set(ids)), query_urls(api_url), batch_size, DEFAULT_MAX_URL_LENGTH)
    return len(batches)


def next_run(
    lists: Sequence[str],
    plan: Plan,
    history: History,
    pending_ids: Sequence[str],
    batch_size: int,
    delay: float,
    max_age: timedelta,
    api_url: str = DEFAULT_API_URL,
) -> NextRun:
    """The cost of ``plan``: how many ids of each kind, requests and seconds."""
    pending = [i for i in plan.ids if i in set(pending_ids)]
    stale = [
        i for i in plan.ids if i not in pending and (i in history.papers or i in history.unanswered)
    ]
    titles = len(set(plan.titles))
    requests = _id_requests(plan.ids, batch_size, api_url) + math.ceil(titles / TITLES_PER_QUERY)
    asked = set(plan.ids)
    searched = {(e.list_file, e.line) for e in plan.searches}
    times = [
        *(p.fetched_at for i, p in history.papers.items() if i in plan.cited and i not in asked),
        *(u.checked_at for i, u in plan.unanswered.items() if i in plan.cited),
        *(s.checked_at for k, s in plan.earlier_searches.items() if k not in searched),
    ]
    return NextRun(
        lists=list(lists),
        new=len(plan.ids) - len(pending) - len(stale),
        stale=len(stale),
        pending=len(pending),
        title_searches=titles,
        requests=requests,
        seconds=max(0, requests - 1) * delay,
        next_due=min(times) + max_age if times else None,
    )


def _lists(given: Sequence[Path], manifest: Manifest | None) -> tuple[Path, ...]:
    from pipeline.cli.run import default_lists
    from pipeline.lists.choose import choose_lists

    if given:
        return choose_lists(given, named=True)
    if manifest is not None and manifest.lists:
        return choose_lists([Path(r.path) for r in manifest.lists], named=True)
    return choose_lists(default_lists(), named=False)


def cmd_status(args: argparse.Namespace) -> int:
    from pipeline.lists.load import read_lists
    from pipeline.records import History
    from pipeline.stages.plan import plan_run
    from pipeline.store.history import read_history
    from pipeline.store.last_run import read_manifest, reading

    manifest, history = None, History()
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: a file, not the output directory of run")
    if args.out.is_dir():
        with reading(args.out):
            manifest = read_manifest(args.out)
            history = read_history(args.out)
    lists = read_lists(_lists(args.lists, manifest))
    max_age = timedelta(days=args.max_age)
    now = datetime.now(UTC)
    plan = plan_run([e for lst in lists for e in lst.entries], history, now, max_age)
    pending = manifest.pending_ids if manifest else []
    coming = next_run(
        [str(lst.path) for lst in lists],
        plan,
        history,
        pending,
        int(args.batch_size),
        args.delay,
        max_age,
        manifest.api_url if manifest else DEFAULT_API_URL,
    )
    if args.format == "json":
        document = {"last_run": _last_run_json(manifest), "next_run": asdict(coming)}
        print(json.dumps(document, indent=2, default=_iso))
    else:
        print("\n".join(status_lines(manifest, coming, now, args.delay)))
    return 0


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _last_run_json(manifest: Manifest | None) -> dict[str, Any] | None:
    if manifest is None:
        return None
    keys = ("run_id", "started_at", "finished_at", "exit_code", "complete", "gave_up")
    return {
        **{k: getattr(manifest, k) for k in keys},
        "pending_ids": manifest.pending_ids,
        "lists": [r.path for r in manifest.lists],
        "entries": manifest.counts.entries,
        "papers": manifest.counts.papers,
    }


def _ago(then: datetime, now: datetime) -> str:
    seconds = (now - then).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    return "just now"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def status_lines(
    manifest: Manifest | None, coming: NextRun, now: datetime, delay: float
) -> list[str]:
    """What ``status`` prints: the last run, then the next."""
    from pipeline.text import counted

    if manifest is None:
        lines = ["last run: none in this directory"]
    else:
        state = "complete" if manifest.complete else f"incomplete ({manifest.gave_up})"
        lines = [
            f"last run: ended {_when(manifest.finished_at)} "
            f"({_ago(manifest.finished_at, now)}), {state}, exit code {manifest.exit_code}; "
            f"{counted(manifest.counts.entries, 'entry', 'entries')}, "
            f"{counted(manifest.counts.papers, 'paper')}",
        ]
        shown = ", ".join(manifest.pending_ids[:10])
        more = len(manifest.pending_ids) - 10
        lines.append(
            f"pending ids: {shown}{f' and {more} more' if more > 0 else ''}"
            if manifest.pending_ids
            else "pending ids: none"
        )
    ids = coming.new + coming.stale + coming.pending
    searches = counted(coming.title_searches, "title search", "title searches")
    asks = (
        f"next run: {counted(ids, 'id')} to fetch ({coming.new} new, {coming.stale} stale, "
        f"{coming.pending} pending) and {searches}"
    )
    if coming.requests:
        asks += (
            f": {counted(coming.requests, 'request')}, at least "
            f"{duration(coming.seconds)} at --delay {delay:g} (less for answers in the cache)"
        )
    else:
        asks += ": no request"
    lines.append(asks)
    if coming.next_due is not None:
        lines.append(f"the next id or title becomes stale at {_when(coming.next_due)}")
    return lines
