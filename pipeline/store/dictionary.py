"""The data dictionary (docs/schema.md), rendered from the schemas so it cannot drift:
``python -m pipeline schema > docs/schema.md``."""

from __future__ import annotations

import pyarrow as pa

from pipeline.records import ENTRY_STATUSES, manifest_keys
from pipeline.store.schema import ALL

STATUS_MEANINGS = {
    "enriched": "The entry's arXiv id resolved to a paper, which has a row in papers.parquet.",
    "not_found": "arXiv answered but has no paper with this id.",
    "not_on_arxiv": "The entry gives no arXiv id and a title search on arXiv found no match: "
    "the paper is published elsewhere.",
    "invalid_id": "The id as written cannot exist (`id_error` says why) or arXiv rejected it.",
    "no_arxiv_id": "The entry gives no arXiv id (it links elsewhere) and no title search was "
    "made for it: it has no title, or arXiv stopped answering or refused the query.",
    "not_a_paper": "The entry is a code repository or another resource (a blog post, slides, "
    "a tool, another list), not a paper: it is not looked up on arXiv.",
    "failed": "arXiv stopped answering before this paper was fetched and no earlier run had "
    "it; the next run tries again.",
}

MANIFEST_KEYS = manifest_keys()

# How each Arrow type reads in the usual tools: (pandas dtype, DuckDB type, Polars dtype).
READ_AS = {
    "string": ("`str` (`object` before pandas 3)", "`VARCHAR`", "`String`"),
    "int32": ("`int32` (`float64` if the column has nulls)", "`INTEGER`", "`Int32`"),
    "double": ("`float64`", "`DOUBLE`", "`Float64`"),
    "bool": ("`bool` (`object` if the column has nulls)", "`BOOLEAN`", "`Boolean`"),
    "timestamp[us, tz=UTC]": (
        "`datetime64[us, UTC]`",
        "`TIMESTAMP WITH TIME ZONE`",
        "`Datetime('us', 'UTC')`",
    ),
    "list<string>": (
        "`object`: each value a NumPy array of strings",
        "`VARCHAR[]`",
        "`List(String)`",
    ),
}


def type_name(data_type: pa.DataType) -> str:
    """An Arrow type as written in the data dictionary (``list<string>``, not pyarrow's repr)."""
    if pa.types.is_list(data_type):
        return f"list<{type_name(data_type.value_type)}>"
    return str(data_type)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def markdown() -> str:
    """The data dictionary (docs/schema.md), rendered from ``ALL`` so it cannot drift."""
    out = [
        "# Data dictionary",
        "",
        "<!-- Generated from pipeline/store/schema.py by "
        "`python -m pipeline schema > docs/schema.md`; do not edit by hand. -->",
        "",
        "A run writes these files to its output directory (default `data/enriched/`). Every "
        "column's meaning also travels inside the Parquet files, as the field metadata "
        "`description`; the schema metadata `arxiv_enrich.run_id` names the run that wrote "
        "the file. Timestamps are UTC, to the microsecond.",
        "",
    ]
    for schema in ALL:
        out += [f"## {schema.file}", "", schema.description, ""]
        out += _table(
            ("column", "Arrow type", "nullable", "meaning", "example"),
            [
                (
                    f"`{c.name}`",
                    f"`{type_name(c.type)}`",
                    "yes" if c.nullable else "no",
                    c.description,
                    f"`{c.example}`",
                )
                for c in schema.columns
            ],
        )
    out += [
        "## How the files join",
        "",
        "- `entries.arxiv_id` -> `papers.arxiv_id`: many entries to one paper (several "
        "entries may cite the same paper); entries whose status is not `enriched` have no "
        "paper row.",
        "- `author_fixes.arxiv_id` -> `papers.arxiv_id`, and `author_fixes.(list_file, line)` "
        "-> `entries.(list_file, line)`: the entry whose names differ from arXiv's.",
        "- `changes.arxiv_id` -> `papers.arxiv_id` while the paper is still cited (otherwise "
        "-> `removed.arxiv_id`); the file grows run after run, `detected_at` tells the runs "
        "apart.",
        "- `removed.parquet` has the columns of papers.parquet plus `removed_at`: the last "
        "known row of each paper no list cites any more.",
        "",
        "## Entry statuses",
        "",
        *_table(("status", "meaning"), [(f"`{s}`", STATUS_MEANINGS[s]) for s in ENTRY_STATUSES]),
        "## manifest.json",
        "",
        "Written last by every run that writes the dataset, in the same commit as the "
        "Parquet files.",
        "",
        *_table(("key", "meaning"), [(f"`{k}`", m) for k, m in MANIFEST_KEYS]),
        "## Reading the types",
        "",
        *_table(
            ("Arrow", "pandas", "DuckDB", "Polars"),
            [(f"`{a}`", *tools) for a, tools in READ_AS.items()],
        ),
    ]
    return "\n".join(out).rstrip("\n") + "\n"
