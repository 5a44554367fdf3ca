"""The command line: parsing, and turning what a command did into an exit code.

The exit codes are a contract for scheduled jobs: ``pipeline.records.Exit`` lists them and
the README says what each asks of the operator.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from pipeline import __version__
from pipeline.cli import check, data, export, lists, run, status
from pipeline.cli.options import Parser, UsageError
from pipeline.errors import CacheError
from pipeline.records import Exit

# Nothing heavy is imported before the arguments are parsed: pyarrow, pandas and the network
# stack are most of the start-up time, and `--version` or a usage error needs none of them.


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m pipeline",
        description="Turn curated Markdown lists of papers into an enriched arXiv dataset.",
    )
    parser.add_argument("--version", action="version", version=f"arxiv-enrich {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )

    run.add_run(commands)
    lists.add_pull(commands)
    data.add_cache(commands)
    lists.add_fix(commands)
    data.add_report(commands)
    data.add_schema(commands)
    export.add_export(commands)
    check.add_check(commands)
    status.add_status(commands)
    return parser


def _asks_version(argv: Sequence[str]) -> bool:
    """``--version`` among the options before the command, and before any ``-h``."""
    for arg in argv:
        if arg in ("-h", "--help") or not arg.startswith("-"):
            return False
        if arg == "--version":
            return True
    return False


def _interrupted(already: int) -> str:
    """What is true after an interrupt: what this command had written, if anything."""
    from pipeline.store.commit import written

    done = written()[already:]
    if not done:
        return "interrupted; nothing was written"
    more = f" and {len(done) - 3} more files" if len(done) > 3 else ""
    return f"interrupted after writing {', '.join(map(str, done[:3]))}{more}"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; ``argv`` defaults to the program's own arguments.

    As the program (no ``argv``), an interrupt once the command is done is ignored: what
    it did stands, and a second Ctrl-C cannot turn its outcome into a traceback.
    """
    as_program = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    if _asks_version(argv):
        print(f"arxiv-enrich {__version__}")
        return 0
    try:
        # Imported here, not at the top: --version above needs none of it.
        import sqlite3

        from pipeline.lists.read import ListError
        from pipeline.store.commit import written
        from pipeline.store.dataset import LockedError, StoreError
    except KeyboardInterrupt:
        print("interrupted while starting; nothing was written", file=sys.stderr)
        return Exit.INTERRUPTED

    already = len(written())
    args = argparse.Namespace()
    try:
        args = build_parser().parse_args(argv)
        code: int = args.handler(args)
        if as_program:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        return code
    except (UsageError, ListError) as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.USAGE
    except LockedError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.LOCKED
    except (StoreError, CacheError, sqlite3.DatabaseError) as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.FATAL
    except KeyboardInterrupt:
        if as_program:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        print(_interrupted(already), file=sys.stderr)
        return Exit.INTERRUPTED
    except Exception as err:
        if getattr(args, "verbose", False):
            raise
        hint = " (run with -v for details)" if hasattr(args, "verbose") else ""
        print(f"error: {type(err).__name__}: {err}{hint}", file=sys.stderr)
        return Exit.FATAL
