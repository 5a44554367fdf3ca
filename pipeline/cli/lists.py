"""``pull`` and ``fix``: the list files themselves."""

from __future__ import annotations

import argparse
import os
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

# What `fix --only` calls each kind of fix (the reasons of pipeline.lists.fix).
FIX_NAMES = {
    "author": "author",
    "id": "id",
    "link": "arxiv_link",
    "marker": "marker",
    "title_spaces": "title_spaces",
}


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
        description="Write LIST with lost list markers, misspelled author names, repaired "
        "and disagreeing ids, arXiv links of entries found by title, and runs of spaces in "
        "titles corrected; every other byte stays. Prints a unified diff, then a summary "
        "naming what is left for a person. Writes nothing when there is nothing to fix.",
    )
    fix_parser.add_argument("list", type=list_path, metavar="LIST", help="the Markdown list")
    add_enriched_option(fix_parser)
    where = fix_parser.add_mutually_exclusive_group()
    where.add_argument(
        "--out", type=Path, metavar="PATH", help="where to write (default: DIR/NAME.fixed.md)"
    )
    where.add_argument("--in-place", action="store_true", help="overwrite LIST itself")
    fix_parser.add_argument(
        "--only",
        type=fix_names,
        metavar="FIX[,FIX...]",
        help=f"apply these fixes only, of: {', '.join(FIX_NAMES)} (default: all)",
    )
    fix_parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the diff: auto (default) when standard output is a terminal and "
        "NO_COLOR is not set",
    )
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
        outcome = fix_list_file(args.list, args.enriched, args.out, args.in_place, only=args.only)
    except FixError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.USAGE
    if outcome.diff and not args.quiet:
        diff = outcome.diff if outcome.diff.endswith("\n") else outcome.diff + "\n"
        sys.stdout.write(colored(diff) if _use_color(args.color) else diff)
    for skipped in outcome.skipped:
        print(f"skipped line {skipped.fix.line} ({skipped.fix.reason}): {skipped.why}")
    kinds = Counter(f.reason for f in outcome.applied)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "nothing"
    where = f"wrote {outcome.out_path}" if outcome.written else "nothing written"
    if outcome.removed is not None:
        where += f" (removed the earlier {outcome.removed})"
    print(f"{args.list}: {counted(len(outcome.applied), 'fix', 'fixes')} ({summary}); {where}")
    if outcome.left:
        left = ", ".join(f"{n} {finding}" for finding, n in outcome.left)
        print(f"left for a person: {left}; see `python -m pipeline check {args.list}`")
    return 0


def fix_names(text: str) -> frozenset[str]:
    """An argparse type: ``author,id,...`` as the reasons of the fixes they name."""
    names = [name.strip() for name in text.split(",")]
    unknown = [name for name in names if name not in FIX_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown fix {', '.join(map(repr, unknown))}; the fixes are {', '.join(FIX_NAMES)}"
        )
    return frozenset(FIX_NAMES[name] for name in names)


def colored(diff: str) -> str:
    """A unified diff with its lines coloured for a terminal, as git colours them: the
    file header bold, hunk headers cyan, removed lines red, added lines green."""
    out, in_hunk = [], False
    for line in diff.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        in_hunk = in_hunk or body.startswith("@@")
        if not in_hunk:
            code = "1" if body.startswith(("--- ", "+++ ")) else ""
        else:
            code = {"@": "36", "+": "32", "-": "31"}.get(body[:1], "")
        out.append(f"\x1b[{code}m{body}\x1b[0m{line[len(body) :]}" if code else line)
    return "".join(out)


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
