"""Writing a corrected copy of a list: the same bytes, except the fixes.

The fixes come from a run's ``entries.parquet`` and ``author_fixes.parquet``: lost list
markers, misspelled author names, repaired arXiv ids (and, of ids that disagree, the one
whose arXiv title is the entry's), arXiv links for entries found by title, and runs of
spaces in titles. Everything else of the file is kept as it was: line endings, trailing
whitespace, a missing final newline, a byte order mark. A fix whose text is no longer on
its line (the list was edited after the run) is skipped and reported, never guessed.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.ids import find_ids
from pipeline.lists.marker import line_at, restore_marker
from pipeline.lists.read import read_list_text
from pipeline.store.dataset import (
    DatasetLock,
    StoreError,
    read_table,
    write_atomically,
)
from pipeline.store.schema import AUTHOR_FIXES, ENTRIES

REASONS = ("marker", "author", "id", "title_spaces", "arxiv_link")
# Findings no fix can settle: how many a list has is said after the fixes.
FOR_A_PERSON = ("not_found", "invalid_id")

# The first Markdown link of a line: authors stand before it, the title is its text.
_LINK = re.compile(r"\[([^\[\]]*)\]\(")
_SPACE_RUN = re.compile(r" {2,}")


class FixError(Exception):
    """The list cannot be fixed from this output directory; the message says why."""


@dataclass(frozen=True)
class ListFix:
    """One replacement on one line of a list.

    ``old`` is the exact text to replace, standing alone (not inside a longer name or
    number). An ``author`` fix replaces its first occurrence before the line's first link,
    the other kinds every occurrence. Two kinds are exceptions. An ``arxiv_link`` fix:
    ``old`` is the entry's own URL, which must still be on the line, and ``new`` is
    appended at the end of the line (before any trailing whitespace). A ``marker`` fix:
    ``old`` is how the line starts (its indentation, or a marker glued to the text) and
    ``new`` what it starts with once fixed.
    """

    line: int
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class SkippedFix:
    """A fix left out, and why."""

    fix: ListFix
    why: str


@dataclass(frozen=True)
class FixOutcome:
    """What fixing a list did, and where the corrected list went.

    ``text`` is the corrected list, ``diff`` a unified diff from the list to it (empty
    when nothing changed), and ``written`` says whether ``out_path`` was written (only
    when a fix applied). ``left`` counts the findings of the list no fix settles, for a
    person: entries ``not_found`` or ``invalid_id``, and ``author_review`` rows.
    ``removed`` is a corrected list of an earlier fix that this one found nothing to
    correct in, and removed (the default output only).
    """

    list_path: Path
    out_path: Path
    applied: tuple[ListFix, ...]
    skipped: tuple[SkippedFix, ...]
    text: str
    diff: str
    written: bool
    left: tuple[tuple[str, int], ...] = ()
    removed: Path | None = None

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def _standalone(old: str) -> re.Pattern[str]:
    """``old`` not glued to a letter or digit: ``mjad`` is not found in ``Amjad``, and
    ``1404.00736`` not in ``11404.007361``; ``1404.00736v2`` and ``.pdf`` still match."""
    before = r"(?<![\w])" if old[:1].isalnum() else ""
    if old[:1].isdigit():
        before += r"(?<!\d\.)"
    after = r"(?![\w])" if old[-1:].isalnum() else ""
    if old[-1:].isdigit():
        after = r"(?!\d)(?!\.\d)"
    return re.compile(before + re.escape(old) + after)


def _apply_one(line: str, fix: ListFix) -> str | None:
    """The line with the fix applied, or None when its text is not on the line."""
    if fix.reason == "marker":
        if line.startswith(fix.new):
            return line  # already fixed
        if not line.startswith(fix.old) or not line[len(fix.old) :].strip():
            return None
        return fix.new + line[len(fix.old) :]
    if fix.reason == "arxiv_link":
        if not fix.old or fix.old not in line:
            return None
        content = line.rstrip()
        return content + fix.new + line[len(content) :]
    pattern = _standalone(fix.old)
    if fix.reason == "author":
        link = _LINK.search(line)
        end = link.start() if link else len(line)
        found = pattern.search(line, 0, end)
        if found is None:
            return None
        return line[: found.start()] + fix.new + line[found.end() :]
    new_line, count = pattern.subn(lambda _: fix.new, line)
    return new_line if count else None


def try_fixes(text: str, fixes: Sequence[ListFix]) -> tuple[str, list[ListFix], list[SkippedFix]]:
    """The text with the fixes applied in order, the fixes applied and those skipped."""
    # Split on \n only: "\r" stays with its line, and str.splitlines would also break
    # at characters (\x0c, \u2028) that Markdown does not count as line ends.
    lines = text.split("\n")
    applied: list[ListFix] = []
    skipped: list[SkippedFix] = []
    for planned in fixes:
        fix = replace(planned, new=visible(planned.new))
        if not 1 <= fix.line <= len(lines):
            skipped.append(SkippedFix(fix, f"the list has no line {fix.line}"))
            continue
        line = lines[fix.line - 1]
        ending = "\r" if line.endswith("\r") else ""
        new_line = _apply_one(line.removesuffix("\r"), fix)
        if new_line is None:
            if fix.reason == "marker" or not _standalone(fix.new.strip()).search(line):
                skipped.append(SkippedFix(fix, f"{fix.old!r} is not on line {fix.line}"))
            # else the line already reads as the fix would make it (fixed since the run)
            continue
        if new_line == line.removesuffix("\r"):
            continue  # a title whose spaces were collapsed since the run: nothing to do
        lines[fix.line - 1] = new_line + ending
        applied.append(fix)
    return "\n".join(lines), applied, skipped


# Joiners are letters' business in Persian and Indic names; every other format character
# (bidi overrides and isolates, zero-width space, BOM, soft hyphen) only hides or reorders.
_JOINERS = frozenset("\u200c\u200d")
_INVISIBLE = ("Cc", "Cf", "Zl", "Zp")


def visible(text: str) -> str:
    """``text`` without control, format and line-separator characters: what the API sends
    is written into a person's list, where such characters would change how a line reads
    or break it."""
    return "".join(c for c in text if c in _JOINERS or unicodedata.category(c) not in _INVISIBLE)


def apply_fixes(text: str, fixes: Sequence[ListFix]) -> str:
    """The text with the fixes applied; fixes whose text is not on their line are left out."""
    return try_fixes(text, fixes)[0]


def _title_fix(line_number: int, line: str, title: str) -> ListFix:
    """Collapse runs of spaces in the link text that holds ``title``, or else in the
    title where the line writes it."""
    wanted = " ".join(title.split())
    for m in _LINK.finditer(line):
        if " ".join(m[1].split()) == wanted:
            old = f"[{m[1]}]"
            return ListFix(line_number, old, _SPACE_RUN.sub(" ", old), "title_spaces")
    collapsed = _SPACE_RUN.sub(" ", title)
    if title in line or collapsed in line:  # a title after its link (`[[ECCV](url)] Title.`)
        return ListFix(line_number, title, collapsed, "title_spaces")
    # Not on the line any more: the fix is planned anyway and reported as skipped.
    return ListFix(line_number, f"[{title}]", f"[{_SPACE_RUN.sub(' ', title)}]", "title_spaces")


def _id_fix(line_number: int, row: Mapping[str, Any]) -> ListFix | None:
    """``1404.00736`` -> ``1404.0736``: the base ids of ``id_fix``, so a version suffix stays."""
    old, _, new = str(row.get("id_fix") or "").partition(" -> ")
    if not old or not new:
        old, new = row.get("raw_id") or "", row.get("arxiv_id") or ""
    return ListFix(line_number, old, new, "id") if old and new and old != new else None


def _disagreeing_id_fixes(line_number: int, line: str, row: Mapping[str, Any]) -> list[ListFix]:
    """The other ids of an entry whose ids disagree, replaced by the one arXiv confirmed:
    the id whose arXiv title is the entry's (see ``refine``)."""
    chosen = row.get("arxiv_id")
    fixes: list[ListFix] = []
    for found in find_ids(line):
        other = found.parsed
        if other.id is not None and other.id.base != chosen:
            fix = ListFix(line_number, other.raw, str(chosen), "id")
            if fix not in fixes:
                fixes.append(fix)
    return fixes


