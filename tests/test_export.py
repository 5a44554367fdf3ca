"""``export``: the papers as BibTeX and CSL-JSON, read back with a BibTeX parser."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import LatexDecodingMiddleware
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from pipeline.export import base_key, citations, render, split_name
from pipeline.store.dataset import table_bytes
from standin import FakeArxiv
from tests.conftest import SEED_LIST, cli, fast_run_args

SPECIALS = r"Costs & gains: 50% of $5 for #1, a_b {c} ~d ^e \f"


def paper(arxiv_id: str, title: str, authors: list[str], **more: Any) -> dict[str, Any]:
    """A row of papers.parquet, with the columns export reads."""
    return {
        "arxiv_id": arxiv_id,
        "title": title,
        "authors": authors,
        "published": more.pop("published", datetime(2017, 7, 5, 12, tzinfo=UTC)),
        "primary_category": more.pop("primary_category", "cs.LG"),
        "doi": more.pop("doi", None),
        "journal_ref": more.pop("journal_ref", None),
        **more,
    }


def parsed(text: str) -> dict[str, dict[str, str]]:
    """BibTeX read back as a reader's tools would: TeX turned into text, by key.

    pylatexenc renders ``\\textasciicircum`` as U+02C6 (a modifier letter); LaTeX prints
    the ASCII ``^`` it names, so the decoder is told so.
    """
    context = get_default_latex_context_db()
    context.add_context_category(
        "ascii", prepend=True, macros=[MacroTextSpec("textasciicircum", "^")]
    )
    decoder = LatexNodes2Text(latex_context=context, math_mode="verbatim")
    library = parse_string(text, append_middleware=[LatexDecodingMiddleware(decoder=decoder)])
    assert library.failed_blocks == []
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys))
    return {e.key: {f.key: f.value for f in e.fields} for e in library.entries}


# -- BibTeX ---------------------------------------------------------------------------------------


def test_tex_specials_and_accented_names_survive_the_round_trip() -> None:
    authors = ["Miguel Á. Carreira-Perpiñán", "Piotr Dollár", "Zoë O'Brien-Łukasik"]
    text = render(
        [paper("1707.01209", SPECIALS, authors, doi="10.1000/a_b-1", journal_ref="J. A & B 3")],
        "bibtex",
    )

    [(key, fields)] = parsed(text).items()

    assert fields["title"] == SPECIALS
    assert fields["author"] == " and ".join(authors)
    assert fields["journal"] == "J. A & B 3"
    assert fields["doi"] == "10.1000/a_b-1"
    assert key == "carreiraperpinan2017costs"
    assert text.isascii()  # accents as TeX: every BibTeX reads them


def test_arxivs_own_fields() -> None:
    published = datetime(2015, 3, 9, 15, 44, tzinfo=UTC)
    text = render(
        [
            paper(
                "1503.02531",
                "Distilling the Knowledge in a Neural Network",
                ["Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean"],
                published=published,
                primary_category="stat.ML",
            )
        ],
        "bibtex",
    )

    assert text.startswith("@misc{hinton2015distilling,\n")
    assert parsed(text)["hinton2015distilling"] == {
        "title": "Distilling the Knowledge in a Neural Network",
        "author": "Geoffrey Hinton and Oriol Vinyals and Jeff Dean",
        "year": "2015",
        "eprint": "1503.02531",
        "archivePrefix": "arXiv",
        "primaryClass": "stat.ML",
        "url": "https://arxiv.org/abs/1503.02531",
    }


def test_math_in_a_title_stays_tex_and_the_text_around_it_is_escaped() -> None:
    title = "Learning Sparse Networks through $L_0$ Regularization & 100% of $\\ell_1$"
    text = render([paper("1712.01312", title, ["Christos Louizos"])], "bibtex")

    assert "$L_0$ Regularization \\& 100\\% of $\\ell_1$" in text
    assert parsed(text)["louizos2017learning"]["title"] == title


@pytest.mark.parametrize("title", ["A stray $x}$ brace", "Open {brace $a{$ here", "Lone $ sign"])
def test_a_title_tex_cannot_read_still_makes_a_whole_entry(title: str) -> None:
    rows = [paper("1701.00001", title, ["Ann Bee"]), paper("1701.00002", "Next", ["Cy Dee"])]
    entries = parsed(render(rows, "bibtex"))

    assert [e["eprint"] for e in entries.values()] == ["1701.00001", "1701.00002"]
    assert entries["bee2017stray" if "stray" in title else next(iter(entries))]["title"] == title


def test_names_with_particles_and_suffixes_are_written_as_bibtex_reads_them() -> None:
    assert split_name("Laurens van der Maaten").family == "Maaten"
    assert split_name("Laurens van der Maaten").particle == "van der"
    king = split_name("Martin Luther King, Jr.")
    assert (king.given, king.family, king.suffix) == ("Martin Luther", "King", "Jr.")
    assert king.bibtex == "King, Jr., Martin Luther"
    assert split_name("Plato").family == "Plato"

    text = render([paper("1701.00001", "T", ["Martin Luther King, Jr.", "Ann Bee"])], "bibtex")
    assert parsed(text)["king2017t"]["author"] == "King, Jr., Martin Luther and Ann Bee"


# -- keys -----------------------------------------------------------------------------------------


def test_base_keys_skip_stop_words_and_fold_accents() -> None:
    day = datetime(2019, 1, 2, tzinfo=UTC)
    assert base_key(["Piotr Dollár"], day, "The Focal Loss") == "dollar2019focal"
    assert base_key([], day, "On the Road") == "arxiv2019road"
    assert base_key(["李 明"], day, "$x$") == "arxiv2019x"


def test_keys_are_unique_the_oldest_keeps_the_bare_one_and_a_later_paper_changes_none() -> None:
    day = datetime(2020, 5, 1, tzinfo=UTC)
    same = [
        paper(f"2005.0000{n}", "Pruning networks", ["Song Han"], published=day) for n in (3, 1, 2)
    ]
    # A paper whose own key is what a suffix would have been: the suffix moves on.
    clash = paper("2001.00001", "Pruningb nets", ["Song Han"], published=day)
    rows = [*same, clash]

    keys = {c.arxiv_id: c.key for c in citations(rows)}

    assert keys == {
        "2005.00001": "han2020pruning",
        "2005.00002": "han2020pruningc",
        "2005.00003": "han2020pruningd",
        "2001.00001": "han2020pruningb",
    }
    assert render(rows, "bibtex") == render(list(reversed(rows)), "bibtex")
    later = paper("2005.00009", "Pruning networks", ["Song Han"], published=day)
    assert {c.arxiv_id: c.key for c in citations([*rows, later])} == {
        **keys,
        "2005.00009": "han2020pruninge",
    }


# -- CSL-JSON -------------------------------------------------------------------------------------


def test_csl_json_items_have_the_standard_shape() -> None:
    rows = [
        paper(
            "1707.01209",
            SPECIALS,
            ["Miguel Á. Carreira-Perpiñán", "Laurens van der Maaten", "Martin Luther King, Jr."],
            doi="10.1000/xyz",
            journal_ref="Journal of Things 3 (2018)",
        ),
        paper("1503.02531", "Distilling", ["Geoffrey Hinton"]),
    ]

    items = json.loads(render(rows, "csljson"))

    assert [i["id"] for i in items] == [c.key for c in citations(rows)]
    first = next(i for i in items if i["URL"] == "https://arxiv.org/abs/1707.01209")
    assert first == {
        "id": "carreiraperpinan2017costs",
        "type": "article",
        "title": SPECIALS,
        "author": [
            {"family": "Carreira-Perpiñán", "given": "Miguel Á."},
            {"family": "Maaten", "given": "Laurens", "non-dropping-particle": "van der"},
            {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        ],
        "issued": {"date-parts": [[2017, 7, 5]]},
        "publisher": "arXiv",
        "number": "arXiv:1707.01209",
        "URL": "https://arxiv.org/abs/1707.01209",
        "DOI": "10.1000/xyz",
        "container-title": "Journal of Things 3 (2018)",
    }
    assert "DOI" not in items[1] and "container-title" not in items[1]


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def enriched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The dataset of a run over the first list, against the stand-in."""
    root = tmp_path_factory.mktemp("export")
    list_path = root / SEED_LIST.name
    shutil.copyfile(SEED_LIST, list_path)
    with FakeArxiv() as api:
        ran = cli(fast_run_args(api, root / "enriched", root / "cache.sqlite", list_path))
    assert ran.returncode == 0, ran.stderr
    yield root / "enriched"


