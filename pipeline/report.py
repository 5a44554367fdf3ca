"""A one-page HTML report of a dataset, for people who want to look rather than query.

The page is self-contained (its charts are PNG data URIs, its style inline), so it can be
mailed or attached as one file; the charts are also written beside it as PNG files, for
slides and documents. Only papers.parquet and entries.parquet are required: every other
file (manifest, author fixes, changes, removed papers) may be absent, and the section
that needs it then says so.

Charts are drawn with matplotlib's Agg canvas on a private ``Figure``, so no display and
no global pyplot state are involved.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pipeline.records import ENTRY_STATUSES
from pipeline.report_html import long_token, note, short_names, table, text
from pipeline.report_sections import attention_section, author_fixes_section, tie_note
from pipeline.store.commit import MANIFEST, DatasetLock, StoreError, write_atomically
from pipeline.store.dictionary import STATUS_MEANINGS
from pipeline.store.migrate import conform, read_parquet
from pipeline.store.schema import (
    AUTHOR_FIXES,
    CHANGES,
    ENTRIES,
    PAPERS,
    REMOVED,
    FileSchema,
)

REPORT_FILE = "report.html"
TOP_AUTHORS = 15

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
.meta { color: #555; } .note { color: #555; font-style: italic; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
.scroll { overflow-x: auto; max-width: 100%; }
.u { overflow-wrap: anywhere; } .nw { white-space: nowrap; } td.p { min-width: 10em; }
.error { color: #b00020; font-weight: 600; } .warning { color: #8a5a00; font-weight: 600; }
.info { color: #2b5c9e; }
th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { width: 100%; max-width: 640px; display: block; margin: 0.8em 0; }
"""


class ReportError(Exception):
    """The dataset is missing or unreadable; the message says which file and why, in a line."""


def _one_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _read(path: Path, schema: FileSchema) -> pd.DataFrame | None:
    """A file of the dataset as a DataFrame in today's schema, or None when there is none."""
    if not path.exists():
        return None
    try:
        table = read_parquet(path)
    except (OSError, pa.ArrowException) as err:
        raise ReportError(f"{path}: unreadable Parquet file: {_one_line(err)}") from err
    try:
        frame: pd.DataFrame = conform(table, schema, path).to_pandas()
    except StoreError as err:
        raise ReportError(str(err)) from err
    return frame


def _require(path: Path, schema: FileSchema) -> pd.DataFrame:
    frame = _read(path, schema)
    if frame is None:
        raise ReportError(f"{path}: no such file (is this a dataset directory?)")
    return frame