def plan_fixes(
    list_text: str, entries: Sequence[Mapping[str, Any]], checks: Sequence[Mapping[str, Any]]
) -> list[ListFix]:
    """The fixes a run's rows call for on one list, in line order.

    ``entries`` are rows of entries.parquet and ``checks`` rows of author_fixes.parquet,
    both of this list only. Only ids that arXiv confirmed (status ``enriched``) are written
    into the list: a repaired id, and of ids that disagree the chosen one, when the
    entry's title is the paper's (no ``title_differs`` row says otherwise).
    """
    lines = list_text.split("\n")
    fixes: list[ListFix] = []
    retitled = {int(c["line"]) for c in checks if c.get("kind") == "title_differs"}
    for check in checks:
        if check.get("action") == "fix" and check.get("listed") and check.get("on_arxiv"):
            fixes.append(ListFix(int(check["line"]), check["listed"], check["on_arxiv"], "author"))
    for row in entries:
        number = int(row["line"])
        line = line_at(lines, number)
        defects = row.get("defects") or ()
        marker = restore_marker(lines, number, defects)
        if marker is not None:
            fixes.append(ListFix(number, *marker, "marker"))
        enriched = row.get("status") == "enriched"
        if row.get("id_fix") and enriched:
            fix = _id_fix(number, row)
            if fix is not None:
                fixes.append(fix)
        if "ids_disagree" in defects and enriched and row.get("title") and number not in retitled:
            fixes.extend(_disagreeing_id_fixes(number, line, row))
        title = row.get("title")
        if title and _SPACE_RUN.search(title):
            fixes.append(_title_fix(number, line, title))
        arxiv_id, url = row.get("arxiv_id"), row.get("url")
        if row.get("id_source") == "title_search" and arxiv_id and url:
            abs_url = f"https://arxiv.org/abs/{arxiv_id}"
            if abs_url not in line:
                fixes.append(ListFix(number, url, f" [arXiv:{arxiv_id}]({abs_url})", "arxiv_link"))
    return sorted(fixes, key=lambda f: (f.line, REASONS.index(f.reason)))


