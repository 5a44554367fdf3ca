"""``record``: frozen to the type checker, plain slots at run time, equal and hashed by value."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
from mypy import api as mypy_api

from pipeline.ids import FoundId, ParsedId, find_ids, parse_id
from pipeline.records import Entry, EntryRow, NameCheck, Paper, PaperRow
from tests.papers import make_paper

ROOT = Path(__file__).resolve().parent.parent


def _entry(**fields: object) -> Entry:
    values: dict[str, object] = {
        "list_file": "list.md",
        "line": 3,
        "section": "Pruning",
        "tags": ("Pruning",),
        "title": "A Title",
        "authors": ("Ada Lovelace",),
        "authors_truncated": False,
        "url": "https://arxiv.org/abs/1412.6550",
        "raw_id": "1412.6550",
        "arxiv_id": "1412.6550",
        "id_fix": None,
        "id_error": None,
        "id_source": "link",
    }
    return Entry(**{**values, **fields})  # type: ignore[arg-type]


def _examples() -> list[object]:
    paper, entry = make_paper(authors=["Ada Lovelace"]), _entry()
    return [
        paper,
        entry,
        EntryRow(entry, "1412.6550", "link", None, "enriched"),
        PaperRow(paper, ("Pruning",), ("Pruning",)),
        NameCheck(
            "list.md", 3, "1412.6550", 1, "Ada Lovelce", "Ada Lovelace", "misspelling", 95.0, "fix"
        ),
        parse_id("1404.00736"),
        find_ids("see arXiv:1412.6550")[0],
    ]


@pytest.mark.parametrize("made", _examples(), ids=lambda made: type(made).__name__)
def test_a_record_is_equal_and_hashed_by_value(made: object) -> None:
    again = dataclasses.replace(made)  # type: ignore[type-var]
    assert again is not made
    assert again == made and hash(again) == hash(made)
    assert {made: 1}[again] == 1
    assert pickle.loads(pickle.dumps(made)) == made
    assert not hasattr(made, "__dict__")  # slots: nothing but its fields


def test_records_differing_in_one_field_differ() -> None:
    entry = _entry()
    other = dataclasses.replace(entry, line=4)
    assert other != entry and hash(other) != hash(entry)
    assert parse_id("1412.6550") != parse_id("1412.6550v2")


def test_the_type_checker_refuses_an_assignment_to_any_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # where mypy finds the project's configuration and the package
    assigning = tmp_path / "assigning.py"
    assigning.write_text(
        "from pipeline.ids import FoundId, ParsedId\n"
        "from pipeline.records import Entry, EntryRow, NameCheck, Paper, PaperRow\n"
        "def change(e: Entry, p: Paper, r: EntryRow, q: PaperRow, n: NameCheck,\n"
        "           i: ParsedId, f: FoundId) -> None:\n"
        "    e.title = 'x'\n"
        "    p.version = 2\n"
        "    r.status = 'failed'\n"
        "    q.tags = ()\n"
        "    n.line = 1\n"
        "    i.fix = None\n"
        "    f.start = 0\n",
        encoding="utf-8",
    )
    out, _, status = mypy_api.run(["--strict", "--no-error-summary", str(assigning)])
    assert status == 1
    refused = [line for line in out.splitlines() if "is read-only" in line]
    assert [line.split(":")[1] for line in refused] == [str(n) for n in range(5, 12)], out


def test_records_are_still_records_to_dataclasses() -> None:
    for kind in (Entry, Paper, EntryRow, PaperRow, NameCheck, ParsedId, FoundId):
        assert dataclasses.is_dataclass(kind)
        assert "__slots__" in vars(kind)
