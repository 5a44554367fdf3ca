"""The corrected list: the same bytes as the original, except the fixes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.lists.fix import (
    FixError,
    ListFix,
    apply_fixes,
    fix_list_file,
    plan_fixes,
    try_fixes,
)
from pipeline.lists.read import read_entries
from pipeline.records import Paper
from pipeline.stages.authors import best_title_match, check_entry
from pipeline.store.dataset import DatasetLock, LockedError, to_table
from pipeline.store.schema import AUTHOR_FIXES, ENTRIES
from tests.conftest import SEED_LIST
from tests.stages.test_authors import seed_papers

SEED_LINES = SEED_LIST.read_text(encoding="utf-8").split("\n")
DENTON = SEED_LINES[23]  # line 24: padded id twice, a run of spaces in the title
ROMERO = SEED_LINES[26]  # line 27: "driana Romero"
SPEEDING_UP = SEED_LINES[22]  # line 23: title only, not linked to arXiv


def write_run(out: Path, list_path: Path, papers: Mapping[str, Paper]) -> list[dict[str, Any]]:
    """entries.parquet and author_fixes.parquet as a run over ``list_path`` writes them,
    with ``papers`` standing for arXiv's answers; returns the entries rows."""
    _, entries = read_entries(list_path)
    rows: list[dict[str, Any]] = []
    checks = []
    for entry in entries:
        arxiv_id, source, score = entry.arxiv_id, entry.id_source, None
        if arxiv_id is None and entry.title:
            match = best_title_match(entry.title, entry.authors, list(papers.values()))
            if match is not None:
                arxiv_id, source, score = match[0].arxiv_id, "title_search", match[1]
        paper = papers.get(arxiv_id) if arxiv_id else None
        status = "enriched" if paper else "no_arxiv_id" if arxiv_id is None else "not_found"
        rows.append(
            {
                **{k: v for k, v in asdict(entry).items() if k in ENTRIES.arrow.names},
                "tags": list(entry.tags),
                "authors": list(entry.authors),
                "arxiv_id": arxiv_id,
                "id_source": source,
                "match_score": score,
                "status": status,
            }
        )
        if paper is not None:
            checks += check_entry(entry, paper)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_table(ENTRIES, rows), out / ENTRIES.file)
    pq.write_table(to_table(AUTHOR_FIXES, [asdict(c) for c in checks]), out / AUTHOR_FIXES.file)
    return rows


def changed_lines(old: str, new: str) -> set[int]:
    old_lines, new_lines = old.split("\n"), new.split("\n")
    assert len(old_lines) == len(new_lines)
    return {n for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=True), 1) if a != b}


# -- applying fixes -------------------------------------------------------------------------------


def test_apply_fixes_keeps_crlf_non_ascii_and_a_missing_final_newline() -> None:
    text = "# Liste\r\n- Piotr Dollár, driana Romero .[Naïve  Nets](x)  \r\n- é\r\n- last"
    fixes = [ListFix(2, "driana Romero", "Adriana Romero", "author")]
    result = apply_fixes(text, fixes)
    assert (
        result == "# Liste\r\n- Piotr Dollár, Adriana Romero .[Naïve  Nets](x)  \r\n- é\r\n- last"
    )
    assert result.encode("utf-8").count(b"\r\n") == 3
    assert not result.endswith("\n")


def test_apply_no_fixes_gives_the_text_back() -> None:
    text = "\ufeff- a\r\n\n- b \t\r\n\x0c- c\u2028d\n"
    assert apply_fixes(text, []) == text


def test_author_fix_on_a_line_of_the_first_list() -> None:
    fix = ListFix(1, "driana Romero", "Adriana Romero", "author")
    assert apply_fixes(ROMERO, [fix]) == ROMERO.replace("】driana Romero,", "】Adriana Romero,")


