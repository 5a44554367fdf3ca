"""The account of a run: its manifest, and the last lines it prints."""

from __future__ import annotations

import shlex
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline import __version__
from pipeline.config import DEFAULT_OUT
from pipeline.records import (
    Answers,
    AuthorFixCounts,
    Change,
    Changes,
    Counts,
    Dataset,
    Exit,
    ListRecord,
    Manifest,
    NameCheck,
    Paper,
    Pulled,
    Requests,
)
from pipeline.stages.join import describe_changes
from pipeline.text import counted


@dataclass(frozen=True)
class Findings:
    """Everything one run found out, before it is written."""

    run_id: str
    started: datetime
    api_url: str
    lists: list[ListRecord]
    """The lists read, as the manifest records them."""
    pulls: list[Pulled]
    """What pulling the lists came to (empty without ``pull``)."""
    cited: list[str]
    answers: Answers
    fetched: dict[str, Paper]
    """Papers arXiv returned this run, by id or by title search."""
    dataset: Dataset
    changes: list[Change]
    removed: list[Paper]
    name_checks: list[NameCheck]

    @property
    def exit_code(self) -> Exit:
        if self.answers.gave_up:
            return Exit.PARTIAL  # what asks most of the next run
        if any(p.error for p in self.pulls):
            return Exit.PULL_FAILED
        return Exit.OK


def manifest_of(findings: Findings, content_changed: bool) -> Manifest:
    """What the run read, did and wrote (see ``Manifest`` for each key's meaning)."""
    dataset, answers = findings.dataset, findings.answers
    actions = Counter(c.action for c in findings.name_checks)
    return Manifest(
        tool=f"arxiv-enrich {__version__}",
        run_id=findings.run_id,
        started_at=findings.started,
        finished_at=datetime.now(UTC),
        exit_code=int(findings.exit_code),
        complete=not answers.gave_up,
        api_url=findings.api_url,
        lists=findings.lists,
        pulls=findings.pulls,
        counts=Counts(
            entries=len(dataset.entries),
            papers=len(dataset.papers),
            statuses=dict(sorted(Counter(r.status for r in dataset.entries).items())),
            ids_cited=len(findings.cited),
            ids_fetched=len(findings.fetched),
            ids_kept_from_previous=sum(
                1 for r in dataset.papers if r.paper.arxiv_id not in findings.fetched
            ),
        ),
        requests=Requests(
            sent=answers.requests_sent,
            from_cache=answers.from_cache,
            answers=answers.answers,
            retries=answers.report.retries,
            missing_fields=answers.missing_fields,
        ),
        gave_up=answers.gave_up,
        pending_ids=answers.report.pending,
        changes=Changes(len(findings.changes), describe_changes(findings.changes)),
        removed_ids=[p.arxiv_id for p in findings.removed],
        author_fixes=AuthorFixCounts(fix=actions["fix"], review=actions["review"]),
        content_changed=content_changed,
    )


def fix_hint(name_checks: list[NameCheck], out_dir: Path) -> str:
    """The command that writes a corrected list, as it can be typed: the real list, and
    the directory this run wrote."""
    lists = sorted({c.list_file for c in name_checks})
    command = f"python -m pipeline fix {shlex.quote(lists[0])}"
    if out_dir != DEFAULT_OUT:
        command += f" --enriched {shlex.quote(str(out_dir))}"
    others = f" (and likewise for the {len(lists) - 1} other lists)" if len(lists) > 1 else ""
    return f"`{command}` writes the corrected list{others}"


def summary_of(findings: Findings, out_dir: Path) -> str:
    """The run's last lines: what was written, what changed, what needs a person."""
    dataset, answers = findings.dataset, findings.answers
    statuses = Counter(r.status for r in dataset.entries)
    lines = [
        f"wrote {counted(len(dataset.papers), 'paper')} and "
        f"{counted(len(dataset.entries), 'entry', 'entries')} "
        f"({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}) to {out_dir}; "
        f"{counted(answers.requests_sent, 'request')} sent, "
        f"{answers.from_cache} answered from cache",
        *describe_changes(findings.changes),
    ]
    if findings.removed:
        lines.append(
            f"{counted(len(findings.removed), 'paper')} left the lists (kept in removed.parquet)"
        )
    if findings.name_checks:
        actions = Counter(c.action for c in findings.name_checks)
        lines.append(
            f"{counted(actions['fix'], 'author name')} to fix, "
            f"{counted(actions['review'], 'difference')} to review "
            f"(author_fixes.csv); {fix_hint(findings.name_checks, out_dir)}"
        )
    if answers.missing_fields:
        lines.append(
            f"warning: no answer of arXiv had {', '.join(answers.missing_fields)} in any "
            "entry: the API may have changed without an error; check the data "
            "(manifest.json requests.missing_fields)"
        )
    for failed in (p for p in findings.pulls if p.error):
        since = (
            f"last pulled {failed.succeeded_at:%Y-%m-%d %H:%M} UTC"
            if failed.succeeded_at
            else "never pulled"
        )
        lines.append(f"pull failed: {failed.name} ({failed.error}); read its last copy ({since})")
    if answers.gave_up:
        lines.append(
            f"stopped asking arXiv: {answers.gave_up}; "
            f"{counted(len(answers.report.pending), 'id')} pending "
            "(listed in manifest.json), the next run fetches them"
        )
    return "\n".join(lines)
