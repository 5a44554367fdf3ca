"""What the commands share: option types, one-line usage errors, the dataset and
the cache they name."""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import SplitResult, urlsplit

from pipeline.config import DEFAULT_CACHE, DEFAULT_OUT, RunConfig, tunings
from pipeline.records import Exit

if TYPE_CHECKING:
    from pipeline.api.transport import ApiSession

Commands = Any
"""The subparsers action of the top-level parser (argparse keeps its type private)."""


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


def number(
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


def _split_url(text: str) -> SplitResult:
    """``text`` split as a URL; an argparse error saying why it cannot be one."""
    try:
        split = urlsplit(text)
        split.port  # noqa: B018 (a port that is not a number raises only when read)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a valid URL: {text!r} ({err})") from err
    return split


def api_url_type(text: str) -> str:
    split = _split_url(text)
    if split.scheme not in ("http", "https") or not split.netloc:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {text!r}")
    return text


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def list_path(text: str) -> Path:
    """An argparse type: a list file; a URL is refused with the command that takes one."""
    if _URL.match(text):
        raise argparse.ArgumentTypeError(
            f"{text} is a URL; download the list first: python -m pipeline pull {text}"
        )
    return Path(text)


def list_url(text: str) -> str:
    """An argparse type: where to pull a list from."""
    if not _URL.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a URL; pull downloads a list from an http(s) URL "
            "(a list file is read as it is: python -m pipeline run FILE)"
        )
    if _split_url(text).scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError(f"{text}: only http and https URLs can be pulled")
    return text


def cache_path_type(text: str) -> Path:
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


def check_cache_file(path: Path) -> None:
    if not path.exists():
        return
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file, not an HTTP cache")
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise UsageError(f"{path}: not an HTTP cache (an SQLite file)")


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache",
        type=cache_path_type,
        default=DEFAULT_CACHE,
        metavar="PATH",
        help=f"HTTP cache, SQLite (default: {DEFAULT_CACHE})",
    )


def add_enriched_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--enriched",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"the output directory of run (default: {DEFAULT_OUT}/)",
    )


def require_dataset(enriched: Path, *files: str) -> None:
    """The same usage error, from every command that reads a dataset, when there is none."""
    for name in files:
        if not (enriched / name).is_file():
            raise UsageError(f"{enriched / name}: missing; run `python -m pipeline run` first")


def session(
    cache: Path | None, timeout: float = RunConfig.timeout, delay: float = RunConfig.delay
) -> ApiSession:
    from pipeline.api.transport import ApiSession, SessionSettings

    contact = os.environ.get("ARXIV_CONTACT") or None
    return ApiSession(
        SessionSettings(cache_path=cache, delay=delay, timeout=timeout, contact=contact)
    )


def add_tunings(
    parser: argparse.ArgumentParser, only: Collection[str] | None = None, help: str | None = None
) -> None:
    """The tuning options of ``RunConfig`` (``only`` these, by field name), as declared."""
    for name, tuning in tunings():
        if only is None or name in only:
            parser.add_argument(
                tuning.option,
                type=number(tuning.kind, tuning.low, tuning.high),
                default=tuning.default,
                metavar=tuning.metavar,
                help=f"{help or tuning.help} (default: {tuning.default_text()})",
            )