def test_export_writes_one_record_per_paper_and_the_same_twice(enriched: Path) -> None:
    first = cli(["export", "--enriched", str(enriched)])
    second = cli(["export", "--enriched", str(enriched), "--format", "bibtex"])

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    entries = parsed(first.stdout)
    papers = pq.read_table(enriched / "papers.parquet").to_pylist()
    assert sorted(e["eprint"] for e in entries.values()) == sorted(p["arxiv_id"] for p in papers)
    cpp = next(e for e in entries.values() if e["eprint"] == "1707.01209")
    assert cpp["author"] == "Miguel Á. Carreira-Perpiñán"
    assert any("Dollár" in e.get("author", "") for e in entries.values())


def test_export_csljson_to_a_file(enriched: Path, tmp_path: Path) -> None:
    target = tmp_path / "refs.json"

    result = cli(
        ["export", "--enriched", str(enriched), "--format", "csljson", "--out", str(target)]
    )

    assert result.returncode == 0, result.stderr
    items = json.loads(target.read_text(encoding="utf-8"))
    assert result.stdout == f"wrote {len(items)} csljson records to {target}\n"
    bibtex = parsed(cli(["export", "--enriched", str(enriched)]).stdout)
    assert [i["id"] for i in items] == list(bibtex)
    assert {i["number"] for i in items} == {f"arXiv:{e['eprint']}" for e in bibtex.values()}