def _read_manifest(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReportError(f"{path}: unreadable JSON: {_one_line(err)}") from err
    if not isinstance(manifest, dict):
        raise ReportError(f"{path}: not a JSON object")
    return manifest


def _bar_png(counts: pd.Series[int], title: str, unit: str, horizontal: bool) -> bytes:
    """A bar chart of ``counts`` (label -> number) as PNG bytes.

    Labels are tags and names from the lists and arXiv: text, never matplotlib's maths
    (``$x$`` in a tag would be parsed, and an unbalanced ``$`` fails the whole report).
    """
    with rc_context({"text.parse_math": False}):
        return _draw_bars(counts, title, unit, horizontal)


def _draw_bars(counts: pd.Series[int], title: str, unit: str, horizontal: bool) -> bytes:
    labels, values = [str(k) for k in counts.index], [int(v) for v in counts]
    height = max(2.0, 0.27 * len(labels) + 1.0) if horizontal else 3.4
    # Drawn at the width the page shows it (640 px of CSS), at 1.5 pixels a pixel: sharp on
    # dense screens, its text still legible when a narrow window shrinks it.
    figure = Figure(figsize=(6.4, height), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    if not any(values):
        axes.text(0.5, 0.5, f"no {unit}", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
    elif horizontal:
        bars = axes.barh(labels[::-1], values[::-1], color="#4c72b0")
        axes.bar_label(bars, padding=3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel(unit)
        axes.margins(x=0.08)
    else:
        bars = axes.bar(labels, values, color="#4c72b0")
        axes.bar_label(bars, padding=2)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(unit)
        axes.margins(y=0.1)
        if len(labels) > 12:
            axes.tick_params(axis="x", labelrotation=45)
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _by_count(values: pd.Series[Any]) -> pd.Series[int]:
    """How often each value occurs, most frequent first, ties in alphabetical order."""
    counts = values.dropna().astype(str).value_counts().sort_index()
    return counts.sort_values(ascending=False, kind="stable")


class _Page:
    """The HTML being assembled, and the charts written beside it."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.parts: list[str] = []

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def chart(self, name: str, png: bytes, alt: str) -> None:
        write_atomically(self.out_dir / f"{name}.png", png)
        data = base64.b64encode(png).decode("ascii")
        self.add(f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">')


def _papers_sections(page: _Page, papers: pd.DataFrame) -> None:
    years = papers["published"].dt.year
    per_year = years.value_counts().sort_index()
    if len(per_year):
        per_year = per_year.reindex(
            range(per_year.index.min(), per_year.index.max() + 1), fill_value=0
        )
    tags = papers[["published", "tags"]].explode("tags")
    tags["tags"] = tags["tags"].fillna("(no tag)")
    page.add("<h2>Papers per year and tag</h2>")
    page.chart(
        "papers_per_year",
        _bar_png(per_year, "Papers per year of first version", "papers", horizontal=False),
        "papers per year",
    )
    page.chart(
        "papers_per_tag",
        _bar_png(_by_count(tags["tags"]), "Papers per tag", "papers", horizontal=True),
        "papers per tag",
    )
    if len(tags):
        grid = pd.crosstab(tags["published"].dt.year, tags["tags"])
        page.add(
            note("A paper with several tags counts once under each."),
            table(
                ["year", *map(str, grid.columns), "papers"],
                [
                    [int(y), *map(int, row), int(per_year.get(y, 0))]
                    for y, row in zip(grid.index, grid.to_numpy(), strict=True)
                ],
            ),
        )
    ranked = _by_count(papers["authors"].explode())
    authors = ranked.head(TOP_AUTHORS)
    page.add("<h2>Most frequent authors</h2>")
    page.chart(
        "top_authors",
        _bar_png(authors, f"Top {len(authors)} authors (names as on arXiv)", "papers", True),
        "most frequent authors: " + ", ".join(f"{a} {n}" for a, n in authors.items()),
    )
    page.add(tie_note(ranked, len(authors)))


def _per_status(entries: pd.DataFrame) -> pd.Series[int]:
    """Entries per status, every status named, in the order of ENTRY_STATUSES then any other."""
    found = entries["status"].value_counts()
    order = [*ENTRY_STATUSES, *sorted(set(found.index) - set(ENTRY_STATUSES))]
    return pd.Series([int(found.get(s, 0)) for s in order], index=order, dtype=int)


def _status_section(page: _Page, entries: pd.DataFrame) -> None:
    counts = _per_status(entries)
    # A bar of length 0 only clutters the chart: the table below names every status.
    drawn = counts[counts > 0]
    page.add("<h2>Status of the entries</h2>")
    page.chart(
        "entry_status",
        _bar_png(drawn, "Entries per status", "entries", True),
        "entries per status: " + ", ".join(f"{s} {n}" for s, n in drawn.items()),
    )
    page.add(
        table(
            ["status", "entries", "meaning"],
            [
                [s, int(n), STATUS_MEANINGS.get(str(s), "").replace("`", "")]
                for s, n in counts.items()
            ],
        )
    )


def _started(manifest: dict[str, Any] | None) -> pd.Timestamp | None:
    """When the last run started, from the manifest (None without one)."""
    if manifest is None or "started_at" not in manifest:
        return None
    try:
        return pd.Timestamp(manifest["started_at"])
    except (TypeError, ValueError) as err:
        raise ReportError(f"manifest.json: bad started_at: {_one_line(err)}") from err


def _last_run_section(
    page: _Page,
    started: pd.Timestamp | None,
    changes: pd.DataFrame | None,
    removed: pd.DataFrame | None,
) -> None:
    page.add("<h2>What changed in the last run</h2>")
    if changes is None:
        page.add(note(f"No {CHANGES.file} in this dataset: changes are not recorded."))
        return
    if started is None:
        page.add(note(f"No manifest.json, so the last run is unknown; {len(changes)} changes."))
        return
    last = changes[changes["detected_at"] == started]
    when = f"{started:%Y-%m-%d %H:%M:%S} UTC"
    if last.empty:
        page.add(note(f"arXiv changed none of the papers in the last run (started {when})."))
    else:
        page.add(f"<p>{len(last)} changes seen by the run started {when}:</p>")
        columns = ["arxiv_id", "field", "old", "new"]
        page.add(table(columns, last[columns].to_numpy().tolist()))
    gone = None if removed is None else removed[removed["removed_at"] == started]
    if gone is not None and not gone.empty:
        page.add(f"<p>{len(gone)} papers left the lists (kept in {REMOVED.file}):</p>")
        page.add(table(["arxiv_id", "title"], gone[["arxiv_id", "title"]].to_numpy().tolist()))


def _header(enriched_dir: Path, manifest: dict[str, Any] | None, papers: int, entries: int) -> str:
    facts = [f"{papers} papers", f"{entries} entries", f"from {long_token(str(enriched_dir))}"]
    started = _started(manifest)
    if manifest is not None and started is not None:
        facts += [
            f"run {text(manifest.get('run_id', '?'))} started {started:%Y-%m-%d %H:%M:%S} UTC",
            "complete" if manifest.get("complete", True) else "partial run: see manifest.json",
        ]
    return "<h1>arxiv-enrich dataset report</h1>" + (f'<p class="meta">{"; ".join(facts)}</p>')


def write_report(enriched_dir: Path, out_dir: Path) -> Path:
    """Write ``report.html`` and its charts (PNG) for the dataset in ``enriched_dir``.

    Returns the path of the HTML page; raises ReportError when the dataset is missing or
    unreadable.
    """
    if not enriched_dir.is_dir():
        raise ReportError(f"{enriched_dir}: no such dataset directory")
    # Under the lock, which first finishes an interrupted commit: the files read are of
    # one run, and no run replaces them meanwhile.
    with DatasetLock(enriched_dir):
        papers = _require(enriched_dir / PAPERS.file, PAPERS)
        entries = _require(enriched_dir / ENTRIES.file, ENTRIES)
        fixes = _read(enriched_dir / AUTHOR_FIXES.file, AUTHOR_FIXES)
        changes = _read(enriched_dir / CHANGES.file, CHANGES)
        removed = _read(enriched_dir / REMOVED.file, REMOVED)
        manifest = _read_manifest(enriched_dir / MANIFEST)

        page = _Page(out_dir)
        page.add(_header(enriched_dir, manifest, len(papers), len(entries)))
        names = short_names(entries["list_file"])
        page.add(attention_section(enriched_dir, names))
        _papers_sections(page, papers)
        _status_section(page, entries)
        page.add(author_fixes_section(fixes, names))
        _last_run_section(page, _started(manifest), changes, removed)
        document = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>arxiv-enrich report</title><style>{_STYLE}</style></head>"
            f"<body>{''.join(page.parts)}</body></html>\n"
        )
        path = out_dir / REPORT_FILE
        write_atomically(path, document.encode("utf-8"))
    return path
