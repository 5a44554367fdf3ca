"""``pull`` and ``fix``: the list files themselves."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from pipeline.cli.options import (
    Commands,
    add_cache_option,
    add_enriched_option,
    list_path,
    list_url,
    number,
    require_dataset,
    session,
)
from pipeline.cli.run import setup_logging
from pipeline.config import RAW_DIR, RunConfig
from pipeline.records import Exit
from pipeline.text import counted


def add_pull(commands: Commands) -> None:
    pull_parser = commands.add_parser(
        "pull",
        help="download a list into data/raw/ and record where it came from",
        description="Download a Markdown list (e.g. a GitHub raw README) into "
        f"{RAW_DIR}/NAME.md, with NAME.source.json beside it.",
    )
    pull_parser.add_argument("url", type=list_url, metavar="URL", help="where the list is")
    pull_parser.add_argument(
        "--name", help="list name (default: the GitHub repository, or the file name)"
    )
    add_cache_option(pull_parser)
    pull_parser.add_argument(
        "--timeout",
        type=number(float, 0.1),
        default=RunConfig.timeout,
        metavar="SECONDS",
        help=f"limit for the download (default: {RunConfig.timeout:g})",
    )
    pull_parser.set_defaults(handler=cmd_pull)


def add_fix(commands: Commands) -> None:
    fix_parser = commands.add_parser(
        "fix",
        help="write the list with the confident corrections of the last run",
        description="Write LIST with misspelled author names, repaired ids, arXiv links of "
        "entries found by title, and runs of spaces in titles corrected; every other byte "
        "stays. Prints a summary and a unified diff.",
    )
    fix_parser.add_argument("list", type=list_path, metavar="LIST", help="the Markdown list")
    add_enriched_option(fix_parser)
    where = fix_parser.add_mutually_exclusive_group()
    where.add_argument(
        "--out", type=Path, metavar="PATH", help="where to write (default: DIR/NAME.fixed.md)"
    )
    where.add_argument("--in-place", action="store_true", help="overwrite LIST itself")
    fix_parser.add_argument("-q", "--quiet", action="store_true", help="the summary only, no diff")
    fix_parser.set_defaults(handler=cmd_fix)


def cmd_pull(args: argparse.Namespace) -> int:
    from pipeline.lists.pull import PullError, pull_list

    setup_logging(verbose=False, quiet=False)
    try:
        result = pull_list(session(args.cache, args.timeout), args.url, RAW_DIR, args.name)
    except PullError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.FATAL
    state = "pulled" if result.changed else "unchanged, not rewritten:"
    print(f"{state} {result.path} ({result.entries} entries, sha256 {result.sha256[:12]})")
    return 0


def cmd_fix(args: argparse.Namespace) -> int:
    from pipeline.lists.fix import FixError, fix_list_file
    from pipeline.store.schema import ENTRIES

    require_dataset(args.enriched, ENTRIES.file)
    try:
        outcome = fix_list_file(args.list, args.enriched, args.out, args.in_place)
    except FixError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.USAGE
    kinds = Counter(f.reason for f in outcome.applied)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "nothing"
    where = f"wrote {outcome.out_path}" if outcome.written else "nothing written"
    print(f"{args.list}: {counted(len(outcome.applied), 'fix', 'fixes')} ({summary}); {where}")
    for skipped in outcome.skipped:
        print(f"skipped line {skipped.fix.line} ({skipped.fix.reason}): {skipped.why}")
    if outcome.diff and not args.quiet:
        print(outcome.diff, end="" if outcome.diff.endswith("\n") else "\n")
    return 0