def left_for_a_person(
    entries: Sequence[Mapping[str, Any]], checks: Sequence[Mapping[str, Any]]
) -> tuple[tuple[str, int], ...]:
    """(finding, count) of what no fix settles, in a fixed order; none that do not occur."""
    found = Counter(str(r["status"]) for r in entries if r.get("status") in FOR_A_PERSON)
    found["author_review"] = sum(1 for c in checks if c.get("action") == "review")
    return tuple((k, found[k]) for k in (*FOR_A_PERSON, "author_review") if found[k])


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff; a last line without newline is marked as ``diff`` and git do."""

    def lines(text: str) -> list[str]:
        split = text.splitlines(keepends=True)
        if split and not split[-1].endswith(("\n", "\r")):
            split[-1] += "\n\\ No newline at end of file\n"
        return split

    return "".join(difflib.unified_diff(lines(old), lines(new), old_name, new_name))


def _same_file(row_file: str, list_path: Path) -> bool:
    try:
        return Path(row_file).resolve() == list_path.resolve()
    except OSError:
        return False


def _files_of(list_files: set[str], list_path: Path) -> set[str]:
    """The ``list_file`` values that name this list: the same resolved path, else (a run
    started from another directory) the same file name."""
    same = {f for f in list_files if _same_file(f, list_path)}
    return same or {f for f in list_files if Path(f).name == list_path.name}


def _read_rows(path: Path) -> list[dict[str, Any]]:
    table = read_table(path)
    if table is None:
        raise FixError(f"{path}: missing or unreadable; run `python -m pipeline run` first")
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def _check_writable(list_path: Path) -> None:
    """Refuse to replace a list its owner made read-only (even when root could)."""
    mode = list_path.stat().st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(list_path, os.W_OK):
        raise FixError(
            f"{list_path}: read-only; make it writable or write the fixed list elsewhere with --out"
        )


def fix_list_file(
    list_path: Path,
    enriched_dir: Path,
    out_path: Path | None = None,
    in_place: bool = False,
    wait_for_lock: bool = False,
    only: Collection[str] | None = None,
) -> FixOutcome:
    """Write the list with the fixes of the run in ``enriched_dir``.

    To ``out_path``, by default ``<enriched_dir>/<list stem>.fixed.md``, or over the list
    itself with ``in_place``; only when a fix applies (with no fix at all, an earlier
    corrected list at the default place is removed: it corrects what needs none). ``only``
    names the reasons (``REASONS``) to apply, all by default. The dataset's lock is held
    meanwhile, so both tables come from the same run (``LockedError`` if a run holds it
    and ``wait_for_lock`` is false).
    """
    if in_place and out_path is not None:
        raise ValueError("give out_path or in_place, not both")
    if out_path is not None and out_path.is_dir():
        raise FixError(f"{out_path}: is a directory; --out names the corrected list's file")
    text = read_list_text(list_path)
    if in_place:
        _check_writable(list_path)
    with list_path.open("rb") as f:
        bom = codecs.BOM_UTF8 if f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else b""
    if not (enriched_dir / ENTRIES.file).is_file():
        raise FixError(
            f"{enriched_dir / ENTRIES.file}: missing; run `python -m pipeline run` first"
        )

    # The lock finishes an interrupted commit first: both tables come from the same run.
    with DatasetLock(enriched_dir, wait=wait_for_lock):
        all_entries = _read_rows(enriched_dir / ENTRIES.file)
        files = _files_of({r["list_file"] for r in all_entries}, list_path)
        if not files:
            raise FixError(
                f"{enriched_dir / ENTRIES.file} has no entries of {list_path}; run over it first"
            )
        entries = [r for r in all_entries if r["list_file"] in files]
        checks = [
            r for r in _read_rows(enriched_dir / AUTHOR_FIXES.file) if r["list_file"] in files
        ]
        planned = [f for f in plan_fixes(text, entries, checks) if only is None or f.reason in only]
        new_text, applied, skipped = try_fixes(text, planned)

        # A linked list is fixed where it really is; the link stays a link.
        default = enriched_dir / f"{list_path.stem}.fixed.md"
        target = list_path.resolve() if in_place else out_path or default
        written = bool(applied)
        removed = None
        if not written and only is None and target == default and default.is_file():
            default.unlink()
            removed = default
        if written:
            if in_place and read_list_text(list_path) != text:
                # Edited (or pulled) while being fixed: its new text must not be lost.
                raise FixError(f"{list_path}: changed while being fixed; run fix again")
            data = bom + new_text.encode("utf-8")
            try:
                write_atomically(target, data, mode_from=list_path if in_place else None)
            except StoreError as err:
                raise FixError(str(err)) from err
    return FixOutcome(
        list_path=list_path,
        out_path=target,
        applied=tuple(applied),
        skipped=tuple(skipped),
        text=new_text,
        diff=unified_diff(text, new_text, str(list_path), str(target)),
        written=written,
        left=left_for_a_person(entries, checks),
        removed=removed,
    )
