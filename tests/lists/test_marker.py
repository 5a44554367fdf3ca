"""Restoring a lost list marker, and spaces collapsed in a title written after its link."""

from __future__ import annotations

from pipeline.lists.fix import ListFix, plan_fixes, try_fixes
from pipeline.lists.marker import restore_marker


def test_a_glued_marker_gets_its_space_whatever_the_marker_and_indentation() -> None:
    lines = ["-[A](u)", "  *[B](u)", "+**C** [x](u)", "- [D](u)"]
    assert restore_marker(lines, 1, ["no_space_marker"]) == ("-", "- ")
    assert restore_marker(lines, 2, ["no_space_marker"]) == ("  *", "  * ")
    assert restore_marker(lines, 3, ["no_space_marker"]) == ("+", "+ ")
    assert restore_marker(lines, 4, ["no_space_marker"]) is None  # not glued: nothing to do
    assert restore_marker(lines, 1, []) is None


def test_a_missing_marker_is_the_one_of_the_item_above_with_its_indentation() -> None:
    lines = ["   *  [A](u)", "   more of A", " [B](u)", "", "[C](u)", "9) [D](u)", "[E](u)"]
    assert restore_marker(lines, 3, ["missing_list_marker"]) == (" ", "   *  ")
    assert restore_marker(lines, 5, ["missing_list_marker"]) is None  # a blank line above
    assert restore_marker(lines, 7, ["missing_list_marker"]) == ("", "10) ")


def test_marker_fixes_change_only_how_the_line_starts_and_apply_once() -> None:
    text = "- [A](u)\r\n[B](u)  \r\n-[C](u)"
    fixes = [ListFix(2, "", "- ", "marker"), ListFix(3, "-", "- ", "marker")]
    fixed, applied, skipped = try_fixes(text, fixes)
    assert fixed == "- [A](u)\r\n- [B](u)  \r\n- [C](u)"
    assert (len(applied), skipped) == (2, [])
    again, applied, skipped = try_fixes(fixed, fixes)
    assert (again, applied, skipped) == (fixed, [], [])


def test_spaces_in_a_title_written_after_its_link_are_collapsed() -> None:
    line = "- [[ECCV](http://arxiv.org/abs/2003.01711)] BATS:  Binary Search.  [**`bin`**]"
    rows = [{"line": 1, "title": "BATS:  Binary Search", "status": "enriched"}]
    [fix] = plan_fixes(line, rows, [])
    fixed, _, skipped = try_fixes(line, [fix])
    assert fixed == line.replace("BATS:  Binary", "BATS: Binary")
    assert skipped == []
    assert try_fixes(fixed, plan_fixes(fixed, rows, [])) == (fixed, [], [])
