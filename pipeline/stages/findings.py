"""What a list's maintainer should hear about, entry by entry: the findings of ``check``.

A pure function of the last run's dataset (entry rows, papers, name checks): every entry
that needs a person gets one finding per thing wrong with it, with a severity, a code (a
contract for scripts and CI), a message that says what is wrong, and where one is known a
suggestion (the right id, name, title or link).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from pipeline.records import EntryRow, NameCheck, Paper

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

FindingCode = Literal[
    # errors: the list is wrong, or links somewhere wrong
    "invalid_id",
    "padded_id",
    "not_found",
    "ids_disagree",
    "title_differs",
    "author_misspelling",
    "missing_list_marker",
    "no_space_marker",
    "empty_link",
    # warnings: for a person to decide
    "author_review",
    "duplicate",
    "withdrawn",
    "not_checked",
    # info: worth knowing, nothing is wrong
    "not_on_arxiv",
    "newer_version",
    "published",
]
FINDING_CODES: tuple[FindingCode, ...] = get_args(FindingCode)

SEVERITY_OF: Mapping[FindingCode, Severity] = {
    "invalid_id": "error",
    "padded_id": "error",
    "not_found": "error",
    "ids_disagree": "error",
    "title_differs": "error",
    "author_misspelling": "error",
    "missing_list_marker": "error",
    "no_space_marker": "error",
    "empty_link": "error",
    "author_review": "warning",
    "duplicate": "warning",
    "withdrawn": "warning",
    "not_checked": "warning",
    "not_on_arxiv": "info",
    "newer_version": "info",
    "published": "info",
}

_REVIEW_KINDS = {
    "different_name": "is another name on arXiv",
    "missing_from_list": "is an author on arXiv the list leaves out",
    "added_in_list": "is not an author on arXiv",
}
_PINNED = re.compile(r"v(\d+)$")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Finding:
    """One thing about one entry that a person should look at."""

    list_file: str
    line: int
    severity: Severity
    code: FindingCode
    message: str
    arxiv_id: str | None = None
    suggestion: str | None = None


def _finding(
    row: EntryRow, code: FindingCode, message: str, suggestion: str | None = None
) -> Finding:
    return Finding(
        row.entry.list_file,
        row.entry.line,
        SEVERITY_OF[code],
        code,
        message,
        row.arxiv_id,
        suggestion,
    )


def abs_link(arxiv_id: str) -> str:
    """The link to a paper's abstract page at its latest version."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def _status_findings(row: EntryRow) -> list[Finding]:
    entry = row.entry
    written = entry.raw_id or row.arxiv_id or "?"
    if row.status == "invalid_id":
        reason = entry.id_error or "arXiv rejected it as malformed"
        return [_finding(row, "invalid_id", f"{written} is not an arXiv id: {reason}")]
    if row.status == "not_found":
        return [
            _finding(row, "not_found", f"arXiv has no paper {row.arxiv_id}; check the id or link")
        ]
    if row.status == "not_on_arxiv":
        title = f'"{entry.title}"' if entry.title else "the entry's title"
        return [_finding(row, "not_on_arxiv", f"no arXiv paper has the title {title}")]
    if row.status == "failed":
        return [
            _finding(
                row,
                "not_checked",
                f"{row.arxiv_id} was not fetched: arXiv stopped answering during the last "
                "run; the next run asks again",
            )
        ]
    return []


def _defect_findings(row: EntryRow, first: int) -> list[Finding]:
    """``first``: the line of the list's first entry that cites the same paper."""
    entry = row.entry
    found: list[Finding] = []
    if entry.id_fix:
        wrong, _, right = entry.id_fix.partition(" -> ")
        found.append(
            _finding(
                row,
                "padded_id",
                f"{wrong} is padded to the wrong number of digits; arXiv's id is {right}",
                right,
            )
        )
    for defect in entry.defects:
        if defect == "missing_list_marker":
            found.append(
                _finding(
                    row,
                    "missing_list_marker",
                    "the entry continues the line above: it lacks its list marker",
                    "start the line with `- `",
                )
            )
        elif defect == "no_space_marker":
            found.append(
                _finding(
                    row,
                    "no_space_marker",
                    "the list marker has no space after it, so Markdown does not read a list item",
                    "put a space after the marker: `- `",
                )
            )
        elif defect == "empty_link":
            # A title search may have found the paper the empty link was meant for.
            found_by_title = row.id_source == "title_search" and row.arxiv_id
            found.append(
                _finding(
                    row,
                    "empty_link",
                    "a link of the entry has no URL: `[...]()`",
                    abs_link(row.arxiv_id) if found_by_title and row.arxiv_id else None,
                )
            )
        elif defect == "ids_disagree":
            others = ", ".join(entry.other_ids) or "another id"
            found.append(
                _finding(
                    row,
                    "ids_disagree",
                    f"the entry names arXiv ids that disagree: {row.arxiv_id} and {others}",
                )
            )
        elif defect == "duplicate":
            where = f" (first at line {first})" if first != entry.line else ""
            found.append(_finding(row, "duplicate", f"the paper is cited again{where}"))
    return found


