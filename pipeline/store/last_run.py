"""The last run's dataset read back as typed records, for the commands that only read it
(``check``, ``status``).

Reading happens under the dataset's lock, which first finishes (or drops) an interrupted
commit, so every file read is of the same run. A dataset in a directory that cannot be
written (a read-only checkout, a mounted copy) is read without the lock, unless a commit
journal says it was left midway: then its files may be of two runs, and it is refused.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Union, cast, get_args, get_origin, get_type_hints

import pyarrow as pa

from pipeline.records import EntryRow, Manifest, NameCheck, Paper
from pipeline.store.commit import MANIFEST, DatasetLock, LockedError, StoreError
from pipeline.store.dataset import papers_by_id
from pipeline.store.history import entry_rows_of
from pipeline.store.migrate import read_checked
from pipeline.store.schema import AUTHOR_FIXES, ENTRIES, PAPERS


@dataclass(frozen=True)
class LastRun:
    """What the last run wrote: its manifest, entries, papers and name checks."""

    manifest: Manifest
    entries: list[EntryRow]
    papers: dict[str, Paper]
    name_checks: list[NameCheck]


@contextmanager
def reading(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir`` for reading: under its lock (``LockedError`` while a run holds
    it), or, when the directory cannot be written, without one if no commit was left
    midway (otherwise a StoreError saying so)."""
    lock = DatasetLock(out_dir)
    try:
        lock.__enter__()
    except LockedError:
        raise LockedError(f"a run is writing {out_dir} now; try again when it ends") from None
    except PermissionError:
        if any(out_dir.glob(".commit-*.json")):
            raise StoreError(
                f"{out_dir}: a write was left midway and the directory cannot be written "
                "to finish it; run any command on it with write access"
            ) from None
        yield
        return
    try:
        yield
    finally:
        lock.__exit__()


def read_manifest(out_dir: Path) -> Manifest | None:
    """The manifest of the dataset in ``out_dir``, or None when there is none.

    Keys an older version did not write take their empty value (0, false, null, an empty
    list); a manifest that is not JSON, or whose values have the wrong types, is a
    StoreError naming it.
    """
    path = out_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        raise StoreError(f"{path}: unreadable ({err}); the next run writes it anew") from err
    try:
        return cast(Manifest, _typed(Manifest, document, "manifest"))
    except (TypeError, ValueError) as err:
        raise StoreError(f"{path}: {err}; the next run writes it anew") from err


def _empty(hint: Any) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType) and type(None) in get_args(hint):
        return None
    if is_dataclass(hint):
        return _typed(hint, {}, "")
    return {int: 0, bool: False, str: "", float: 0.0, list: [], dict: {}}.get(origin or hint)


def _typed(hint: Any, value: Any, where: str) -> Any:
    """``value`` (parsed JSON) as ``hint``: a dataclass, a list of them, a scalar."""
    if is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise TypeError(f"{where} is not an object")
        hints = get_type_hints(hint)
        return hint(
            **{
                f.name: _typed(hints[f.name], value[f.name], f"{where}.{f.name}")
                if f.name in value
                else _empty(hints[f.name])
                for f in fields(hint)
            }
        )
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (hint,) = [a for a in args if a is not type(None)]
        return _typed(hint, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise TypeError(f"{where} is not a list")
        return [_typed(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"{where} is not an object")
        return {k: _typed(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if hint is datetime:
        if not isinstance(value, str):
            raise TypeError(f"{where} is not a time")
        return datetime.fromisoformat(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise TypeError(f"{where} is not of type {hint.__name__}")
    return value


def _name_checks(table: pa.Table) -> list[NameCheck]:
    names = [f.name for f in fields(NameCheck)]
    return [NameCheck(**{n: r[n] for n in names}) for r in table.to_pylist()]


def read_last_run(out_dir: Path) -> LastRun:
    """The manifest, entries, papers and name checks in ``out_dir``; call it inside
    ``reading``. A missing or unreadable file is a StoreError naming it."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise StoreError(f"{out_dir / MANIFEST}: missing; run `python -m pipeline run` first")
    tables = {}
    for schema in (ENTRIES, PAPERS, AUTHOR_FIXES):
        path = out_dir / schema.file
        if not path.is_file():
            raise StoreError(f"{path}: missing; run `python -m pipeline run` first")
        tables[schema.file] = read_checked(path, schema)
    return LastRun(
        manifest,
        entry_rows_of(tables[ENTRIES.file]),
        papers_by_id(tables[PAPERS.file]),
        _name_checks(tables[AUTHOR_FIXES.file]),
    )
