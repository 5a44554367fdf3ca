"""Pulling a list from where its maintainers keep it (e.g. a GitHub raw README).

The list goes to ``data/raw/NAME.md`` and its origin to ``data/raw/NAME.source.json``
(url, where a redirect ended, sha256, when its content last changed and when a pull last
succeeded), so that ``run --pull`` can pull it again and say how stale a list whose
source stopped answering is. The download goes
through the same session as API queries: timed out, bounded in size, with a User-Agent.
An unchanged list is not rewritten, so an unchanged source leaves the tree untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests

from pipeline.api.transport import ApiSession
from pipeline.lists.read import ListError, extract_entries
from pipeline.records import Pulled
from pipeline.store.dataset import write_atomically

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# File names that say nothing about the list: the directory or repository holding it does.
_GENERIC_STEMS = {"readme", "index", "list", "papers"}
# Path parts of hosting sites' URLs that are not the repository: /-/raw/BRANCH/, /blob/main/.
_NOT_NAMES = {"-", "raw", "blob", "refs", "heads", "main", "master", "HEAD"}


@dataclass(frozen=True)
class PullResult:
    path: Path
    changed: bool
    sha256: str
    entries: int


class PullError(Exception):
    """A list that could not be pulled; the message says why in one line."""


def name_from_url(url: str) -> str:
    """A list name from its URL: the repository for a GitHub URL, else the file stem, unless
    the file is a README (or index): then the directory holding it, or else the host.

    ``https://raw.githubusercontent.com/OWNER/REPO/BRANCH/README.md`` gives ``REPO``,
    ``https://gitlab.com/OWNER/REPO/-/raw/main/README.md`` gives ``REPO`` too.
    """
    host = urlsplit(url).hostname or ""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if host in ("raw.githubusercontent.com", "github.com") and len(parts) >= 2:
        return parts[1]
    stem = Path(parts[-1]).stem if parts else ""
    if stem.lower() not in _GENERIC_STEMS and stem:
        return _as_name(stem, url)
    folders = parts[: parts.index("-")] if "-" in parts else parts[:-1]
    named = [p for p in folders if p not in _NOT_NAMES]
    return _as_name(named[-1] if named else host.removeprefix("www."), url)


def _as_name(text: str, url: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    if not name:
        raise PullError(f"cannot tell a list name from {url}; pass --name")
    return name


def _why(err: requests.RequestException, timeout: float | None) -> str:
    """A network failure in words: the cause at the bottom of urllib3's wrapping."""
    if isinstance(err, requests.Timeout):
        return "no answer in time" + (f" ({timeout:g} s, --timeout)" if timeout else "")
    causes: list[BaseException] = [err]
    while causes:
        cause = causes.pop()
        if isinstance(cause, socket.gaierror):
            return "cannot resolve the host name (no network, or a wrong host?)"
        if isinstance(cause, OSError) and cause.strerror and cause.errno is not None:
            return f"cannot connect ({cause.strerror.lower()})"
        causes.extend(
            c
            for c in (cause.__cause__, cause.__context__, *cause.args)
            if isinstance(c, BaseException) and c is not cause
        )
    if isinstance(err, requests.ConnectionError):
        return "cannot connect"
    return type(err).__name__


def pull_list(session: ApiSession, url: str, raw_dir: Path, name: str | None = None) -> PullResult:
    """Download ``url`` into ``raw_dir/NAME.md`` unless its content is unchanged."""
    name = name or name_from_url(url)
    if not _NAME.fullmatch(name):
        raise PullError(f"list name {name!r} must be letters, digits, '.', '_' or '-'")
    try:
        # Always download: revalidation by Last-Modified misses an edit made within the
        # same second, and a list is small. --timeout bounds the whole download, each hop
        # of a redirect included.
        with session.within(session.api_settings.timeout):
            response = session.request("GET", url, force_refresh=True)
    except requests.RequestException as err:
        raise PullError(f"{url}: {_why(err, session.api_settings.timeout)}") from err
    if response.status_code != 200:
        raise PullError(f"{url}: HTTP {response.status_code}")
    data = response.content
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PullError(f"{url}: not UTF-8 text") from err
    if "\x00" in text:
        raise PullError(f"{url}: a binary file, not a Markdown list")
    entries = extract_entries(text, name)
    if not entries:
        raise PullError(f"{url}: no paper entries (list items with a link or arXiv id)")

    path = raw_dir / f"{name}.md"
    record = raw_dir / f"{name}.source.json"
    digest = hashlib.sha256(data).hexdigest()
    unchanged = path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest
    if not unchanged:
        write_atomically(path, data)
    now = datetime.now(UTC).isoformat()
    earlier = _read_record(record) if record.exists() and unchanged else {}
    source = {
        "url": url,
        **({"final_url": response.url} if response.url and response.url != url else {}),
        "sha256": digest,
        "pulled_at": earlier.get("pulled_at", now) if unchanged else now,
        "succeeded_at": now,
    }
    write_atomically(record, (json.dumps(source, indent=2) + "\n").encode())
    return PullResult(path, not unchanged, digest, len(entries))


def _read_record(record: Path) -> dict[str, str]:
    try:
        source = json.loads(record.read_bytes())
    except (OSError, ValueError) as err:
        raise ListError(f"{record}: not a readable source record ({err})") from err
    if not isinstance(source, dict) or not isinstance(source.get("url"), str):
        raise ListError(
            f'{record}: not a source record (a JSON object with a "url" string); '
            "pull the list again or remove the record"
        )
    return {k: v for k, v in source.items() if isinstance(v, str)}


def pull_recorded(session: ApiSession, raw_dir: Path) -> list[Pulled]:
    """Pull every list of ``raw_dir`` that has a recorded source; a failed pull keeps the
    last copy, and says so with the error and when the source last answered."""
    pulled = []
    for name, url in recorded_sources(raw_dir).items():
        try:
            result = pull_list(session, url, raw_dir, name)
        except PullError as err:
            record = _read_record(raw_dir / f"{name}.source.json")
            last = record.get("succeeded_at") or record.get("pulled_at")
            when = datetime.fromisoformat(last) if last else None
            pulled.append(Pulled(name, url, when, str(err)))
            continue
        pulled.append(Pulled(name, url, datetime.now(UTC), None, result.changed))
    return pulled


def recorded_sources(raw_dir: Path) -> dict[str, str]:
    """Name -> URL of every list in ``raw_dir`` that was pulled (has a .source.json).

    A record that is not a JSON object with a ``url`` string is a ListError naming it.
    """
    return {
        record.name.removesuffix(".source.json"): _read_record(record)["url"]
        for record in sorted(raw_dir.glob("*.source.json"))
    }
