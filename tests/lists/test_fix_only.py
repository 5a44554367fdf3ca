"""``fix``: lost list markers, disagreeing ids, ``--only``, the coloured diff, the summary
after it, and nothing written when there is nothing to fix.

A list of our own is run against the arXiv stand-in (which has the first list's papers),
then fixed; the five real lists are read in place, never edited.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from standin import FakeArxiv
from tests.conftest import Result, cli, fast_run_args
from tests.lists.test_expectations import REAL_LISTS

DISTILLING = "Distilling the Knowledge in a Neural Network"
PART_I = (
    "Model compression as constrained optimization, with application to neural nets. "
    "Part I: general framework"
)
PART_II = (
    "Model compression as constrained optimization, with application to neural nets. "
    "Part II: quantization"
)
LINES = [
    "# Papers",
    "",
    f"- Geoffrey Hinton, Oriol Vinyals, Jeff Dean .[{DISTILLING}](https://arxiv.org/abs/1503.02531)",
    "[Dynamic Capacity Networks](https://arxiv.org/abs/1511.07838)",  # 4: lost its marker
    "-[Net2Net: Accelerating Learning via Knowledge Transfer](https://arxiv.org/abs/1511.05641)",
    "",
    f"  1. [{PART_I}](https://arxiv.org/abs/1707.01209)",
    f"  [{PART_II}](https://arxiv.org/abs/1707.04319)",  # 8: lost its number
    "",
    # 10: the link is another paper; the text names the one the title is
    f"- [{DISTILLING}](https://arxiv.org/abs/1511.07838v2) arXiv:1503.02531",
    "- [A paper arXiv does not have](https://arxiv.org/abs/2401.99999)",
    "- [A paper from month 13](https://arxiv.org/abs/1713.01234)",
    # 13: neither id is the paper the title names: for a person, never fixed
    "- [Pruning for fun](https://arxiv.org/abs/1511.07838) arXiv:1503.02531",
    "",
]
FIXED = {
    4: "- [Dynamic Capacity Networks](https://arxiv.org/abs/1511.07838)",
    5: "- [Net2Net: Accelerating Learning via Knowledge Transfer](https://arxiv.org/abs/1511.05641)",
    8: f"  2. [{PART_II}](https://arxiv.org/abs/1707.04319)",
    10: f"- [{DISTILLING}](https://arxiv.org/abs/1503.02531) arXiv:1503.02531",
}
MARKERS = (4, 5, 8)


@dataclass(frozen=True)
class Ran:
    api: FakeArxiv
    list_path: Path
    out: Path
    cache: Path

    def fix(self, *args: str) -> Result:
        return cli(["fix", str(self.list_path), "--enriched", str(self.out), *args])

    def left(self) -> str:
        return (
            "left for a person: 1 not_found, 1 invalid_id, 1 author_review; "
            f"see `python -m pipeline check {self.list_path}`"
        )


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    root = tmp_path_factory.mktemp("markers")
    list_path = root / "list.md"
    # CRLF line ends: they must come back as they were.
    list_path.write_bytes("\r\n".join(LINES).encode("utf-8"))
    with FakeArxiv() as api:
        result = cli(fast_run_args(api, root / "out", root / "cache.sqlite", list_path))
        assert result.returncode == 0, result.stderr
        yield Ran(api, list_path, root / "out", root / "cache.sqlite")


def expected(numbers: tuple[int, ...]) -> bytes:
    lines = [FIXED[n] if n in numbers else line for n, line in enumerate(LINES, 1)]
    return "\r\n".join(lines).encode("utf-8")


def test_fix_restores_markers_and_the_confirmed_id_and_nothing_else(
    ran: Ran, tmp_path: Path
) -> None:
    target = tmp_path / "fixed.md"

    result = ran.fix("--out", str(target))

    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == expected(tuple(FIXED))
    printed = result.stdout.split("\n")
    assert printed[:2] == [f"--- {ran.list_path}", f"+++ {target}"]
    assert printed[-3:] == [
        f"{ran.list_path}: 4 fixes (1 id, 3 marker); wrote {target}",
        ran.left(),
        "",
    ]


@pytest.mark.parametrize(
    ("only", "lines", "summary"),
    [
        ("marker", MARKERS, "3 fixes (3 marker)"),
        ("id", (10,), "1 fix (1 id)"),
        ("author,id,link,title_spaces", (10,), "1 fix (1 id)"),
        ("marker,id", (*MARKERS, 10), "4 fixes (1 id, 3 marker)"),
    ],
)
def test_only_applies_the_kinds_it_names(
    ran: Ran, tmp_path: Path, only: str, lines: tuple[int, ...], summary: str
) -> None:
    target = tmp_path / "fixed.md"

    result = ran.fix("--out", str(target), "--only", only, "-q")

    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == expected(lines)
    assert result.stdout == f"{ran.list_path}: {summary}; wrote {target}\n{ran.left()}\n"


def test_nothing_to_fix_writes_nothing_and_prints_no_diff(ran: Ran, tmp_path: Path) -> None:
    target = tmp_path / "fixed.md"
    before = ran.list_path.read_bytes()

    result = ran.fix("--out", str(target), "--only", "author,link,title_spaces")
    in_place = ran.fix("--in-place", "--only", "title_spaces")

    assert result.stdout == f"{ran.list_path}: 0 fixes (nothing); nothing written\n{ran.left()}\n"
    assert in_place.stdout == result.stdout
    assert not target.exists()
    assert ran.list_path.read_bytes() == before


def test_a_fix_with_nothing_to_fix_removes_the_stale_corrected_list(
    ran: Ran, tmp_path: Path
) -> None:
    list_path, out = tmp_path / "list.md", tmp_path / "out"
    shutil.copyfile(ran.list_path, list_path)
    shutil.copytree(ran.out, out)
    fix = ["fix", str(list_path), "--enriched", str(out), "-q"]
    assert cli(fix).returncode == 0
    fixed = out / "list.fixed.md"
    shutil.copyfile(fixed, list_path)  # the maintainer takes the corrected list

    again = cli(fix)

    assert again.stdout.split("\n")[0] == (
        f"{list_path}: 0 fixes (nothing); nothing written (removed the earlier {fixed})"
    )
    assert not fixed.exists()
    assert list_path.read_bytes() == expected(tuple(FIXED))


def test_an_unknown_fix_name_is_a_usage_error(ran: Ran) -> None:
    result = ran.fix("--only", "marker,spelling")
    assert (result.returncode, result.stdout) == (2, "")
    assert "unknown fix 'spelling'; the fixes are author, id, link, marker, title_spaces" in (
        result.stderr
    )
    assert result.stderr.count("\n") == 1


def test_the_diff_is_coloured_when_asked_and_plain_otherwise(ran: Ran, tmp_path: Path) -> None:
    target = str(tmp_path / "fixed.md")
    coloured = ran.fix("--out", target, "--color", "always").stdout.split("\n")
    plain = ran.fix("--out", target, "--color", "never").stdout
    auto = ran.fix("--out", target).stdout  # captured output is no terminal

    assert plain == auto and "\x1b" not in plain
    assert coloured[0] == f"\x1b[1m--- {ran.list_path}\x1b[0m"
    assert coloured[2].startswith("\x1b[36m@@ -1,13 +1,13 @@")
    assert f"\x1b[31m-{LINES[3]}\r\x1b[0m" not in coloured  # the \r stays outside the colour
    assert f"\x1b[31m-{LINES[3]}\x1b[0m\r" in coloured
    assert f"\x1b[32m+{FIXED[4]}\x1b[0m\r" in coloured
    assert f" {LINES[2]}\r" in coloured  # context lines are not coloured
    # The summary follows the diff, uncoloured; without the escapes it is the plain output.
    assert coloured[-3:] == plain.split("\n")[-3:]
    assert (
        "\n".join(coloured)
        .replace("\x1b[0m", "")
        .replace("\x1b[1m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        == plain
    )


# -- the real lists -------------------------------------------------------------------------------

REAL = sorted(p.name for p in REAL_LISTS.glob("*.md") if p.name != "SOURCES.md")


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeArxiv, Path]]:
    with FakeArxiv() as api:
        yield api, tmp_path_factory.mktemp("real")


@pytest.mark.skipif(not REAL, reason=f"{REAL_LISTS} is absent (the real lists live beside it)")
@pytest.mark.parametrize("name", REAL)
def test_fix_of_a_real_list_changes_only_the_lines_it_fixes_and_a_second_fix_no_byte(
    real_runs: tuple[FakeArxiv, Path], name: str
) -> None:
    api, root = real_runs
    list_path = REAL_LISTS / name
    out, cache = root / name, root / "cache.sqlite"
    fixed = root / f"{name}-fixed" / name  # its own name: the run's rows are found by it
    original = list_path.read_bytes()
    assert cli(fast_run_args(api, out, cache, list_path)).returncode == 0

    first = cli(["fix", str(list_path), "--enriched", str(out), "--out", str(fixed)])

    assert first.returncode == 0, first.stderr
    old, new = original.split(b"\n"), fixed.read_bytes().split(b"\n")
    assert len(old) == len(new)
    changed = {n for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a != b}
    diff = first.stdout.split("\n")
    removed = [line for line in diff[2:] if line.startswith("-")]
    assert [line.encode() for line in removed] == [b"-" + old[n - 1] for n in sorted(changed)]
    fixes = re.search(rf"^{re.escape(str(list_path))}: (\d+) fix", first.stdout, re.M)
    assert fixes is not None and 1 <= len(changed) <= int(fixes[1])

    # The corrected list, fixed again against the same run: every fix is already there.
    again = cli(["fix", str(fixed), "--enriched", str(out), "--in-place"])
    markers = cli(["fix", str(list_path), "--enriched", str(out), "--only", "marker", "-q"])

    assert again.returncode == 0, again.stderr
    assert f"\n{fixed}: 0 fixes (nothing); nothing written\n" in f"\n{again.stdout}"
    # What the first fix could not place (a name on the entry's next line), it still cannot.
    skipped = [line for line in again.stdout.split("\n") if line.startswith("skipped ")]
    assert set(skipped) <= set(diff)
    assert fixed.read_bytes().split(b"\n") == new
    assert markers.stdout.startswith(f"{list_path}: 0 fixes (nothing); nothing written\n")
    assert list_path.read_bytes() == original