def test_author_fix_touches_only_the_authors_and_whole_names() -> None:
    line = "- Ann Lee, Mia Kim .[Ann Lee on graphs](https://arxiv.org/abs/1703.09746)"
    fixed = apply_fixes(line, [ListFix(1, "Ann Lee", "Anne Lee", "author")])
    assert fixed == "- Anne Lee, Mia Kim .[Ann Lee on graphs](https://arxiv.org/abs/1703.09746)"
    # Inside a longer name the listed name is not there: the fix is skipped, not forced.
    fixed_line = ROMERO.replace("driana", "Adriana")
    _, applied, skipped = try_fixes(fixed_line, [ListFix(1, "driana Romero", "x", "author")])
    assert applied == [] and len(skipped) == 1


def test_id_fix_replaces_every_whole_occurrence_on_the_line() -> None:
    fixed = apply_fixes(DENTON, [ListFix(1, "1404.00736", "1404.0736", "id")])
    assert "1404.00736" not in fixed
    assert fixed == DENTON.replace("1404.00736", "1404.0736")
    assert fixed.count("1404.0736") == 2


def test_id_fix_leaves_longer_numbers_and_keeps_versions_and_suffixes() -> None:
    line = (
        "- [T](https://arxiv.org/pdf/1404.00736v2.pdf) 11404.00736 1404.007361 "
        "10.48550/arXiv.1404.00736"
    )
    fixed = apply_fixes(line, [ListFix(1, "1404.00736", "1404.0736", "id")])
    assert fixed == (
        "- [T](https://arxiv.org/pdf/1404.0736v2.pdf) 11404.00736 1404.007361 "
        "10.48550/arXiv.1404.0736"
    )


def test_title_spaces_fix_collapses_runs_in_the_link_text() -> None:
    [fix] = plan_fixes(
        DENTON,
        [
            {
                "line": 1,
                "title": "Exploiting Linear Structure Within Convolutional Networks for "
                "Efficient  Evaluation",
                "status": "enriched",
            }
        ],
        [],
    )
    assert fix.reason == "title_spaces"
    assert apply_fixes(DENTON, [fix]) == DENTON.replace(
        "for Efficient  Evaluation]", "for Efficient Evaluation]"
    )


def test_arxiv_link_is_appended_at_the_end_keeping_the_original_link_and_trailing_space() -> None:
    row = {
        "line": 1,
        "title": "Speeding up convolutional neural networks with low rank expansions",
        "url": "http://www.robots.ox.ac.uk/~vgg/publications/2014/Jaderberg14b/jaderberg14b.pdf",
        "arxiv_id": "1405.3866",
        "id_source": "title_search",
        "status": "enriched",
    }
    [fix] = plan_fixes(SPEEDING_UP, [row], [])
    link = " [arXiv:1405.3866](https://arxiv.org/abs/1405.3866)"
    assert apply_fixes(SPEEDING_UP, [fix]) == SPEEDING_UP + link
    assert apply_fixes(SPEEDING_UP + "  \r\n", [fix]) == SPEEDING_UP + link + "  \r\n"
    # Once the link is there, the next plan adds nothing.
    assert plan_fixes(SPEEDING_UP + link, [row], []) == []


def test_a_fix_whose_text_is_gone_is_skipped_and_reported() -> None:
    text = "- Ada Lovelace .[FitNets](https://arxiv.org/abs/1503.02531)\n"
    fixes = [
        ListFix(1, "driana Romero", "Adriana Romero", "author"),
        ListFix(1, "1412.06550", "1412.6550", "id"),
        ListFix(1, "http://example.org/gone.pdf", " [arXiv:1412.6550](x)", "arxiv_link"),
        ListFix(9, "a", "b", "author"),
    ]
    result, applied, skipped = try_fixes(text, fixes)
    assert result == text
    assert applied == []
    assert [s.fix for s in skipped] == fixes
    assert "not on line 1" in skipped[0].why
    assert "no line 9" in skipped[3].why


