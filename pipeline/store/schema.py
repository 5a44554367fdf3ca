"""The dataset's schema, declared once: one pyarrow schema per file, with descriptions.

Every writer builds its table from these schemas, the descriptions travel inside the
Parquet files as field metadata (``description``), and ``docs/schema.md`` is generated
from them (``python -m pipeline schema``), so code, files and docs cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from pipeline.records import (
    CHANGED_FIELDS,
    DEFECTS,
    ENTRY_KINDS,
    ENTRY_STATUSES,
    NAME_KINDS,
)

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.string())


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool
    description: str
    example: str


@dataclass(frozen=True)
class FileSchema:
    file: str
    description: str
    columns: tuple[Column, ...]

    @property
    def arrow(self) -> pa.Schema:
        return pa.schema(
            [
                pa.field(
                    c.name, c.type, nullable=c.nullable, metadata={"description": c.description}
                )
                for c in self.columns
            ],
            metadata={"description": self.description, "file": self.file},
        )


PAPERS = FileSchema(
    "papers.parquet",
    "One row per arXiv paper cited by the lists, with arXiv's metadata at its latest version.",
    (
        Column("arxiv_id", pa.string(), False, "arXiv identifier without version.", "1404.0736"),
        Column("version", pa.int32(), False, "Latest version number on arXiv.", "2"),
        Column(
            "title",
            pa.string(),
            False,
            "Title on arXiv, whitespace normalized.",
            "Distilling the Knowledge in a Neural Network",
        ),
        Column(
            "authors",
            STRINGS,
            False,
            "arXiv's author names, in order.",
            '["Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean"]',
        ),
        Column("abstract", pa.string(), False, "Abstract, whitespace normalized.", "A very..."),
        Column(
            "published",
            UTC_TIMESTAMP,
            False,
            "Date of the first version (UTC).",
            "2015-03-09 15:44:47+00:00",
        ),
        Column(
            "updated",
            UTC_TIMESTAMP,
            False,
            "Date of the latest version (UTC).",
            "2015-03-09 15:44:47+00:00",
        ),
        Column("primary_category", pa.string(), False, "Primary arXiv category.", "stat.ML"),
        Column(
            "categories",
            STRINGS,
            False,
            "All arXiv categories, primary first as given.",
            '["stat.ML", "cs.LG", "cs.NE"]',
        ),
        Column("comment", pa.string(), True, "Authors' comment, if any.", "9 pages"),
        Column("journal_ref", pa.string(), True, "Journal reference, if any.", "NIPS 2014"),
        Column(
            "doi",
            pa.string(),
            True,
            "DOI of the published version, if any.",
            "10.1109/CVPR.2017.634",
        ),
        Column(
            "abs_url",
            pa.string(),
            False,
            "Abstract page of the fetched version.",
            "https://arxiv.org/abs/1503.02531v1",
        ),
        Column(
            "pdf_url",
            pa.string(),
            False,
            "PDF of the fetched version.",
            "https://arxiv.org/pdf/1503.02531v1",
        ),
        Column(
            "fetched_at",
            UTC_TIMESTAMP,
            False,
            "When arXiv answered with this data (UTC).",
            "2026-11-25 12:00:00+00:00",
        ),
        Column(
            "tags",
            STRINGS,
            False,
            "Tags of the entries that cite the paper (【Tag】).",
            '["Distillation"]',
        ),
        Column("sections", STRINGS, False, "Headings the citing entries stand under.", '["2015"]'),
        Column(
            "code_urls",
            STRINGS,
            False,
            "Links to code of the entries that cite the paper, in list order.",
            '["https://github.com/song-han/deep-compression"]',
        ),
        Column(
            "withdrawn",
            pa.bool_(),
            True,
            "arXiv's latest version withdraws the paper (its comment says so); null in data "
            "written before this was read.",
            "false",
        ),
    ),
)

# The columns that name an entry, in every file about entries.
LIST_FILE = Column(
    "list_file",
    pa.string(),
    False,
    "The list file, as given to the run.",
    "data/raw/awesome-model-compression.md",
)
LINE = Column("line", pa.int32(), False, "1-based line number of the entry.", "24")

ENTRIES = FileSchema(
    "entries.parquet",
    "One row per paper entry of the lists, as written, with what became of it.",
    (
        LIST_FILE,
        LINE,
        Column("section", pa.string(), True, "Nearest heading above the entry.", "2014"),
        Column(
            "tags",
            STRINGS,
            False,
            "Tags written in the entry (【Tag】).",
            '["Low Rank Approximation"]',
        ),
        Column(
            "title",
            pa.string(),
            True,
            "Title as written (the link text).",
            "Exploiting Linear Structure Within ...",
        ),
        Column("authors", STRINGS, False, "Author names as written.", '["Emily Denton"]'),
        Column("url", pa.string(), True, "The entry's link.", "https://arxiv.org/pdf/1404.00736"),
        Column("raw_id", pa.string(), True, "The arXiv id as written.", "1404.00736"),
        Column(
            "arxiv_id",
            pa.string(),
            True,
            "Normalized arXiv id (joins papers.arxiv_id).",
            "1404.0736",
        ),
        Column(
            "id_fix",
            pa.string(),
            True,
            "Repair applied to the written id.",
            "1404.00736 -> 1404.0736",
        ),
        Column(
            "id_error",
            pa.string(),
            True,
            "Why the written id cannot exist.",
            "ids of 0808 have 4 digits after the dot",
        ),
        Column(
            "id_source",
            pa.string(),
            True,
            "Where the id came from: link, text or title_search.",
            "link",
        ),
        Column(
            "match_score",
            pa.float64(),
            True,
            "Title similarity (0-100) of a title_search match.",
            "100.0",
        ),
        Column(
            "checked_at",
            UTC_TIMESTAMP,
            True,
            "When arXiv was last asked about an entry that has no paper row: its title "
            "searched, or its id not found or rejected (UTC); kept for --max-age.",
            "2026-11-25 03:00:00+00:00",
        ),
        Column(
            "status", pa.string(), False, "One of: " + ", ".join(ENTRY_STATUSES) + ".", "enriched"
        ),
        Column(
            "kind",
            pa.string(),
            True,
            "One of: " + ", ".join(ENTRY_KINDS) + "; null in data written before kinds.",
            "paper",
        ),
        Column("venue", pa.string(), True, "The venue as written.", "ICLR 2016"),
        Column("year", pa.int32(), True, "The year the entry states.", "2015"),
        Column(
            "code_urls",
            STRINGS,
            False,
            "Links to code the entry gives.",
            '["https://github.com/song-han/deep-compression"]',
        ),
        Column(
            "defects",
            STRINGS,
            False,
            "How the entry is miswritten: " + ", ".join(DEFECTS) + ".",
            '["no_space_marker"]',
        ),
        Column(
            "authors_truncated",
            pa.bool_(),
            True,
            "The names as written end with et al. or an ellipsis; null in data written "
            "before this column.",
            "false",
        ),
        Column(
            "other_ids",
            STRINGS,
            False,
            "Other arXiv ids the entry names that differ from arxiv_id (see ids_disagree).",
            '["1510.00149"]',
        ),
    ),
)

AUTHOR_KINDS = NAME_KINDS

AUTHOR_FIXES = FileSchema(
    "author_fixes.parquet",
    "Every author name (and title) of an entry that differs from arXiv's, classified.",
    (
        LIST_FILE,
        LINE,
        Column("arxiv_id", pa.string(), False, "The paper the entry cites.", "1412.6550"),
        Column(
            "position",
            pa.int32(),
            True,
            "1-based position of the author in arXiv's list (in the list's when the "
            "author is not on arXiv; null for a title).",
            "1",
        ),
        Column(
            "listed", pa.string(), True, "Name (or title) as written in the list.", "driana Romero"
        ),
        Column("on_arxiv", pa.string(), True, "Name (or title) on arXiv.", "Adriana Romero"),
        Column(
            "kind", pa.string(), False, "One of: " + ", ".join(AUTHOR_KINDS) + ".", "misspelling"
        ),
        Column(
            "similarity",
            pa.float64(),
            False,
            "Similarity of the two names, 0-100 (rapidfuzz ratio after normalization).",
            "96.3",
        ),
        Column(
            "action",
            pa.string(),
            False,
            "fix: `python -m pipeline fix` corrects it; review: for a person to decide.",
            "fix",
        ),
    ),
)

CHANGES = FileSchema(
    "changes.parquet",
    "What arXiv changed in a paper since the previous run; appended run after run.",
    (
        Column("arxiv_id", pa.string(), False, "The paper.", "1412.6550"),
        Column(
            "field", pa.string(), False, "One of: " + ", ".join(CHANGED_FIELDS) + ".", "version"
        ),
        Column("old", pa.string(), True, "Value before (lists as JSON arrays).", "3"),
        Column("new", pa.string(), True, "Value now (lists as JSON arrays).", "4"),
        Column(
            "detected_at",
            UTC_TIMESTAMP,
            False,
            "Start of the run that saw it (UTC).",
            "2026-11-25 03:00:00+00:00",
        ),
    ),
)

REMOVED = FileSchema(
    "removed.parquet",
    "Last rows of papers that left the lists (papers.parquet columns plus removed_at).",
    (
        *PAPERS.columns,
        Column(
            "removed_at",
            UTC_TIMESTAMP,
            False,
            "Start of the run that no longer found the paper in any list (UTC).",
            "2026-11-25 03:00:00+00:00",
        ),
    ),
)

ALL = (PAPERS, ENTRIES, AUTHOR_FIXES, CHANGES, REMOVED)
