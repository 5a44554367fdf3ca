"""End to end, as a list maintainer works: ``run`` over a list, then ``fix`` of that list.

Every command is ``python -m pipeline ...``, run in-process, against the arXiv stand-in. One
run over the first list (and its default ``fix``) is shared by the module; tests that
change a list or a dataset work on their own copies in ``tmp_path``.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from standin import FakeArxiv
from tests.conftest import SEED_LIST, Result, cli, fast_run_args

LIST_NAME = "awesome-model-compression.md"
FIXED_NAME = "awesome-model-compression.fixed.md"

# The confident findings of a run over the first list.
AUTHOR_FIXES = {
    27: ("driana Romero", "Adriana Romero"),
    37: ("mjad Almahairi", "Amjad Almahairi"),
    76: ("ndrew G. Howard", "Andrew G. Howard"),
}
PADDED_IDS = {
    24: ("1404.00736", "1404.0736"),
    25: ("1411.04229", "1411.4229"),
    26: ("1412.06115", "1412.6115"),
    27: ("1412.06550", "1412.6550"),
}
SPEEDING_UP = 23  # title only; arXiv has it as 1405.3866
ARXIV_LINK = " [arXiv:1405.3866](https://arxiv.org/abs/1405.3866)"
NOT_ON_ARXIV = {
    22: "Dark knowledge",
    42: "Learning Efficient Object Detection Models with Knowledge Distillation",
    43: "MobileID: Face Model Compression by Distilling Knowledge from Neurons",
    72: "Learning to Prune: Exploring the Frontier of Fast and Accurate Parsing",
}
DENTON = 24  # "Emily Denton"; arXiv says "Remi Denton": another name, for a person to judge
RETITLED = 89  # 1709.00513, retitled on arXiv
# Lines whose link title has a run of spaces (the list's line-wrapped titles).
SPACED_TITLES = {24, 25, 31, 33, 36, 44, 45, 46, 49, 56, 60, 61, 66, 69, 76, 78}
SPACED_TITLES |= {80, 81, 84, 85, 86, 87, 88, 89, 90, 91}
CHANGED_LINES = SPACED_TITLES | set(AUTHOR_FIXES) | set(PADDED_IDS) | {SPEEDING_UP}
CORRECT = (29, 30, 32, 34, 35, 38, 39)
FIX_COUNTS = "34 fixes (1 arxiv_link, 3 author, 4 id, 26 title_spaces)"


def left_line(list_path: Path) -> str:
    """The last line of fix on the first list: Denton and the retitled paper need a person."""
    return f"left for a person: 2 author_review; see `python -m pipeline check {list_path}`"


FIX_COLUMNS = [
    "list_file",
    "line",
    "arxiv_id",
    "position",
    "listed",
    "on_arxiv",
    "kind",
    "similarity",
    "action",
]


@dataclass(frozen=True)
class FirstRun:
    """``run`` then ``fix`` over a copy of the first list, with the default output."""

    api: FakeArxiv
    list_path: Path
    out: Path
    cache: Path
    fix: Result

    @property
    def fixed_path(self) -> Path:
        return self.out / FIXED_NAME

    def entries(self) -> dict[int, dict[str, Any]]:
        return {r["line"]: r for r in pq.read_table(self.out / "entries.parquet").to_pylist()}


@pytest.fixture(scope="module")
def stand_in() -> Iterator[FakeArxiv]:
    """One arXiv stand-in for the module (``arxiv_api`` is per test)."""
    with FakeArxiv() as fake:
        yield fake


@pytest.fixture(scope="module")
def first(stand_in: FakeArxiv, tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    root = tmp_path_factory.mktemp("first-list")
    list_path = root / LIST_NAME
    shutil.copyfile(SEED_LIST, list_path)
    out, cache = root / "enriched", root / "cache.sqlite"
    ran = cli(fast_run_args(stand_in, out, cache, list_path))
    assert ran.returncode == 0, ran.stderr
    fixed = cli(["fix", str(list_path), "--enriched", str(out)])
    assert fixed.returncode == 0, fixed.stderr
    return FirstRun(stand_in, list_path, out, cache, fixed)


def lines_of(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\n")


def changed(old: list[str], new: list[str]) -> set[int]:
    assert len(old) == len(new)
    return {n for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a != b}


def run_and_fix(api: FakeArxiv, list_path: Path, out: Path, cache: Path, *fix_args: str) -> Result:
    ran = cli(fast_run_args(api, out, cache, list_path))
    assert ran.returncode == 0, ran.stderr
    return cli(["fix", str(list_path), "--enriched", str(out), *fix_args])


def assert_one_line_error(result: Result, code: int) -> None:
    assert result.returncode == code
    assert result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


# -- the corrected first list ---------------------------------------------------------------------


def test_fix_writes_name_fixed_md_in_the_enriched_dir_and_leaves_the_list(
    first: FirstRun,
) -> None:
    assert first.fixed_path.is_file()
    assert first.list_path.read_bytes() == SEED_LIST.read_bytes()
    *_, summary, left, end = first.fix.stdout.split("\n")
    assert summary == f"{first.list_path}: {FIX_COUNTS}; wrote {first.fixed_path}"
    assert (left, end) == (left_line(first.list_path), "")
    assert first.fix.stderr == ""


def test_the_three_misspelled_names_are_fixed_and_emily_denton_is_not(first: FirstRun) -> None:
    old, new = lines_of(first.list_path), lines_of(first.fixed_path)
    for number, (wrong, right) in AUTHOR_FIXES.items():
        assert old[number - 1].count(f"】{wrong}, ") == 1
        assert new[number - 1].count(f"】{right}, ") == 1
    fixed_text = first.fixed_path.read_text(encoding="utf-8")
    for wrong, right in AUTHOR_FIXES.values():
        assert re.search(rf"(?<!\w){re.escape(wrong)}", fixed_text) is None
        assert fixed_text.count(right) == 1
    assert new[DENTON - 1].count("】Emily Denton, Wojciech Zaremba") == 1
    assert "Remi" not in fixed_text


def test_padded_ids_are_repaired_in_the_link_and_in_the_arxiv_text(first: FirstRun) -> None:
    old, new = lines_of(first.list_path), lines_of(first.fixed_path)
    for number, (padded, repaired) in PADDED_IDS.items():
        assert f"(https://arxiv.org/pdf/{padded})" in old[number - 1]
        assert f"arXiv preprint arXiv:{padded}" in old[number - 1]
        assert padded not in new[number - 1]
        assert f"(https://arxiv.org/pdf/{repaired})" in new[number - 1]
        assert new[number - 1].endswith(f" .[J] arXiv preprint arXiv:{repaired}")


def test_only_the_entry_found_by_title_gets_an_arxiv_link(first: FirstRun) -> None:
    old, new = lines_of(first.list_path), lines_of(first.fixed_path)
    assert new[SPEEDING_UP - 1] == old[SPEEDING_UP - 1] + ARXIV_LINK
    assert "[Speeding up convolutional neural networks with low rank expansions]" in old[22]
    for number, title in NOT_ON_ARXIV.items():
        assert f"[{title}](" in old[number - 1]
        assert new[number - 1] == old[number - 1]
        assert "arxiv" not in new[number - 1].lower()
    assert first.fixed_path.read_text(encoding="utf-8").count("arxiv.org/abs/") == 1


def test_runs_of_spaces_in_link_titles_become_one(first: FirstRun) -> None:
    old, new = lines_of(first.list_path), lines_of(first.fixed_path)
    spaced = {n for n, line in enumerate(old, 1) if re.search(r"\[[^\]]*  [^\]]*\]\(", line)}
    assert spaced == SPACED_TITLES
    assert not any("  " in line for line in new)
    assert (
        "[Model compression as constrained optimization, with application to neural nets. "
        "Part I: general framework](https://arxiv.org/pdf/1707.01209)"
    ) in new[80]


def test_every_other_line_is_byte_for_byte_the_same(first: FirstRun) -> None:
    old, new = lines_of(first.list_path), lines_of(first.fixed_path)

    def expected(number: int, line: str) -> str:
        if number in AUTHOR_FIXES:
            line = line.replace(*AUTHOR_FIXES[number])
        if number in PADDED_IDS:
            line = line.replace(*PADDED_IDS[number])
        if number in SPACED_TITLES:
            line = re.sub(r"\[[^\]]*\]\(", lambda m: re.sub(" {2,}", " ", m[0]), line)
        return line + ARXIV_LINK if number == SPEEDING_UP else line

    assert len(new) == len(old) == 105 and new[-1] == ""  # still ends with one newline
    assert changed(old, new) == CHANGED_LINES
    assert len(CHANGED_LINES) == 30
    assert new == [expected(n, line) for n, line in enumerate(old, 1)]
    assert first.fixed_path.read_bytes() == "\n".join(new).encode("utf-8")


def test_fix_prints_a_unified_diff_of_the_changed_lines_then_a_one_line_summary(
    first: FirstRun,
) -> None:
    old, new = lines_of(first.list_path), lines_of(first.fixed_path)
    printed = first.fix.stdout.split("\n")
    assert printed[0] == f"--- {first.list_path}"
    assert printed[1] == f"+++ {first.fixed_path}"
    assert printed[2].startswith("@@ -")
    assert printed[-3].startswith(f"{first.list_path}: 34 fixes (")
    assert printed[-2:] == [left_line(first.list_path), ""]
    hunks = printed[2:-3]
    removed = [line[1:] for line in hunks if line.startswith("-")]
    added = [line[1:] for line in hunks if line.startswith("+")]
    assert removed == [old[n - 1] for n in sorted(CHANGED_LINES)]
    assert added == [new[n - 1] for n in sorted(CHANGED_LINES)]


def test_quiet_prints_the_summary_only(first: FirstRun, tmp_path: Path) -> None:
    target = tmp_path / "quiet.md"
    quiet = cli(
        ["fix", str(first.list_path), "--enriched", str(first.out), "-q", "--out", str(target)]
    )
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == (
        f"{first.list_path}: {FIX_COUNTS}; wrote {target}\n{left_line(first.list_path)}\n"
    )
    assert target.read_bytes() == first.fixed_path.read_bytes()


# -- what the run recorded ------------------------------------------------------------------------


def test_author_fixes_csv_and_parquet_hold_the_three_fixes_and_two_reviews(
    first: FirstRun,
) -> None:
    table = pq.read_table(first.out / "author_fixes.parquet")
    assert table.column_names == FIX_COLUMNS
    rows = table.to_pylist()
    listed_file = str(first.list_path)
    assert {r["list_file"] for r in rows} == {listed_file}

    fixes = [r for r in rows if r["action"] == "fix"]
    assert [(r["line"], r["position"], r["listed"], r["on_arxiv"], r["kind"]) for r in fixes] == [
        (line, 1, wrong, right, "misspelling") for line, (wrong, right) in AUTHOR_FIXES.items()
    ]
    assert [r["arxiv_id"] for r in fixes] == ["1412.6550", "1511.07838", "1704.04861"]
    assert all(90 < r["similarity"] < 100 for r in fixes)

    reviews = [r for r in rows if r["action"] == "review"]
    assert [(r["line"], r["arxiv_id"], r["kind"]) for r in reviews] == [
        (DENTON, "1404.0736", "different_name"),
        (RETITLED, "1709.00513", "title_differs"),
    ]
    denton, retitled = reviews
    assert (denton["position"], denton["listed"], denton["on_arxiv"]) == (
        1,
        "Emily Denton",
        "Remi Denton",
    )
    assert retitled["position"] is None
    assert retitled["listed"] == (
        "Learning Loss for Knowledge Distillation with Conditional Adversarial  Networks"
    )
    assert retitled["on_arxiv"] == (
        "Training Shallow and Thin Networks for Acceleration via Knowledge Distillation "
        "with Conditional Adversarial Networks"
    )
    assert len(rows) == len(fixes) + len(reviews) == 5

    with (first.out / "author_fixes.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == FIX_COLUMNS
        from_csv = list(reader)
    assert [
        {
            **r,
            "line": int(r["line"]),
            "position": int(r["position"]) if r["position"] else None,
            "similarity": float(r["similarity"]),
        }
        for r in from_csv
    ] == rows


def test_entries_record_the_title_search(first: FirstRun) -> None:
    entries = first.entries()
    found = entries[SPEEDING_UP]
    assert found["arxiv_id"] == "1405.3866"
    assert found["id_source"] == "title_search"
    assert found["match_score"] >= 95
    assert found["status"] == "enriched"
    assert found["checked_at"] is not None
    assert found["raw_id"] is None
    for number, title in NOT_ON_ARXIV.items():
        row = entries[number]
        assert (row["title"], row["status"], row["arxiv_id"]) == (title, "not_on_arxiv", None)
        assert row["checked_at"] == found["checked_at"]  # all five in one search
    papers = {r["arxiv_id"]: r for r in pq.read_table(first.out / "papers.parquet").to_pylist()}
    assert papers["1405.3866"]["title"] == (
        "Speeding up Convolutional Neural Networks with Low Rank Expansions"
    )


def test_a_second_run_within_max_age_sends_no_request_not_even_a_title_search(
    first: FirstRun, tmp_path: Path
) -> None:
    # A copy of the dataset and an empty HTTP cache: only the dataset can spare the requests.
    out = tmp_path / "enriched"
    shutil.copytree(first.out, out)
    first.api.reset_log()

    again = cli(fast_run_args(first.api, out, tmp_path / "empty-cache.sqlite", first.list_path))

    assert again.returncode == 0, again.stderr
    assert first.api.log == []
    assert "0 requests sent, 0 answered from cache" in again.stdout
    before, after = first.entries(), pq.read_table(out / "entries.parquet").to_pylist()
    row = next(r for r in after if r["line"] == SPEEDING_UP)
    assert (row["arxiv_id"], row["id_source"]) == ("1405.3866", "title_search")
    assert row["checked_at"] == before[SPEEDING_UP]["checked_at"]


# -- fixing again, and lists that need nothing ----------------------------------------------------


def test_run_and_fix_over_the_fixed_list_change_nothing(first: FirstRun, tmp_path: Path) -> None:
    copy = tmp_path / "list" / LIST_NAME
    copy.parent.mkdir()
    shutil.copyfile(first.fixed_path, copy)
    out = tmp_path / "enriched"

    again = run_and_fix(first.api, copy, out, first.cache)

    assert again.returncode == 0, again.stderr
    assert again.stdout == f"{copy}: 0 fixes (nothing); nothing written\n{left_line(copy)}\n"
    assert not (out / FIXED_NAME).exists()  # nothing to fix: nothing written
    assert copy.read_bytes() == first.fixed_path.read_bytes()
    row = next(
        r for r in pq.read_table(out / "entries.parquet").to_pylist() if r["line"] == SPEEDING_UP
    )
    # The link added by the first fix is now read from the text, not searched for.
    assert (row["arxiv_id"], row["raw_id"], row["id_source"]) == ("1405.3866", "1405.3866", "text")
    assert (row["status"], row["match_score"], row["checked_at"]) == ("enriched", None, None)
    checks = pq.read_table(out / "author_fixes.parquet").to_pylist()
    assert [(r["line"], r["kind"], r["action"]) for r in checks] == [
        (DENTON, "different_name", "review"),
        (RETITLED, "title_differs", "review"),
    ]


def test_a_list_whose_names_are_all_correct_comes_back_byte_for_byte(
    first: FirstRun, tmp_path: Path
) -> None:
    seed = SEED_LIST.read_text(encoding="utf-8").split("\n")
    # The heading of 2015 and six of its entries, all as arXiv has them; CRLF line ends
    # and no final newline, which must come back as they were.
    text = "\r\n".join(["# A few correct entries", "", *(seed[n - 1] for n in CORRECT)])
    list_path = tmp_path / "correct.md"
    list_path.write_bytes(text.encode("utf-8"))
    out = tmp_path / "enriched"

    fixed = run_and_fix(first.api, list_path, out, first.cache)

    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == f"{list_path}: 0 fixes (nothing); nothing written\n"
    assert not (out / "correct.fixed.md").exists()
    assert list_path.read_bytes() == text.encode()
    assert pq.read_table(out / "entries.parquet").column("status").to_pylist() == ["enriched"] * 6
    assert (out / "author_fixes.csv").read_text(encoding="utf-8").count("\n") == 1  # header


# -- where the corrected list goes ----------------------------------------------------------------


def test_in_place_rewrites_the_list_itself_and_keeps_its_mode(
    first: FirstRun, tmp_path: Path
) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    list_path = folder / LIST_NAME
    shutil.copyfile(SEED_LIST, list_path)
    list_path.chmod(0o640)
    out = tmp_path / "enriched"

    result = run_and_fix(first.api, list_path, out, first.cache, "--in-place", "-q")

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout == f"{list_path}: {FIX_COUNTS}; wrote {list_path}\n{left_line(list_path)}\n"
    )
    assert list_path.read_bytes() == first.fixed_path.read_bytes()
    assert list_path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in folder.iterdir()] == [LIST_NAME]  # no temporary file left
    assert not (out / FIXED_NAME).exists()


def test_out_writes_where_asked_and_nowhere_else(first: FirstRun, tmp_path: Path) -> None:
    target = tmp_path / "new" / "README.md"
    default_written = first.fixed_path.stat().st_mtime_ns

    result = cli(["fix", str(first.list_path), "--enriched", str(first.out), "--out", str(target)])

    assert result.returncode == 0, result.stderr
    printed = result.stdout.split("\n")
    assert printed[:2] == [f"--- {first.list_path}", f"+++ {target}"]
    assert printed[-3] == f"{first.list_path}: {FIX_COUNTS}; wrote {target}"
    assert target.read_bytes() == first.fixed_path.read_bytes()
    assert first.fixed_path.stat().st_mtime_ns == default_written
    assert first.list_path.read_bytes() == SEED_LIST.read_bytes()


def test_out_with_in_place_is_a_usage_error(first: FirstRun, tmp_path: Path) -> None:
    result = cli(
        [
            "fix",
            str(first.list_path),
            "--enriched",
            str(first.out),
            "--out",
            str(tmp_path / "x.md"),
            "--in-place",
        ]
    )
    assert_one_line_error(result, 2)
    assert "not allowed with" in result.stderr
    assert not (tmp_path / "x.md").exists()
    assert first.list_path.read_bytes() == SEED_LIST.read_bytes()


@pytest.mark.parametrize("made", [False, True], ids=["no-dir", "empty-dir"])
def test_fix_without_a_dataset_is_a_one_line_error_exit_2(
    made: bool, first: FirstRun, tmp_path: Path
) -> None:
    enriched = tmp_path / "enriched"
    if made:
        enriched.mkdir()

    result = cli(["fix", str(first.list_path), "--enriched", str(enriched)])

    assert_one_line_error(result, 2)  # cmd_fix: FixError -> EXIT_USAGE
    assert result.stderr == (
        f"error: {enriched / 'entries.parquet'}: missing; run `python -m pipeline run` first\n"
    )
    assert enriched.is_dir() == made
    assert not made or list(enriched.iterdir()) == []


def test_fix_of_a_list_the_dataset_does_not_hold_is_a_one_line_error(
    first: FirstRun, tmp_path: Path
) -> None:
    other = tmp_path / "other.md"
    other.write_text("- [A paper](https://arxiv.org/abs/1503.02531)\n", encoding="utf-8")

    result = cli(["fix", str(other), "--enriched", str(first.out)])

    assert_one_line_error(result, 2)
    assert result.stderr.startswith(f"error: {first.out / 'entries.parquet'} has no entries of")


def test_fix_of_a_missing_list_is_a_one_line_error(first: FirstRun, tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"

    result = cli(["fix", str(missing), "--enriched", str(first.out)])

    assert_one_line_error(result, 2)
    assert result.stderr == f"error: {missing}: no such file\n"
    assert not missing.exists()


# -- fixing again before the next run --------------------------------------------------------------


@dataclass(frozen=True)
class FixedTwice:
    """``run``, ``fix --in-place``, then ``fix --in-place`` again against the same run."""

    list_path: Path
    after_first: bytes
    inode_after_first: int
    second: Result


@pytest.fixture(scope="module")
def fixed_twice(first: FirstRun, tmp_path_factory: pytest.TempPathFactory) -> FixedTwice:
    root = tmp_path_factory.mktemp("fixed-twice")
    list_path, out = root / LIST_NAME, root / "enriched"
    shutil.copyfile(SEED_LIST, list_path)
    once = run_and_fix(first.api, list_path, out, first.cache, "--in-place", "-q")
    assert once.returncode == 0, once.stderr
    after_first, inode = list_path.read_bytes(), list_path.stat().st_ino
    second = cli(["fix", str(list_path), "--enriched", str(out), "--in-place"])
    assert second.returncode == 0, second.stderr
    return FixedTwice(list_path, after_first, inode, second)


def test_fixing_again_before_the_next_run_keeps_the_list_and_skips_nothing(
    fixed_twice: FixedTwice, first: FirstRun
) -> None:
    assert fixed_twice.after_first == first.fixed_path.read_bytes()
    assert fixed_twice.list_path.read_bytes() == fixed_twice.after_first  # no second link
    # Every line already reads as the run's fixes would make it: nothing to say is stale.
    assert "skipped" not in fixed_twice.second.stdout
    assert "\n--- " not in fixed_twice.second.stdout  # nothing changed: no diff


def test_fixing_again_before_the_next_run_applies_and_writes_nothing(
    fixed_twice: FixedTwice,
) -> None:
    summary = fixed_twice.second.stdout.split("\n")[0]
    assert summary == f"{fixed_twice.list_path}: 0 fixes (nothing); nothing written"
    assert fixed_twice.list_path.stat().st_ino == fixed_twice.inode_after_first


def test_the_corrected_list_gets_ordinary_permissions(first: FirstRun, tmp_path: Path) -> None:
    new, existing = tmp_path / "new.md", tmp_path / "existing.md"
    existing.write_text("old\n", encoding="utf-8")
    existing.chmod(0o664)
    fix = ["fix", str(first.list_path), "--enriched"]
    for target in (new, existing):
        result = cli([*fix, str(first.out), "--out", str(target), "-q"], umask=0o022)
        assert result.returncode == 0, result.stderr
        assert target.read_bytes() == first.fixed_path.read_bytes()
    assert new.stat().st_mode & 0o777 == 0o644  # as any new file under umask 022
    assert existing.stat().st_mode & 0o777 == 0o664  # as `>` or cp would keep it
