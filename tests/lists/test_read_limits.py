"""The reader on hostile lists: nothing after a pathological line is lost, odd files are
refused in one line, and reading stays linear in the size of the list."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from pipeline.lists.read import (
    MAX_LINE_CHARS,
    MAX_LIST_BYTES,
    ListError,
    extract_entries,
    read_entries,
    read_list_text,
)
from tests.conftest import SEED_LIST


def _seed_with(line_number: int, inserted: str) -> str:
    lines = SEED_LIST.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(line_number - 1, inserted)
    return "".join(lines)


def test_a_deeply_nested_line_drops_nothing_after_it() -> None:
    before = extract_entries(SEED_LIST.read_text(encoding="utf-8"), "seed.md")
    text = _seed_with(61, "- - - - - - - - - - - - x\n")
    after = extract_entries(text, "seed.md")
    assert len(after) == 71
    # Every entry below the inserted line is read, one line further down.
    assert [e.line for e in after] == [e.line + (e.line >= 61) for e in before]
    assert [e.title for e in after] == [e.title for e in before]


@pytest.mark.parametrize(
    "pathological",
    [
        "- " * 300 + "x\n",
        "> " * 300 + "x\n",
        "".join("  " * n + "- level\n" for n in range(300)),
    ],
    ids=["markers", "quotes", "indented"],
)
def test_nesting_too_deep_to_read_is_an_error_not_a_shorter_list(pathological: str) -> None:
    text = _seed_with(61, pathological)
    with pytest.raises(ListError) as caught:
        extract_entries(text, "seed.md")
    message = str(caught.value)
    assert message.startswith("seed.md: line ") and "too deeply" in message
    assert 61 <= int(message.split()[2]) < 61 + pathological.count("\n")
    assert "\n" not in str(caught.value)


def test_deep_brackets_keep_the_rest_of_the_list() -> None:
    text = _seed_with(61, "- " + "[" * 40 + "x" + "]" * 40 + "(https://e.org)\n")
    titles = [e.title for e in extract_entries(text, "seed.md") if e.arxiv_id]
    assert len(titles) == 66


def test_ids_in_code_spans_and_html_comments_are_not_citations() -> None:
    text = (
        "- Please cite Deep Compression as `arXiv:1510.00149` in a pull request\n"
        "- [A blog post](https://example.com/post) <!-- arXiv:1503.02531 -->\n"
        "- [Distilling](https://arxiv.org/abs/1503.02531) "
        "<!-- [old](https://arxiv.org/abs/1404.0736) -->\n"
        "- [Pruning](https://arxiv.org/abs/1506.02626) see `arXiv:1404.0736`\n"
    )
    entries = extract_entries(text, "t.md")
    assert [(e.line, e.arxiv_id, e.other_ids, e.defects) for e in entries] == [
        (2, None, (), ()),
        (3, "1503.02531", (), ()),
        (4, "1506.02626", (), ()),
    ]


def _one_line_error(path: Path) -> str:
    result: list[BaseException | str] = []

    def read() -> None:
        try:
            read_list_text(path)
            result.append("read")
        except BaseException as err:  # handed to the test thread
            result.append(err)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    assert result, f"reading {path} did not finish within 5 s"
    [outcome] = result
    assert isinstance(outcome, ListError), outcome
    message = str(outcome)
    assert str(path) in message and "\n" not in message
    return message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "list.md"
    os.mkfifo(fifo)
    assert "not a regular file" in _one_line_error(fifo)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist here")
    assert "not a regular file" in _one_line_error(Path(device))


def test_a_list_larger_than_the_bound_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(MAX_LIST_BYTES + 1)  # sparse: nothing to read, nothing allocated
    assert "larger than 64 MiB" in _one_line_error(big)


def test_a_list_at_the_bound_is_read(tmp_path: Path) -> None:
    path = tmp_path / "edge.md"
    line = b"- [A](https://arxiv.org/abs/1503.02531)\n"
    path.write_bytes(line + b" " * (MAX_LIST_BYTES - len(line)))
    assert len(read_list_text(path)) == MAX_LIST_BYTES


def test_a_line_too_long_for_a_list_is_an_error_naming_it() -> None:
    text = "# L\n- [A](https://arxiv.org/abs/1503.02531)\n- " + "x" * MAX_LINE_CHARS + "\n"
    with pytest.raises(ListError) as caught:
        extract_entries(text, "long.md")
    assert str(caught.value).startswith("long.md: line 3 is longer than")


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", True), ("utf-16-be", True), ("utf-16-le", False), ("utf-16-be", False)],
)
def test_a_utf16_list_is_named_as_utf16(tmp_path: Path, encoding: str, bom: bool) -> None:
    path = tmp_path / "wide.md"
    text = "# List\n\n- [Distilling](https://arxiv.org/abs/1503.02531)\n" * 3
    data = text.encode(encoding)
    path.write_bytes(("\ufeff".encode(encoding) if bom else b"") + data)
    message = _one_line_error(path)
    assert "UTF-16" in message and "binary" not in message


def test_a_utf32_list_is_named_as_utf32(tmp_path: Path) -> None:
    path = tmp_path / "wider.md"
    path.write_bytes("# List\n- [A](https://arxiv.org/abs/1503.02531)\n".encode("utf-32"))
    assert "UTF-32" in _one_line_error(path)


def _mixed_list(n: int) -> str:
    """``n`` entries in every dialect the reader knows, ids all different."""
    out = ["# Big list", ""]
    for i in range(n):
        aid = f"{1501 + i % 12:04d}.{i:05d}"
        shape = i % 6
        if shape == 0:
            out.append(
                f"- Alice Smith, Bob Jones .[Paper {i} on pruning](https://arxiv.org/abs/{aid})"
            )
        elif shape == 1:
            out.append(
                f"- [[CVPR](https://arxiv.org/abs/{aid})] Paper {i} on quantization. [__`bits`__]"
            )
        elif shape == 2:
            out.append(
                f"- Paper {i} on distillation,ICLR,2015 [[paper]](https://arxiv.org/pdf/{aid}.pdf)"
            )
        elif shape == 3:
            out.append(
                f"- __[2018-CVPR] Paper {i} on design__ [`paper`](https://arxiv.org/abs/{aid})"
            )
        elif shape == 4:
            out += [
                f"- Paper {i} on sparsity [[NIPS 2015](https://arxiv.org/abs/{aid})]",
                "  - Song Han, Jeff Pool, ...",
            ]
        else:
            out += [
                "",
                f"**Paper {i}, a survey** [[Paper](https://arxiv.org/abs/{aid})]",
                "",
                "Haotong Qin, Ruihao Gong",
                "",
            ]
    return "\n".join(out) + "\n"


def _seconds(text: str) -> tuple[float, int]:
    """CPU time of reading ``text`` (the load of other processes does not count) and the
    number of entries read."""
    start = time.process_time()
    entries = extract_entries(text, "big.md")
    return time.process_time() - start, len(entries)


def test_reading_stays_linear_in_the_size_of_the_list() -> None:
    small, big = _mixed_list(1_500), _mixed_list(6_000)
    small_s, small_n = _seconds(small)
    big_s, big_n = _seconds(big)
    assert (small_n, big_n) == (1_500, 6_000)
    # Four times the entries: well under the sixteen times a quadratic reader would take.
    assert big_s < 7 * small_s + 0.15, (small_s, big_s)


def test_a_list_file_is_read_with_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "l.md"
    path.write_text(_mixed_list(12), encoding="utf-8")
    text, entries = read_entries(path)
    assert text.startswith("# Big list")
    assert len(entries) == 12
