"""``export``: the papers of the dataset as a bibliography (BibTeX or CSL-JSON)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pipeline.cli.options import Commands, UsageError, add_enriched_option, require_dataset
from pipeline.records import Exit

FORMATS = ("bibtex", "csljson")


def add_export(commands: Commands) -> None:
    export_parser = commands.add_parser(
        "export",
        help="write the papers of the dataset as BibTeX or CSL-JSON",
        description="One record per paper of papers.parquet, as arXiv cites it (authors, "
        "title, year, eprint, primary class, URL, and DOI and journal when arXiv has them), "
        "with stable, unique keys. No network.",
    )
    add_enriched_option(export_parser)
    export_parser.add_argument(
        "--format", choices=FORMATS, default="bibtex", help="bibtex (default) or csljson"
    )
    export_parser.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write (default: standard output)"
    )
    export_parser.set_defaults(handler=cmd_export)


def _read_papers(enriched: Path) -> list[dict[str, Any]]:
    import pyarrow as pa

    from pipeline.export import ExportError
    from pipeline.store.last_run import reading
    from pipeline.store.migrate import conform, read_parquet
    from pipeline.store.schema import PAPERS

    path = enriched / PAPERS.file
    # As check and status read: an interrupted commit finished first, papers of one run.
    with reading(enriched):
        try:
            table = read_parquet(path)
        except (OSError, pa.ArrowException) as err:
            raise ExportError(f"{path}: unreadable Parquet file: {err}") from err
        rows: list[dict[str, Any]] = conform(table, PAPERS, path).to_pylist()
    return rows


def cmd_export(args: argparse.Namespace) -> int:
    from pipeline.export import ExportError, render
    from pipeline.store.commit import write_atomically
    from pipeline.store.schema import PAPERS

    if args.out is not None and args.out.is_dir():
        raise UsageError(f"{args.out}: is a directory; --out names the bibliography's file")
    require_dataset(args.enriched, PAPERS.file)
    try:
        papers = _read_papers(args.enriched)
        text = render(papers, args.format)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.FATAL
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_atomically(args.out, text.encode("utf-8"))
    print(f"wrote {len(papers)} {args.format} records to {args.out}")
    return 0