def test_export_reads_the_run_an_interrupted_commit_was_writing(
    enriched: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enriched"
    shutil.copytree(enriched, out)
    papers = pq.read_table(out / "papers.parquet").slice(0, 5)
    (out / ".papers.parquet.r2.tmp").write_bytes(table_bytes(papers, "r2"))
    (out / ".commit-r2.json").write_text(json.dumps([[".papers.parquet.r2.tmp", "papers.parquet"]]))

    result = cli(["export", "--enriched", str(out)])

    assert result.returncode == 0, result.stderr
    assert sorted(e["eprint"] for e in parsed(result.stdout).values()) == sorted(
        papers.column("arxiv_id").to_pylist()
    )
    assert not (out / ".commit-r2.json").exists()


def test_export_without_a_dataset_or_into_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    missing = cli(["export", "--enriched", str(tmp_path / "none")])
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == (
        f"error: {tmp_path / 'none' / 'papers.parquet'}: missing; run `python -m pipeline run` "
        "first\n"
    )
    into_dir = cli(["export", "--out", str(tmp_path)])
    assert into_dir.returncode == 2
    assert (
        into_dir.stderr
        == f"error: {tmp_path}: is a directory; --out names the bibliography's file\n"
    )
    bad_format = cli(["export", "--format", "ris"])
    assert bad_format.returncode == 2 and "invalid choice: 'ris'" in bad_format.stderr


def test_a_damaged_papers_file_is_a_one_line_error(enriched: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched"
    shutil.copytree(enriched, out)
    (out / "papers.parquet").write_bytes(b"PAR1 not really")
    target = tmp_path / "refs.bib"

    result = cli(["export", "--enriched", str(out), "--out", str(target)])

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {out / 'papers.parquet'}: unreadable Parquet file")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not target.exists()
    assert os.listdir(tmp_path) == ["enriched"]
