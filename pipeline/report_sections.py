"""The report's sections for a list's maintainer: the entries that need a person (the
findings ``check`` gives) and the author names that differ from arXiv's."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from pipeline.records import EntryRow
from pipeline.report_html import Markup, arxiv_link, long_token, note, table, text
from pipeline.stages.findings import SEVERITIES, Finding, counts, find_all
from pipeline.store.commit import StoreError
from pipeline.store.last_run import LastRun, read_last_run
from pipeline.store.schema import AUTHOR_FIXES
from pipeline.text import counted

TIED_NAMES_SHOWN = 40


def _as_read(path: str, sha256: str) -> bool:
    """Whether the list is still the bytes the run read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def _findings(last: LastRun) -> tuple[list[Finding], list[str]]:
    """Every finding of the lists the last run read, as ``check`` gives them, and the
    lists that are no longer the bytes the run read."""
    found: list[Finding] = []
    unread: list[str] = []
    for record in last.manifest.lists:
        rows = [r for r in last.entries if r.entry.list_file == record.path]
        checks = [c for c in last.name_checks if c.list_file == record.path]
        if not _as_read(record.path, record.sha256):
            unread.append(record.path)
        found += find_all(rows, last.papers, checks)
    return found, unread


def _summary(findings: list[Finding]) -> str:
    tally = counts(findings)
    parts = [counted(tally["error"], "error"), counted(tally["warning"], "warning")]
    return f"{counted(len(findings), 'finding')}: {', '.join(parts)}, {tally['info']} info."


def _where(names: dict[str, str], list_file: str, line: int) -> str:
    return f"{names.get(list_file, list_file)}:{line}"


def attention_section(enriched_dir: Path, names: dict[str, str]) -> str:
    """The findings of the last run, errors first, then warnings, then info, each in the
    lists' order; ``names``: the short name of each list. Call it under the dataset's lock."""
    head = "<h2>Needs attention</h2>"
    try:
        last = read_last_run(enriched_dir)
    except StoreError as err:
        return head + note(f"The findings are not known: {err}")
    found, unread = _findings(last)
    if not found:
        return head + note("Nothing in the lists needs a person.")
    entries: dict[tuple[str, int], EntryRow] = {
        (r.entry.list_file, r.entry.line): r for r in last.entries
    }
    several = len(last.manifest.lists) > 1
    rows = []
    for f in sorted(found, key=lambda f: SEVERITIES.index(f.severity)):
        row = entries.get((f.list_file, f.line))
        paper = last.papers.get(f.arxiv_id or "")
        title = (row.entry.title if row else None) or (paper.title if paper else None)
        rows.append(
            [
                *([names.get(f.list_file, f.list_file)] if several else []),
                f.line,
                title,
                arxiv_link(f.arxiv_id) if f.arxiv_id else None,
                Markup(f'<span class="{f.severity}">{f.severity}</span>'),
                f.code,
                f.message,
                f.suggestion,
            ]
        )
    lists = ", ".join(
        f"{text(names.get(r.path, r.path))}: {long_token(r.path)}"
        if several
        else long_token(r.path)
        for r in last.manifest.lists
    )
    parts = [
        head,
        f"<p>{text(_summary(found))} The same as <code>python -m pipeline check</code> "
        "prints, errors first.</p>",
        note(Markup(f"{'Lists' if several else 'List'}: {lists}.")),
    ]
    if unread:
        gone = ", ".join(long_token(path) for path in unread)
        parts.append(
            note(
                Markup(
                    f"Changed or gone since the run: {gone}. The lines are those the run "
                    "read; run again for the findings of the list as it is now."
                )
            )
        )
    header = ["line", "title", "arXiv", "severity", "code", "message", "suggestion"]
    classes = ["n", "p", "nw", "", "", "p", "p"]
    if several:
        header, classes = ["list", *header], ["", *classes]
    return "".join([*parts, table(header, rows, classes)])


def author_fixes_section(fixes: pd.DataFrame | None, names: dict[str, str]) -> str:
    """The names (and titles) that differ from arXiv's: counted by kind, then every row."""
    head = "<h2>Author fixes found</h2>"
    if fixes is None:
        return head + note(
            f"No {AUTHOR_FIXES.file} in this dataset: author names were not checked."
        )
    if fixes.empty:
        return head + note("Every author name in the lists matches arXiv's.")
    kinds = fixes.groupby(["kind", "action"]).size().reset_index(name="rows")
    parts = [head, table(["kind", "action", "rows"], kinds.to_numpy().tolist())]
    ordered = fixes.sort_values(["list_file", "line", "position"], kind="stable")
    where = [
        _where(names, f, n) for f, n in zip(ordered["list_file"], ordered["line"], strict=True)
    ]
    ordered = ordered.assign(where=where)
    fix = ordered[ordered["action"] == "fix"]
    parts.append(
        f"<p>Rows with action <code>fix</code> ({len(fix)}), which <code>fix</code> "
        "corrects in the list:</p>"
    )
    columns = ["where", "arxiv_id", "listed", "on_arxiv", "kind", "similarity"]
    parts.append(table(columns, fix[columns].to_numpy().tolist(), ("nw", "nw", "", "", "", "n")))
    review = ordered[ordered["action"] == "review"]
    if not review.empty:
        parts.append(
            f"<p>Rows with action <code>review</code> ({len(review)}), for a person to decide:</p>"
        )
        columns = ["where", "listed", "on_arxiv", "kind"]
        parts.append(table(columns, review[columns].to_numpy().tolist(), ("nw", "p", "p", "")))
    return "".join(parts)


def tie_note(ranked: pd.Series[int], shown: int) -> str:
    """When the cut-off of a ranking (most first) falls inside a tie, a note naming the
    tied who are left out; else nothing."""
    if len(ranked) <= shown or shown == 0 or ranked.iloc[shown - 1] != ranked.iloc[shown]:
        return ""
    at = int(ranked.iloc[shown])
    tied = [str(name) for name in ranked.index[ranked == at]]
    left_out = [name for name in tied if name not in set(ranked.index[:shown])]
    named = ", ".join(left_out[:TIED_NAMES_SHOWN])
    if len(left_out) > TIED_NAMES_SHOWN:
        named += f" and {len(left_out) - TIED_NAMES_SHOWN} more"
    return note(
        f"Tied at {counted(at, 'paper')}: {len(tied)} authors, of whom the chart shows the "
        f"first {len(tied) - len(left_out)} alphabetically; also tied: {named}."
    )