def test_a_fix_already_made_on_its_line_is_neither_applied_nor_skipped() -> None:
    text = "- Adriana Romero .[FitNets:  Hints](https://arxiv.org/abs/1412.6550)\n"
    fixes = [
        ListFix(1, "driana Romero", "Adriana Romero", "author"),
        ListFix(1, "1412.06550", "1412.6550", "id"),
    ]
    result, applied, skipped = try_fixes(text, fixes)
    assert (result, applied, skipped) == (text, [], [])


# -- planning from a run's rows ---------------------------------------------------------------


def test_plan_takes_only_fix_rows_and_confirmed_ids() -> None:
    checks = [
        {"line": 27, "listed": "driana Romero", "on_arxiv": "Adriana Romero", "action": "fix"},
        {"line": 24, "listed": "Emily Denton", "on_arxiv": "Remi Denton", "action": "review"},
    ]
    entries = [
        {"line": 24, "id_fix": "1404.00736 -> 1404.0736", "raw_id": "1404.00736",
         "arxiv_id": "1404.0736", "status": "enriched", "title": "Plain title"},
        {"line": 30, "id_fix": "0808.05394 -> 0808.5394", "raw_id": "0808.05394",
         "arxiv_id": "0808.5394", "status": "not_found", "title": "Plain title"},
    ]  # fmt: skip
    assert plan_fixes("\n".join(SEED_LINES), entries, checks) == [
        ListFix(24, "1404.00736", "1404.0736", "id"),
        ListFix(27, "driana Romero", "Adriana Romero", "author"),
    ]


# -- fixing a list file ---------------------------------------------------------------------------


