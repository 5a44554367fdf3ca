"""``fix`` in a hostile world: linked and read-only lists, and names from the API carrying
control or bidirectional characters."""

from __future__ import annotations

import stat
import unicodedata
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.lists.fix import FixError, ListFix, fix_list_file, try_fixes
from pipeline.store.dataset import to_table
from pipeline.store.schema import AUTHOR_FIXES
from tests.lists.test_fix import write_run
from tests.stages.test_authors import seed_papers

# Characters that change how a line reads, or hide in it: controls (C0, DEL, C1),
# bidirectional overrides and isolates, zero-width and other format characters, line and
# paragraph separators.
HOSTILE = (
    "\x00\x07\x1b\r\n\x7f\x85\x9b"
    "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u2028\u2029\u2060\ufeff\u00ad"
)


def test_a_symlinked_list_is_fixed_in_its_real_file_and_stays_a_link(
    seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    link = tmp_path / "elsewhere" / "list.md"
    link.parent.mkdir()
    link.symlink_to(seed_list)

    outcome = fix_list_file(link, out, in_place=True)

    assert outcome.written and outcome.applied
    assert link.is_symlink() and link.resolve() == seed_list.resolve()
    assert "Adriana Romero" in seed_list.read_text(encoding="utf-8")


def test_a_read_only_list_is_refused_and_left_as_it_was(seed_list: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    before = seed_list.read_bytes()
    seed_list.chmod(0o444)

    with pytest.raises(FixError, match="read-only") as caught:
        fix_list_file(seed_list, out, in_place=True)

    assert str(seed_list) in str(caught.value)
    assert seed_list.read_bytes() == before
    assert stat.S_IMODE(seed_list.stat().st_mode) == 0o444


def test_a_list_in_a_directory_that_cannot_be_written_is_a_clear_error(
    seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    target = tmp_path / "no such directory" / "x" / "fixed.md"
    (tmp_path / "no such directory").write_text("a file where a directory should be")

    with pytest.raises(FixError, match="cannot write") as caught:
        fix_list_file(seed_list, out, out_path=target)
    assert str(target) in str(caught.value)


@pytest.mark.parametrize("char", list(HOSTILE), ids=lambda c: f"U+{ord(c):04X}")
def test_no_control_or_bidi_character_reaches_a_fixed_line(char: str) -> None:
    text = "# List\n- driana Romero .[FitNets](https://arxiv.org/abs/1412.6550)\n"
    fix = ListFix(2, "driana Romero", f"Adriana{char} Romero{char}", "author")

    new_text, applied, _ = try_fixes(text, [fix])

    assert char not in new_text.split("\n")[1]
    assert "- Adriana Romero .[FitNets]" in new_text
    assert [f.new for f in applied] == ["Adriana Romero"]


def test_a_name_that_differs_only_by_invisible_characters_is_no_fix() -> None:
    text = "- Adriana Romero .[FitNets](https://arxiv.org/abs/1412.6550)\n"
    fix = ListFix(1, "Adriana Romero", "Adriana\u200b Romero\u202e", "author")
    new_text, applied, skipped = try_fixes(text, [fix])
    assert (new_text, applied, skipped) == (text, [], [])


def test_a_hostile_name_in_the_dataset_never_reaches_the_written_list(
    seed_list: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enriched"
    write_run(out, seed_list, seed_papers())
    checks = pq.read_table(out / AUTHOR_FIXES.file).to_pylist()
    for row in checks:
        if row["on_arxiv"] == "Adriana Romero":
            row["on_arxiv"] = "Adriana Romero\u202e\u009b\u200b"
    pq.write_table(to_table(AUTHOR_FIXES, checks), out / AUTHOR_FIXES.file)

    outcome = fix_list_file(seed_list, out)

    written = outcome.out_path.read_text(encoding="utf-8")
    assert "Adriana Romero" in written
    original = seed_list.read_text(encoding="utf-8")
    added = set(written) - set(original)
    assert not [c for c in added if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    assert all(f.new.isprintable() for f in outcome.applied)


def test_names_in_scripts_that_join_letters_keep_their_joiners() -> None:
    # ZWNJ and ZWJ are part of the spelling of Persian and Indic names.
    name = "\u0645\u06cc\u200c\u0631\u0632\u0627"  # Mirza with a zero-width non-joiner
    text = "- Mirza X .[T](https://arxiv.org/abs/1412.6550)\n"
    new_text, _, _ = try_fixes(text, [ListFix(1, "Mirza X", name, "author")])
    assert name in new_text