def _paper_findings(row: EntryRow, paper: Paper) -> list[Finding]:
    found: list[Finding] = []
    link = abs_link(paper.arxiv_id)
    if paper.withdrawn:
        found.append(
            _finding(
                row,
                "withdrawn",
                f"arXiv's v{paper.version} of {paper.arxiv_id} withdraws the paper: "
                f"{paper.comment}",
                link,
            )
        )
    pinned = _PINNED.search(row.entry.raw_id or "")
    if pinned and int(pinned[1]) < paper.version:
        found.append(
            _finding(
                row,
                "newer_version",
                f"the list links v{pinned[1]}; arXiv has v{paper.version} of {paper.arxiv_id}",
                link,
            )
        )
    published = [
        *([paper.journal_ref] if paper.journal_ref else []),
        *([f"https://doi.org/{paper.doi}"] if paper.doi else []),
    ]
    if published:
        found.append(
            _finding(
                row,
                "published",
                f"{paper.arxiv_id} has a published version: {'; '.join(published)}",
                "; ".join(published),
            )
        )
    return found


def _name_findings(row: EntryRow, checks: Sequence[NameCheck]) -> list[Finding]:
    found: list[Finding] = []
    for check in checks:
        if check.kind == "title_differs":
            found.append(
                _finding(
                    row,
                    "title_differs",
                    f'{check.arxiv_id} is titled "{check.on_arxiv}" on arXiv, not '
                    f'"{check.listed}": a wrong link, or a retitled paper',
                    check.on_arxiv,
                )
            )
        elif check.kind == "misspelling":
            found.append(
                _finding(
                    row,
                    "author_misspelling",
                    f'author "{check.listed}" is spelled "{check.on_arxiv}" on arXiv',
                    check.on_arxiv,
                )
            )
        elif check.kind == "different_name":
            found.append(
                _finding(
                    row,
                    "author_review",
                    f'author "{check.listed}" {_REVIEW_KINDS[check.kind]}: "{check.on_arxiv}"',
                    check.on_arxiv,
                )
            )
        elif check.kind == "missing_from_list":
            found.append(
                _finding(row, "author_review", f'"{check.on_arxiv}" {_REVIEW_KINDS[check.kind]}')
            )
        elif check.kind == "added_in_list":
            found.append(
                _finding(row, "author_review", f'"{check.listed}" {_REVIEW_KINDS[check.kind]}')
            )
    return found


def _citation_keys(row: EntryRow) -> list[tuple[str, str]]:
    """What makes two entries of a list cite the same paper: the id, or the title."""
    keys = [(row.entry.list_file, f"id {row.arxiv_id}")] if row.arxiv_id else []
    if row.entry.title:
        words = " ".join(_WORD.findall(row.entry.title.lower()))
        keys.append((row.entry.list_file, f"title {words}"))
    return keys


def _first_citations(rows: Iterable[EntryRow]) -> dict[tuple[str, str], int]:
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        for key in _citation_keys(row):
            first.setdefault(key, row.entry.line)
    return first


def find_all(
    rows: Sequence[EntryRow], papers: Mapping[str, Paper], checks: Iterable[NameCheck]
) -> list[Finding]:
    """Every finding of the entries ``rows``, in the order of the lists and their lines;
    an entry's findings in the order of ``FINDING_CODES`` (errors first)."""
    by_entry: dict[tuple[str, int], list[NameCheck]] = {}
    for check in checks:
        by_entry.setdefault((check.list_file, check.line), []).append(check)
    firsts = _first_citations(rows)
    found: list[Finding] = []
    for row in rows:
        if row.entry.kind != "paper":
            continue
        key = (row.entry.list_file, row.entry.line)
        first = min((firsts[k] for k in _citation_keys(row)), default=row.entry.line)
        of_entry = [
            *_status_findings(row),
            *_defect_findings(row, first),
            *_name_findings(row, by_entry.get(key, [])),
        ]
        paper = papers.get(row.arxiv_id or "") if row.status == "enriched" else None
        if paper is not None:
            of_entry += _paper_findings(row, paper)
        found += sorted(of_entry, key=lambda f: FINDING_CODES.index(f.code))
    return found


def counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """How many findings of each severity, every severity named."""
    tally: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        tally[finding.severity] += 1
    return tally
