"""The command line: options, exit codes, progress and logging over the library.

Exit codes (a contract for scheduled jobs):

* 0: done, everything asked of arXiv was answered;
* 1: fatal error, nothing written (arXiv unreachable, an unexpected failure);
* 2: usage error (bad option, unusable list file);
* 3: partial: arXiv stopped answering (rate limit, lockout); what was fetched is written,
  the rest is kept from the previous dataset or marked ``failed``, the next run resumes;
* 4: another run holds the output directory (see ``--wait``);
* 130: interrupted (SIGINT); the message says what had been written.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from pipeline import __version__
from pipeline.config import DEFAULT_API_URL, DEFAULT_CACHE, DEFAULT_OUT, RAW_DIR, RunConfig, tunings
from pipeline.errors import CacheError
from pipeline.records import Exit
from pipeline.text import counted

# Nothing heavy is imported before the arguments are parsed: pyarrow, pandas and the network
# stack are most of the start-up time, and `--version` or a usage error needs none of them.
if TYPE_CHECKING:
    from pipeline.api.transport import ApiSession

log = logging.getLogger("pipeline")


class UsageError(Exception):
    """Bad input from the command line; exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2, and an option is taken only
    when spelled out: with abbreviations, adding an option would change what scripts mean."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(Exit.USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _number(
    kind: type[float] | type[int], low: float, high: float | None = None
) -> Callable[[str], float]:
    """An argparse type: a finite number (a whole one for ``int``) within bounds."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
        if value < low or (high is not None and value > high):
            bound = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range ({bound})")
        return value

    return parse


def _api_url(text: str) -> str:
    if urlsplit(text).scheme not in ("http", "https") or not urlsplit(text).netloc:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {text!r}")
    return text


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _list_path(text: str) -> Path:
    """An argparse type: a list file; a URL is refused with the command that takes one."""
    if _URL.match(text):
        raise argparse.ArgumentTypeError(
            f"{text} is a URL; download the list first: python -m pipeline pull {text}"
        )
    return Path(text)


def _list_url(text: str) -> str:
    """An argparse type: where to pull a list from."""
    if not _URL.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a URL; pull downloads a list from an http(s) URL "
            "(a list file is read as it is: python -m pipeline run FILE)"
        )
    if urlsplit(text).scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError(f"{text}: only http and https URLs can be pulled")
    return text


def _cache_path(text: str) -> Path:
    path = Path(text)
    if path.is_dir() or not path.name:
        raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a cache file")
    # requests-cache adds ".sqlite" to a name without a suffix; say the real file.
    real = path if path.suffix else path.with_suffix(".sqlite")
    for named in {path, real}:
        # A FIFO would hang the run and a device feed it without end: caches are files.
        if named.exists() and not named.is_file():
            raise argparse.ArgumentTypeError(f"{text!r} is not a regular file, not a cache")
    return real


def _check_cache_file(path: Path) -> None:
    if not path.exists():
        return
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file, not an HTTP cache")
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise UsageError(f"{path}: not an HTTP cache (an SQLite file)")


def _add_cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache",
        type=_cache_path,
        default=DEFAULT_CACHE,
        metavar="PATH",
        help=f"HTTP cache, SQLite (default: {DEFAULT_CACHE})",
    )


def _add_enriched_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--enriched",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"the output directory of run (default: {DEFAULT_OUT}/)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m pipeline",
        description="Turn curated Markdown lists of papers into an enriched arXiv dataset.",
    )
    parser.add_argument("--version", action="version", version=f"arxiv-enrich {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )

    run_parser = commands.add_parser(
        "run",
        help="fetch the lists' papers from arXiv and write the dataset",
        description="Read the lists, fetch new or stale papers from arXiv, write Parquet.",
    )
    run_parser.add_argument(
        "lists",
        nargs="*",
        type=_list_path,
        metavar="LIST",
        help=f"Markdown lists (default: every *.md in {RAW_DIR}/)",
    )
    run_parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output directory (default: {DEFAULT_OUT}/)",
    )
    _add_cache_option(run_parser)
    run_parser.add_argument(
        "--api-url",
        type=_api_url,
        default=os.environ.get("ARXIV_API_URL", DEFAULT_API_URL),
        metavar="URL",
        help=f"arXiv query API (default: $ARXIV_API_URL or {DEFAULT_API_URL})",
    )
    for _, tuning in tunings():
        run_parser.add_argument(
            tuning.option,
            type=_number(tuning.kind, tuning.low, tuning.high),
            default=tuning.default,
            metavar=tuning.metavar,
            help=f"{tuning.help} (default: {tuning.default_text()})",
        )
    run_parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for another run to finish instead of exiting with 4",
    )
    run_parser.add_argument(
        "--pull",
        action="store_true",
        help="first pull every list of data/raw/ that has a recorded source",
    )
    run_parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar, even on a terminal"
    )
    verbosity = run_parser.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="the pipeline's debug lines; -vv also those of the libraries",
    )
    verbosity.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    run_parser.set_defaults(handler=cmd_run)

    pull_parser = commands.add_parser(
        "pull",
        help="download a list into data/raw/ and record where it came from",
        description="Download a Markdown list (e.g. a GitHub raw README) into "
        f"{RAW_DIR}/NAME.md, with NAME.source.json beside it.",
    )
    pull_parser.add_argument("url", type=_list_url, metavar="URL", help="where the list is")
    pull_parser.add_argument(
        "--name", help="list name (default: the GitHub repository, or the file name)"
    )
    _add_cache_option(pull_parser)
    pull_parser.add_argument(
        "--timeout",
        type=_number(float, 0.1),
        default=RunConfig.timeout,
        metavar="SECONDS",
        help=f"limit for the download (default: {RunConfig.timeout:g})",
    )
    pull_parser.set_defaults(handler=cmd_pull)

    cache_parser = commands.add_parser("cache", help="show or empty the HTTP cache")
    cache_parser.add_argument(
        "action", choices=("info", "clear"), help="info: what the cache holds; clear: empty it"
    )
    _add_cache_option(cache_parser)
    cache_parser.set_defaults(handler=cmd_cache)

    fix_parser = commands.add_parser(
        "fix",
        help="write the list with the confident corrections of the last run",
        description="Write LIST with misspelled author names, repaired ids, arXiv links of "
        "entries found by title, and runs of spaces in titles corrected; every other byte "
        "stays. Prints a summary and a unified diff.",
    )
    fix_parser.add_argument("list", type=_list_path, metavar="LIST", help="the Markdown list")
    _add_enriched_option(fix_parser)
    where = fix_parser.add_mutually_exclusive_group()
    where.add_argument(
        "--out", type=Path, metavar="PATH", help="where to write (default: DIR/NAME.fixed.md)"
    )
    where.add_argument("--in-place", action="store_true", help="overwrite LIST itself")
    fix_parser.add_argument("-q", "--quiet", action="store_true", help="the summary only, no diff")
    fix_parser.set_defaults(handler=cmd_fix)

    report_parser = commands.add_parser(
        "report",
        help="write an HTML report with charts of the dataset",
        description="A self-contained HTML page (and PNG charts) of the dataset.",
    )
    _add_enriched_option(report_parser)
    report_parser.add_argument(
        "--out", type=Path, metavar="DIR", help="where to write it (default: DIR/report/)"
    )
    report_parser.set_defaults(handler=cmd_report)

    schema_parser = commands.add_parser(
        "schema", help="print the data dictionary (docs/schema.md) as Markdown"
    )
    schema_parser.set_defaults(handler=cmd_schema)
    return parser


def _setup_logging(verbose: int, quiet: bool) -> None:
    """The pipeline's lines at INFO (DEBUG with -v); the libraries' only from WARNING up,
    unless -vv: a Markdown parser's internals would bury the pipeline's own lines."""
    logging.basicConfig(
        level=logging.DEBUG if verbose >= 2 else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        if verbose
        else "%(asctime)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
        stream=sys.stderr,
        force=True,
    )
    own = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    log.setLevel(own)


def _progress_factory(show_bar: bool) -> Callable[[int, str], Callable[[int], None]]:
    """A tqdm bar on a terminal; otherwise a log line for every tenth of the work."""

    def make(total: int, unit: str) -> Callable[[int], None]:
        if show_bar:
            from tqdm import tqdm

            bar = tqdm(total=total, unit=unit, desc="fetching", leave=False)

            def advance_bar(n: int) -> None:
                bar.update(n)
                if bar.n >= total:
                    bar.close()

            return advance_bar
        done = 0
        step = max(1, total // 10)

        def advance_log(n: int) -> None:
            nonlocal done
            before, done = done, done + n
            if done // step != before // step or done >= total:
                log.info("fetched %d/%d %s", done, total, unit)

        return advance_log

    return make


def default_lists() -> tuple[Path, ...]:
    lists = tuple(sorted(RAW_DIR.glob("*.md")))
    if not lists:
        raise UsageError(f"no lists given and no *.md in {RAW_DIR}/")
    return lists


def _usable_paths(out: Path, cache: Path) -> None:
    """Refuse, before any work, an output directory or a cache that cannot be one."""
    for path in out, *out.parents:
        if path.exists() and not path.is_dir():
            raise UsageError(f"--out {out}: {path} is a file, not a directory")
    _check_cache_file(cache)


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.lists.choose import choose_lists
    from pipeline.run import run

    _setup_logging(args.verbose, args.quiet)
    _usable_paths(args.out, args.cache)
    tuned = {name: t.to_config(t.kind(getattr(args, name))) for name, t in tunings()}
    config = RunConfig(
        lists=tuple(args.lists) or default_lists(),
        out_dir=args.out,
        cache_path=args.cache,
        api_url=args.api_url,
        wait_for_lock=args.wait,
        contact=os.environ.get("ARXIV_CONTACT") or None,
        **tuned,
    )
    if args.pull:
        pull_recorded_lists(config)
    config = replace(config, lists=choose_lists(config.lists, named=bool(args.lists)))
    show_bar = sys.stderr.isatty() and not args.no_progress and not args.quiet
    result = run(config, _progress_factory(show_bar))
    stream = sys.stdout if result.exit_code in (Exit.OK, Exit.PARTIAL) else sys.stderr
    print(result.summary, file=stream)
    return int(result.exit_code)


def _session(
    cache: Path | None, timeout: float = RunConfig.timeout, delay: float = RunConfig.delay
) -> ApiSession:
    from pipeline.api.transport import ApiSession, SessionSettings

    contact = os.environ.get("ARXIV_CONTACT") or None
    return ApiSession(
        SessionSettings(cache_path=cache, delay=delay, timeout=timeout, contact=contact)
    )


def pull_recorded_lists(config: RunConfig) -> None:
    """``run --pull``: pull every recorded list; a failed pull keeps the last copy."""
    from pipeline.lists.pull import PullError, pull_list, recorded_sources

    session = _session(config.cache_path, config.timeout, config.delay)
    for name, url in recorded_sources(RAW_DIR).items():
        try:
            result = pull_list(session, url, RAW_DIR, name)
        except PullError as err:
            log.warning("pull failed, using the last copy of %s: %s", name, err)
            continue
        state = "updated" if result.changed else "unchanged"
        log.info("%s %s (%d entries)", state, result.path, result.entries)


def cmd_pull(args: argparse.Namespace) -> int:
    from pipeline.lists.pull import PullError, pull_list

    _setup_logging(verbose=False, quiet=False)
    try:
        result = pull_list(_session(args.cache, args.timeout), args.url, RAW_DIR, args.name)
    except PullError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.FATAL
    state = "pulled" if result.changed else "unchanged, not rewritten:"
    print(f"{state} {result.path} ({result.entries} entries, sha256 {result.sha256[:12]})")
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    if not args.cache.exists():
        print(f"{args.cache}: no cache yet")
        return 0
    _check_cache_file(args.cache)
    session = _session(args.cache)
    info = session.cache_info()
    if args.action == "clear":
        session.cache.clear()  # type: ignore[no-untyped-call]
        print(f"{args.cache}: removed {info['responses']} responses")
    else:
        print(
            f"{args.cache}: {info['responses']} responses ({info['fresh_responses']} fresh), "
            f"{info['bytes'] / 1024:.0f} KiB"
        )
    return 0


def _require_dataset(enriched: Path, *files: str) -> None:
    """The same usage error, from every command that reads a dataset, when there is none."""
    for name in files:
        if not (enriched / name).is_file():
            raise UsageError(f"{enriched / name}: missing; run `python -m pipeline run` first")


def cmd_fix(args: argparse.Namespace) -> int:
    from pipeline.lists.fix import FixError, fix_list_file
    from pipeline.store.schema import ENTRIES

    _require_dataset(args.enriched, ENTRIES.file)
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


def cmd_report(args: argparse.Namespace) -> int:
    # Commands import what they use when they run: matplotlib and pandas alone would
    # double the start-up time of every run, the network stack add a fifth.
    from pipeline.report import ReportError, write_report
    from pipeline.store.schema import ENTRIES, PAPERS

    _require_dataset(args.enriched, PAPERS.file, ENTRIES.file)
    try:
        path = write_report(args.enriched, args.out or args.enriched / "report")
    except ReportError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.FATAL
    print(f"wrote {path}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from pipeline.store.schema import markdown as schema_markdown

    sys.stdout.write(schema_markdown())
    return 0


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

    parser = build_parser()
    already = len(written())
    args = argparse.Namespace()
    try:
        args = parser.parse_args(argv)
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
