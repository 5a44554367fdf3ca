"""``cache``, ``report`` and ``schema``: what the pipeline keeps, shown."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli.options import (
    Commands,
    add_cache_option,
    add_enriched_option,
    check_cache_file,
    require_dataset,
    session,
)
from pipeline.errors import CacheError
from pipeline.records import Exit


def add_cache(commands: Commands) -> None:
    cache_parser = commands.add_parser("cache", help="show or empty the HTTP cache")
    cache_parser.add_argument(
        "action", choices=("info", "clear"), help="info: what the cache holds; clear: empty it"
    )
    add_cache_option(cache_parser)
    cache_parser.set_defaults(handler=cmd_cache)


def add_report(commands: Commands) -> None:
    report_parser = commands.add_parser(
        "report",
        help="write an HTML report with charts of the dataset",
        description="A self-contained HTML page (and PNG charts) of the dataset.",
    )
    add_enriched_option(report_parser)
    report_parser.add_argument(
        "--out", type=Path, metavar="DIR", help="where to write it (default: DIR/report/)"
    )
    report_parser.set_defaults(handler=cmd_report)


def add_schema(commands: Commands) -> None:
    schema_parser = commands.add_parser(
        "schema", help="print the data dictionary (docs/schema.md) as Markdown"
    )
    schema_parser.set_defaults(handler=cmd_schema)


def cmd_cache(args: argparse.Namespace) -> int:
    import sqlite3

    if not args.cache.exists():
        print(f"{args.cache}: no cache yet")
        return 0
    check_cache_file(args.cache)
    cache = session(args.cache)
    try:
        info = cache.cache_info()
    except sqlite3.DatabaseError as err:
        if args.action != "clear":
            raise CacheError.of(args.cache, err) from err
        # A damaged file cannot be emptied: it goes, with SQLite's side files.
        for path in (args.cache, *(Path(f"{args.cache}{s}") for s in ("-wal", "-shm"))):
            path.unlink(missing_ok=True)
        print(f"{args.cache}: removed a damaged cache ({err})")
        return 0
    if args.action == "clear":
        cache.cache.clear()  # type: ignore[no-untyped-call]
        print(f"{args.cache}: removed {info['responses']} responses")
    else:
        print(
            f"{args.cache}: {info['responses']} responses ({info['fresh_responses']} fresh), "
            f"{info['bytes'] / 1024:.0f} KiB"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    # Commands import what they use when they run: matplotlib and pandas alone would
    # double the start-up time of every run, the network stack add a fifth.
    from pipeline.report import ReportError, write_report
    from pipeline.store.schema import ENTRIES, PAPERS

    require_dataset(args.enriched, PAPERS.file, ENTRIES.file)
    try:
        path = write_report(args.enriched, args.out or args.enriched / "report")
    except ReportError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.FATAL
    print(f"wrote {path}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from pipeline.store.dictionary import markdown as schema_markdown

    sys.stdout.write(schema_markdown())
    return 0
