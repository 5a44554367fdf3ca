"""``run``: fetch the lists' papers from arXiv and write the dataset."""

from __future__ import annotations

import argparse
import contextlib
import importlib.abc
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

from pipeline.cli.options import (
    Commands,
    UsageError,
    add_cache_option,
    add_tunings,
    api_url_type,
    check_cache_file,
    list_path,
)
from pipeline.config import DEFAULT_API_URL, DEFAULT_OUT, RAW_DIR, RunConfig, tunings

log = logging.getLogger("pipeline")


def add_run(commands: Commands) -> None:
    run_parser = commands.add_parser(
        "run",
        help="fetch the lists' papers from arXiv and write the dataset",
        description="Read the lists, fetch new or stale papers from arXiv, write Parquet.",
    )
    run_parser.add_argument(
        "lists",
        nargs="*",
        type=list_path,
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
    add_cache_option(run_parser)
    run_parser.add_argument(
        "--api-url",
        type=api_url_type,
        default=os.environ.get("ARXIV_API_URL", DEFAULT_API_URL),
        metavar="URL",
        help=f"arXiv query API (default: $ARXIV_API_URL or {DEFAULT_API_URL})",
    )
    add_tunings(run_parser)
    run_parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for another run to finish instead of exiting with 4",
    )
    run_parser.add_argument(
        "--pull",
        action="store_true",
        help="first pull every list of data/raw/ that has a recorded source; a list whose "
        "source fails is read from its last copy, and the run exits 5",
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


def setup_logging(verbose: int, quiet: bool) -> None:
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


def progress_factory(show_bar: bool) -> Callable[[int, str], Callable[[int], None]]:
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


def usable_paths(out: Path, cache: Path) -> None:
    """Refuse, before any work, an output directory or a cache that cannot be one."""
    for path in out, *out.parents:
        if path.exists() and not path.is_dir():
            raise UsageError(f"--out {out}: {path} is a file, not a directory")
    check_cache_file(cache)


def _lists_read_last(out: Path) -> set[str]:
    """The sha256 of every list the last run in ``out`` read (none when it cannot say)."""
    from pipeline.store.commit import StoreError
    from pipeline.store.last_run import read_manifest

    try:
        manifest = read_manifest(out)
    except StoreError:
        return set()
    return {lst.sha256 for lst in manifest.lists} if manifest else set()


class _PandasAbsent(importlib.abc.MetaPathFinder):
    """An import finder that says pandas is not installed."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"no {fullname} during a run", name=fullname)
        return None


@contextlib.contextmanager
def pandas_kept_out() -> Iterator[None]:
    """pandas made unimportable, unless it is imported already: a run never uses it, but
    pyarrow imports it (a sixth of a second, 50 MiB) on its first conversion of Python
    values, to recognise pandas objects, and once it finds none never looks again.

    For the command's process only: one that goes on afterwards keeps a pyarrow that
    does not recognise pandas objects it is given (``to_pandas`` and ``from_pandas``
    still import pandas and work). The library's ``run`` leaves imports alone.
    """
    if "pandas" in sys.modules:
        yield
        return
    finder = _PandasAbsent()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.lists.choose import choose_lists
    from pipeline.refresh import run

    setup_logging(args.verbose, args.quiet)
    usable_paths(args.out, args.cache)
    tuned = {name: t.to_config(t.kind(getattr(args, name))) for name, t in tunings()}
    config = RunConfig(
        lists=tuple(args.lists) or default_lists(),
        out_dir=args.out,
        cache_path=args.cache,
        api_url=args.api_url,
        wait_for_lock=args.wait,
        pull=args.pull,
        contact=os.environ.get("ARXIV_CONTACT") or None,
        **tuned,
    )
    config = replace(
        config,
        lists=choose_lists(config.lists, named=bool(args.lists), known=_lists_read_last(args.out)),
    )
    show_bar = sys.stderr.isatty() and not args.no_progress and not args.quiet
    with pandas_kept_out():
        result = run(config, progress_factory(show_bar))
    stream = sys.stdout if result.manifest is not None else sys.stderr  # written, or not
    print(result.summary, file=stream)
    return int(result.exit_code)
