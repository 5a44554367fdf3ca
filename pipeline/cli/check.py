"""``check``: the findings of the last run, for a list's maintainer, an editor or CI."""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.cli.options import Commands, UsageError, add_enriched_option, list_path
from pipeline.records import Exit

if TYPE_CHECKING:
    from pipeline.records import ListRecord, Manifest
    from pipeline.stages.findings import Finding

FORMATS = ("text", "json", "github")
FAIL_ON = ("error", "warning", "never")
_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def add_check(commands: Commands) -> None:
    check_parser = commands.add_parser(
        "check",
        help="print what needs a person in the lists, from the last run (no network)",
        description="Every finding of the last run about the lists' entries (wrong ids, "
        "papers arXiv lacks, misspelled authors, miswritten entries, ...), in list order. "
        "Exit 0 when none is at or above --fail-on, 1 when one is, 2 for usage errors.",
    )
    check_parser.add_argument(
        "lists",
        nargs="*",
        type=list_path,
        metavar="LIST",
        help="the lists to check (default: every list the last run read)",
    )
    add_enriched_option(check_parser)
    check_parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: FILE:LINE: SEVERITY CODE message, then a summary; json: an array of "
        "findings; github: workflow commands that annotate a pull request (default: text)",
    )
    check_parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="exit 1 when a finding is of this severity or worse (default: error)",
    )
    check_parser.set_defaults(handler=cmd_check)


def _record_of(path: Path, manifest: Manifest) -> ListRecord | None:
    """The manifest's record of a list: the same file, else (a run started elsewhere)
    the only one of the same name."""
    for record in manifest.lists:
        try:
            if Path(record.path).resolve() == path.resolve():
                return record
        except OSError:
            continue
    named = [r for r in manifest.lists if Path(r.path).name == path.name]
    return named[0] if len(named) == 1 else None


def _checked_lists(
    given: Sequence[Path], manifest: Manifest, enriched: Path
) -> list[tuple[str, ListRecord]]:
    """(name to report, manifest record) of each list to check; a list the last run did
    not read, or has changed since, is a UsageError that says to run first."""
    from pipeline.lists.read import read_list_text

    chosen = (
        [(str(p), _record_of(p, manifest)) for p in given]
        if given
        else [(r.path, r) for r in manifest.lists]
    )
    checked = []
    seen: set[str] = set()
    for name, record in chosen:
        if record is not None and record.path in seen:
            continue  # the same list named twice
        run_first = f"run `python -m pipeline run {name} --out {enriched}` first"
        read_list_text(Path(name))  # a missing or unreadable list is an error naming it
        if record is None:
            raise UsageError(f"{name}: the last run in {enriched} did not read it; {run_first}")
        if hashlib.sha256(Path(name).read_bytes()).hexdigest() != record.sha256:
            raise UsageError(
                f"{name}: changed since the last run in {enriched} (its sha256 differs from "
                f"the manifest's); {run_first}"
            )
        seen.add(record.path)
        checked.append((name, record))
    return checked


def cmd_check(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from pipeline.stages.findings import find_all
    from pipeline.store.commit import MANIFEST
    from pipeline.store.last_run import read_last_run, reading
    from pipeline.store.schema import ENTRIES

    if not (args.enriched / ENTRIES.file).is_file() or not (args.enriched / MANIFEST).is_file():
        raise UsageError(f"{args.enriched}: no dataset; run `python -m pipeline run` first")
    with reading(args.enriched):
        last = read_last_run(args.enriched)
    findings: list[Finding] = []
    checked = _checked_lists(args.lists, last.manifest, args.enriched)
    for name, record in checked:
        rows = [r for r in last.entries if r.entry.list_file == record.path]
        checks = [c for c in last.name_checks if c.list_file == record.path]
        found = find_all(rows, last.papers, checks)
        findings += [replace(f, list_file=name) for f in found]
    if args.format == "json":
        print(json.dumps(as_json(findings), indent=2, ensure_ascii=False))
    else:
        lines = github_lines(findings) if args.format == "github" else text_lines(findings)
        for line in lines:
            print(line)
        print(summary(findings, len(checked)))
    return Exit.FATAL if failing(findings, args.fail_on) else Exit.OK


def failing(findings: Sequence[Finding], fail_on: str) -> bool:
    """Whether a finding is at or above ``fail_on`` (``never``: none is)."""
    worst = {"error": ("error",), "warning": ("error", "warning"), "never": ()}[fail_on]
    return any(f.severity in worst for f in findings)


def _told(finding: Finding) -> str:
    """The message, with the suggestion when the message does not already say it."""
    suggestion = finding.suggestion
    if suggestion is None or suggestion in finding.message:
        return finding.message
    return f"{finding.message} (suggestion: {suggestion})"


def text_lines(findings: Sequence[Finding]) -> list[str]:
    """``FILE:LINE: SEVERITY CODE message``, what editors and CI logs link to."""
    return [f"{f.list_file}:{f.line}: {f.severity} {f.code} {_told(f)}" for f in findings]


def as_json(findings: Sequence[Finding]) -> list[dict[str, object]]:
    """The findings as ``docs/check.schema.json`` describes them."""
    return [
        {
            "list_file": f.list_file,
            "line": f.line,
            "severity": f.severity,
            "code": f.code,
            "message": f.message,
            "arxiv_id": f.arxiv_id,
            "suggestion": f.suggestion,
        }
        for f in findings
    ]


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_lines(findings: Sequence[Finding]) -> list[str]:
    """GitHub workflow commands: each finding an annotation on its line of the list."""
    return [
        f"::{_GITHUB_COMMAND[f.severity]} file={escape_property(f.list_file)},line={f.line},"
        f"title={escape_property(f.code)}::{escape_data(_told(f))}"
        for f in findings
    ]


def summary(findings: Sequence[Finding], lists: int) -> str:
    """One line: how many findings of each severity, and of which codes."""
    from pipeline.stages.findings import SEVERITIES
    from pipeline.text import counted

    where = counted(lists, "list")
    if not findings:
        return f"no findings in {where}"
    parts = []
    for severity in SEVERITIES:
        codes = Counter(f.code for f in findings if f.severity == severity)
        if codes:
            noun = counted(sum(codes.values()), severity)
            if severity == "info":
                noun = f"{sum(codes.values())} info"
            by_code = ", ".join(f"{code} {n}" for code, n in codes.most_common())
            parts.append(f"{noun} ({by_code})")
    return f"{counted(len(findings), 'finding')} in {where}: {'; '.join(parts)}"