def test_fix_list_file_on_the_first_list(seed_list: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched"
    rows = write_run(out, seed_list, seed_papers())
    before = seed_list.read_bytes()

    outcome = fix_list_file(seed_list, out)

    assert outcome.out_path == out / "awesome-model-compression.fixed.md"
    assert seed_list.read_bytes() == before
    new = outcome.out_path.read_bytes().decode("utf-8")
    assert new == outcome.text and outcome.skipped == ()
    old = before.decode("utf-8")
    new_lines = new.split("\n")
    assert new_lines[26] == ROMERO.replace("】driana Romero", "】Adriana Romero").replace(
        "1412.06550", "1412.6550"
    )
    assert "】Amjad Almahairi," in new_lines[36] and "】Andrew G. Howard," in new_lines[75]
    assert new_lines[23] == DENTON.replace("1404.00736", "1404.0736").replace(
        "Efficient  Evaluation", "Efficient Evaluation"
    )
    assert new_lines[22] == SPEEDING_UP + " [arXiv:1405.3866](https://arxiv.org/abs/1405.3866)"
    assert "Emily Denton" in new_lines[23]  # a different name is for review, never fixed
    spaced = {r["line"] for r in rows if r["title"] and "  " in r["title"]}
    padded = {r["line"] for r in rows if r["id_fix"]}
    assert padded == {24, 25, 26, 27}
    assert changed_lines(old, new) == {23, 27, 37, 76} | spaced | padded
    assert new.endswith("### 2019\n\n")
    diff_removed = [
        line for line in outcome.diff.splitlines() if line.startswith("-") and "---" not in line
    ]
    assert len(diff_removed) == len(changed_lines(old, new))


def test_fixing_the_fixed_list_changes_nothing(seed_list: Path, tmp_path: Path) -> None:
    papers = seed_papers()
    write_run(tmp_path / "run1", seed_list, papers)
    first = fix_list_file(seed_list, tmp_path / "run1")
    assert first.changed

    write_run(tmp_path / "run2", first.out_path, papers)
    fixed = first.out_path.read_bytes()
    second = fix_list_file(first.out_path, tmp_path / "run2")

    assert second.applied == () and second.skipped == () and second.diff == ""
    assert second.text == first.text
    # Nothing to fix: nothing written, and the fixed list is as it was.
    assert not second.written and not second.out_path.exists()
    assert first.out_path.read_bytes() == fixed


def test_a_correct_list_comes_back_byte_for_byte(tmp_path: Path) -> None:
    data = (
        "\ufeff# Liste\r\n\r\n"
        "- Geoffrey Hinton, Oriol Vinyals, Jeff Dean .[Distilling the Knowledge in a Neural "
        "Network](https://arxiv.org/abs/1503.02531)   \r\n"
        "- Saining Xie, Ross Girshick, Piotr Dollár, Zhuowen Tu, Kaiming He .[Aggregated "
        "Residual Transformations for Deep Neural Networks](https://arxiv.org/pdf/1611.05431)"
    ).encode()
    list_path = tmp_path / "correct.md"
    list_path.write_bytes(data)
    write_run(tmp_path / "out", list_path, seed_papers())

    outcome = fix_list_file(list_path, tmp_path / "out")

    assert not outcome.changed and outcome.diff == ""
    assert outcome.text == data.decode("utf-8-sig")
    assert not outcome.written and not outcome.out_path.exists()
    assert list_path.read_bytes() == data


def test_in_place_rewrites_the_list_only_when_something_changed(
    seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    seed_list.chmod(0o640)

    outcome = fix_list_file(seed_list, out, in_place=True)

    assert outcome.out_path == seed_list and outcome.written
    assert seed_list.read_text(encoding="utf-8") == outcome.text
    assert "Adriana Romero" in outcome.text
    assert os.stat(seed_list).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in seed_list.parent.iterdir() if p.is_file()) == [seed_list.name]

    write_run(out, seed_list, seed_papers())
    again = fix_list_file(seed_list, out, in_place=True)
    assert not again.changed and not again.written


def test_a_list_edited_since_the_run_gets_the_remaining_fixes_only(
    seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    seed_list.write_text(
        seed_list.read_text(encoding="utf-8").replace("driana Romero", "A. Romero"),
        encoding="utf-8",
    )

    outcome = fix_list_file(seed_list, out)

    [skipped] = outcome.skipped
    assert (skipped.fix.line, skipped.fix.old) == (27, "driana Romero")
    assert "A. Romero" in outcome.text and "Adriana" not in outcome.text
    assert "Amjad Almahairi" in outcome.text


def test_only_rows_of_the_same_list_are_used(seed_list: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    other = tmp_path / "other.md"
    other.write_text("- Someone .[A paper](https://arxiv.org/abs/1503.02531)\n", encoding="utf-8")

    with pytest.raises(FixError, match="no entries of"):
        fix_list_file(other, out)


def test_rows_written_under_another_path_match_by_file_name(
    seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    table = pq.read_table(out / ENTRIES.file).to_pylist()
    for row in table:
        row["list_file"] = "data/raw/awesome-model-compression.md"
    pq.write_table(to_table(ENTRIES, table), out / ENTRIES.file)
    checks = pq.read_table(out / AUTHOR_FIXES.file).to_pylist()
    for row in checks:
        row["list_file"] = "data/raw/awesome-model-compression.md"
    pq.write_table(to_table(AUTHOR_FIXES, checks), out / AUTHOR_FIXES.file)

    outcome = fix_list_file(seed_list, out)

    assert "Adriana Romero" in outcome.text
    assert "https://arxiv.org/pdf/1404.0736)" in outcome.text


def test_a_missing_dataset_is_an_error(seed_list: Path, tmp_path: Path) -> None:
    with pytest.raises(FixError, match="run `python -m pipeline run` first"):
        fix_list_file(seed_list, tmp_path / "nothing")


def test_fix_does_not_read_a_dataset_a_run_is_writing(seed_list: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    with DatasetLock(out), pytest.raises(LockedError):
        fix_list_file(seed_list, out)
    assert not (out / "awesome-model-compression.fixed.md").exists()
