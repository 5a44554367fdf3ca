"""A link whose URL `urlsplit` refuses (`http://[a`) is read as a link on no host: neither
code nor a paper, and never a traceback, wherever it stands."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from pipeline.lists.read import Entry, extract_entries
from pipeline.lists.words import another_list, host, is_code_link, is_code_url, is_paper_url
from standin import FakeArxiv
from tests.conftest import cli, fast_run_args
from tests.papers import standin_record

# Refused by `urlsplit` (an IPv6 host never closed, a bracket before the host, ...), or
# accepted with a port that is no number, which `urlsplit` checks only when asked.
MALFORMED = [
    "http://[a",
    "http://[::1",
    "https://[x]y/",
    "http://a:b/",
    "https://[x]y/paper.pdf",
    "http://[github.com/a/b",
    "https://github.com]/a/awesome-b",
]
TITLE = "Distilling the Knowledge in a Neural Network"


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_on_no_code_or_paper_host(url: str) -> None:
    assert not is_code_url(url)
    assert not is_paper_url(url) or url.endswith(".pdf")
    assert is_code_link("code", url)  # a code link by its label, as on any other host
    assert host(url) == ("a:b" if url == "http://a:b/" else "")
    assert not another_list(url)


def shapes(url: str) -> dict[str, str]:
    """Lists with ``url`` in every place the reader looks at a link."""
    return {
        "item": f"- [x]({url})\n",
        "titled item": f"- [{TITLE}]({url}) Geoffrey Hinton, Oriol Vinyals\n",
        "item with an id": f"- [{TITLE}]({url}) arXiv:1503.02531\n",
        "code link": f"- [{TITLE}](https://arxiv.org/abs/1503.02531) [code]({url})\n",
        "bracketed": f"- {TITLE} [[Paper]({url})] [[Code]({url})]\n",
        "autolink": f"- {TITLE} <{url}>\n",
        "emphasis": f"- **{TITLE}** [pdf]({url}) *CVPR 2015*\n",
        "sub-item": f"- [{TITLE}](https://arxiv.org/abs/1503.02531)\n  - [code]({url})\n",
        "sub-item text": f"- [{TITLE}]({url})\n  - Geoffrey Hinton [github]({url})\n",
        "paragraph": f"[{TITLE}]({url}) Geoffrey Hinton\n",
        "bold paragraph": f"**{TITLE}** [paper]({url})\n\nGeoffrey Hinton\n",
        "folded": f"- [a](https://x.org/a)\n[{TITLE}]({url})\n",
        "table": (
            "| Title | Paper | Code | Venue |\n|---|---|---|---|\n"
            f"| {TITLE} | [x]({url}) | [code]({url}) | CVPR 2015 |\n"
        ),
        "linked table title": (
            f"| Title | Code |\n|---|---|\n| [{TITLE}]({url}) | [github]({url}) |\n"
        ),
        "quote": f"> [{TITLE}]({url})\n\n- [{TITLE}]({url})\n",
    }


NEUTRAL = "http://elsewhere.org/x"


def as_read(entry: Entry, url: str) -> dict[str, Any]:
    """The fields of ``entry``, with the neutral URL written as ``url``."""

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(NEUTRAL, url)
        if isinstance(value, tuple):
            return tuple(swap(v) for v in value)
        return value

    return {name: swap(value) for name, value in asdict(entry).items()}


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_reads_as_a_url_on_another_host(url: str) -> None:
    for name, text in shapes(url).items():
        entries = extract_entries(text, "list.md")
        neutral = extract_entries(text.replace(url, NEUTRAL), "list.md")
        assert entries, name
        assert [asdict(e) for e in entries] == [as_read(e, url) for e in neutral], name


def test_check_and_fix_read_a_list_with_malformed_urls(tmp_path: Path) -> None:
    lines = [f"- [{TITLE}](https://arxiv.org/abs/1503.02531) - Geoffrey Hinton"]
    for url in MALFORMED:
        lines += [f"- [x]({url})", f"- [A paper on nothing]({url}) [code]({url})"]
        lines += [f"[Another paper]({url}) arXiv:1503.02531", f"- Text <{url}>"]
    lines += ["", "| Title | Code |", "|---|---|", f"| [T]({MALFORMED[0]}) | [c]({MALFORMED[2]}) |"]
    path = tmp_path / "list.md"
    path.write_text("# Papers\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    record = standin_record("1503.02531", TITLE, ["Geoffrey Hinton"], 1, year=2015)
    with FakeArxiv([record]) as api:
        ran = cli(fast_run_args(api, tmp_path / "out", tmp_path / "cache.sqlite", path))
    assert ran.returncode in (0, 3), ran.stderr
    checked = cli(["check", str(path), "--enriched", str(tmp_path / "out")])
    assert checked.returncode in (0, 1) and "Traceback" not in checked.stderr, checked.stderr
    fixed = cli(["fix", str(path), "--enriched", str(tmp_path / "out")])
    assert fixed.returncode == 0 and "Traceback" not in fixed.stderr, fixed.stderr
