"""``check``: every finding code comes from a list that has the defect, and from no list
that lacks it; the three formats; the exit codes.

Each list here is written for one defect and run against the stand-in of the arXiv API,
serving papers of this module's own (a withdrawn one, a published one, one with two
versions).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from standin import FakeArxiv, Faults
from tests.conftest import ROOT, cli, fast_run_args
from tests.papers import standin_record

SCHEMA = json.loads((ROOT / "docs" / "check.schema.json").read_text())


def record(arxiv_id: str, title: str, authors: list[str], versions: int = 1, **more: Any) -> Any:
    return standin_record(arxiv_id, title, authors, versions, year=2015, **more)


DISTILLING = "Distilling the Knowledge in a Neural Network"
DEEP_COMPRESSION = "Deep Compression: Compressing Deep Neural Networks with Pruning"
RECORDS = [
    record("1503.02531", DISTILLING, ["Geoffrey Hinton", "Oriol Vinyals", "Jeff Dean"]),
    record("1510.00149", DEEP_COMPRESSION, ["Song Han", "Huizi Mao", "William J. Dally"], 3),
    record(
        "1404.0736",
        "Exploiting Linear Structure Within Convolutional Networks for Efficient Evaluation",
        ["Remi Denton", "Wojciech Zaremba"],
    ),
    record(
        "1706.02379",
        "Training Quantized Nets: A Deeper Understanding",
        ["Hao Li", "Soham De"],
        2,
        comment="This paper has been withdrawn by the authors due to an error in Lemma 2",
    ),
    record(
        "1512.06473",
        "Quantized Convolutional Neural Networks for Mobile Devices",
        ["Jiaxiang Wu", "Cong Leng"],
        journal_ref="CVPR 2016",
        doi="10.1109/CVPR.2016.521",
    ),
]

GOOD = (
    f"- [{DISTILLING}](https://arxiv.org/abs/1503.02531) - Geoffrey Hinton, Oriol Vinyals, "
    "Jeff Dean"
)
DEEP = f"- [{DEEP_COMPRESSION}](https://arxiv.org/abs/1510.00149)"

# One list per code: its lines, and every code check must find in it.
CASES: dict[str, tuple[list[str], set[str]]] = {
    "invalid_id": ([GOOD, "- [A paper of month 13](https://arxiv.org/abs/1713.01234)"], set()),
    "padded_id": (
        [
            "- [Exploiting Linear Structure Within Convolutional Networks for Efficient "
            "Evaluation](https://arxiv.org/pdf/1404.00736)"
        ],
        set(),
    ),
    "not_found": ([GOOD, "- [A paper arXiv lacks](https://arxiv.org/abs/2401.99999)"], set()),
    "ids_disagree": (
        [f"- [{DISTILLING}](https://arxiv.org/abs/1503.02531) arXiv preprint arXiv:1510.00149"],
        set(),
    ),
    "title_differs": (
        ["- [Knowledge Transfer Between Unrelated Networks](https://arxiv.org/abs/1503.02531)"],
        set(),
    ),
    "author_misspelling": (
        [
            f"- [{DISTILLING}](https://arxiv.org/abs/1503.02531) - Geoffrey Hinton, Oriol "
            "Vinyal, Jeff Dean"
        ],
        set(),
    ),
    "missing_list_marker": (
        [GOOD, f"[{DEEP_COMPRESSION}](https://arxiv.org/abs/1510.00149)"],
        set(),
    ),
    "no_space_marker": (
        [GOOD, "", f"-[{DEEP_COMPRESSION}](https://arxiv.org/abs/1510.00149)"],
        set(),
    ),
    "empty_link": (
        [GOOD, "- [Loss-aware Binarization of Deep Networks]() - ICLR 2017"],
        {"not_on_arxiv"},
    ),
    "author_review": (
        [
            f"- [{DISTILLING}](https://arxiv.org/abs/1503.02531) - Geoffrey Hinton, Oriol "
            "Vinyals, Mary Shelley"
        ],
        set(),
    ),
    "duplicate": ([GOOD, DEEP, GOOD], set()),
    "withdrawn": (
        ["- [Training Quantized Nets: A Deeper Understanding](https://arxiv.org/abs/1706.02379)"],
        set(),
    ),
    "not_on_arxiv": ([GOOD, "- [Dark knowledge](http://www.ttic.edu/dl/dark14.pdf)"], set()),
    "newer_version": ([f"- [{DEEP_COMPRESSION}](https://arxiv.org/abs/1510.00149v2)"], set()),
    "published": (
        [
            "- [Quantized Convolutional Neural Networks for Mobile Devices]"
            "(https://arxiv.org/abs/1512.06473)"
        ],
        set(),
    ),
}


@pytest.fixture(scope="module")
def own_api() -> Iterator[FakeArxiv]:
    with FakeArxiv(RECORDS) as fake:
        yield fake


def run_over(api: FakeArxiv, tmp_path: Path, lines: list[str], name: str = "list.md") -> Path:
    """The list ``lines`` under a heading, run into ``tmp_path/out``; returns the list."""
    path = tmp_path / name
    path.write_text("# Papers\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    done = cli(fast_run_args(api, tmp_path / "out", tmp_path / "cache.sqlite", path))
    assert done.returncode in (0, 3), done.stderr
    return path


def check_json(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    done = cli(["check", "--enriched", str(tmp_path / "out"), "--format", "json", *args])
    assert done.returncode in (0, 1), done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    jsonschema.validate(findings, SCHEMA)
    return findings


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_code_comes_from_the_list_that_has_it_and_no_other(
    code: str, own_api: FakeArxiv, tmp_path: Path
) -> None:
    lines, also = CASES[code]
    run_over(own_api, tmp_path, lines)
    found = {f["code"] for f in check_json(tmp_path)}
    # Exactly: a code no case expects of its list is a code produced where it must not be.
    assert found == {code} | also


def test_a_clean_list_has_no_findings_and_check_exits_0(own_api: FakeArxiv, tmp_path: Path) -> None:
    path = run_over(own_api, tmp_path, [GOOD, DEEP])
    done = cli(["check", str(path), "--enriched", str(tmp_path / "out"), "--fail-on", "warning"])
    assert (done.returncode, done.stdout) == (0, "no findings in 1 list\n")
    assert check_json(tmp_path) == []


def test_an_id_arxiv_rejects_is_invalid_with_arxivs_reason(tmp_path: Path) -> None:
    with FakeArxiv(RECORDS, Faults(bad_ids={"1503.02531"})) as api:
        run_over(api, tmp_path, [GOOD, DEEP])
    (finding,) = check_json(tmp_path)
    assert (finding["line"], finding["code"], finding["arxiv_id"]) == (
        3,
        "invalid_id",
        "1503.02531",
    )
    assert "arXiv rejected" in finding["message"]


def test_a_paper_a_partial_run_did_not_fetch_is_not_checked(tmp_path: Path) -> None:
    faults = Faults(lockout_after=1, retry_after="100000")
    with FakeArxiv(RECORDS, faults) as api:
        path = tmp_path / "list.md"
        path.write_text(f"# Papers\n\n{GOOD}\n{DEEP}\n", encoding="utf-8")
        args = fast_run_args(api, tmp_path / "out", tmp_path / "cache.sqlite", path)
        done = cli([*args, "--batch-size", "1", "--max-retries", "0"])
    assert done.returncode == 3, done.stderr
    findings = check_json(tmp_path)
    assert [(f["code"], f["severity"]) for f in findings] == [("not_checked", "warning")]
    assert findings[0]["arxiv_id"] in ("1503.02531", "1510.00149")


def test_findings_name_what_to_write(own_api: FakeArxiv, tmp_path: Path) -> None:
    lines = [
        "- [Exploiting Linear Structure Within Convolutional Networks for Efficient "
        "Evaluation](https://arxiv.org/pdf/1404.00736)",
        f"- [{DISTILLING}](https://arxiv.org/abs/1503.02531) - Geoffrey Hinton, Oriol Vinyal",
        "- [Knowledge Transfer Between Unrelated Networks](https://arxiv.org/abs/1503.02531)",
        f"- [{DEEP_COMPRESSION}](https://arxiv.org/abs/1510.00149v1)",
        "- [Quantized Convolutional Neural Networks for Mobile Devices]"
        "(https://arxiv.org/abs/1512.06473)",
        "- [Training Quantized Nets: A Deeper Understanding](https://arxiv.org/abs/1706.02379)",
        "- [Paper 13](https://arxiv.org/abs/1713.01234)",
    ]
    run_over(own_api, tmp_path, lines)
    told = {f["code"]: f for f in check_json(tmp_path)}
    assert told["padded_id"]["suggestion"] == "1404.0736"
    assert told["author_misspelling"]["suggestion"] == "Oriol Vinyals"
    assert told["title_differs"]["suggestion"] == DISTILLING
    assert told["newer_version"]["suggestion"] == "https://arxiv.org/abs/1510.00149"
    assert "v1" in told["newer_version"]["message"] and "v3" in told["newer_version"]["message"]
    assert told["published"]["suggestion"] == "CVPR 2016; https://doi.org/10.1109/CVPR.2016.521"
    assert "Lemma 2" in told["withdrawn"]["message"]
    assert "no arXiv month 17/13" in told["invalid_id"]["message"]
    assert [f["line"] for f in told.values()] == sorted(f["line"] for f in told.values())


def test_the_text_format_is_file_line_severity_code_message_then_a_summary(
    own_api: FakeArxiv, tmp_path: Path
) -> None:
    path = run_over(
        own_api, tmp_path, [GOOD, "- [Gone](https://arxiv.org/abs/2401.99999)", DEEP, GOOD]
    )
    done = cli(["check", str(path), "--enriched", str(tmp_path / "out")])
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{path}:4: error not_found arXiv has no paper 2401.99999; check the id or link",
        f"{path}:6: warning duplicate the paper is cited again (first at line 3)",
        "2 findings in 1 list: 1 error (not_found 1); 1 warning (duplicate 1)",
    ]


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on_sets_the_exit_code(
    fail_on: str, code: int, own_api: FakeArxiv, tmp_path: Path
) -> None:
    path = run_over(own_api, tmp_path, [GOOD, DEEP, GOOD])  # a duplicate: a warning
    done = cli(["check", str(path), "--enriched", str(tmp_path / "out"), "--fail-on", fail_on])
    assert done.returncode == code, done.stderr


def test_github_format_annotates_each_line_escaped(own_api: FakeArxiv, tmp_path: Path) -> None:
    name = "a,b:c%.md"  # property values escape : and , (and every value %)
    path = run_over(
        own_api,
        tmp_path,
        [
            GOOD,
            "- [100% Wrong, Title: Yes](https://arxiv.org/abs/1404.0736)",
            "- [Dark knowledge](http://www.ttic.edu/dl/dark14.pdf)",
            DEEP,
            GOOD,
        ],
        name=name,
    )
    done = cli(["check", str(path), "--enriched", str(tmp_path / "out"), "--format", "github"])
    assert done.returncode == 1
    file = str(path).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    lines = done.stdout.splitlines()
    assert lines[0] == (
        f"::error file={file},line=4,title=title_differs::1404.0736 is titled "
        '"Exploiting Linear Structure Within Convolutional Networks for Efficient Evaluation" '
        'on arXiv, not "100%25 Wrong, Title: Yes": a wrong link, or a retitled paper'
    )
    assert lines[1] == (
        f"::notice file={file},line=5,title=not_on_arxiv::no arXiv paper has the title "
        '"Dark knowledge"'
    )
    assert lines[2].startswith(f"::warning file={file},line=7,title=duplicate::")
    assert lines[3].startswith("3 findings in 1 list")
    assert len(lines) == 4


def test_a_list_changed_since_the_run_is_a_usage_error(own_api: FakeArxiv, tmp_path: Path) -> None:
    path = run_over(own_api, tmp_path, [GOOD])
    path.write_text(path.read_text() + DEEP + "\n")
    done = cli(["check", str(path), "--enriched", str(tmp_path / "out")])
    assert done.returncode == 2
    assert "changed since the last run" in done.stderr and "python -m pipeline run" in done.stderr
    assert done.stdout == ""


def test_a_list_the_run_did_not_read_is_a_usage_error(own_api: FakeArxiv, tmp_path: Path) -> None:
    run_over(own_api, tmp_path, [GOOD])
    other = tmp_path / "other.md"
    other.write_text(f"{GOOD}\n")
    done = cli(["check", str(other), "--enriched", str(tmp_path / "out")])
    assert done.returncode == 2
    assert f"{other}: the last run" in done.stderr


def test_no_dataset_or_a_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    done = cli(["check", "--enriched", str(tmp_path / "none")])
    assert done.returncode == 2 and "run first" in done.stderr.replace(
        "`python -m pipeline run` ", "run "
    )
    assert not (tmp_path / "none").exists()
    assert cli(["check", "--format", "xml"]).returncode == 2
    assert cli(["check", "--fail-on", "info"]).returncode == 2


def test_without_lists_check_reads_every_list_of_the_last_run(
    own_api: FakeArxiv, tmp_path: Path
) -> None:
    first = tmp_path / "first.md"
    first.write_text(f"# A\n\n{GOOD}\n- [Gone](https://arxiv.org/abs/2401.99999)\n")
    second = tmp_path / "second.md"
    second.write_text(f"# B\n\n{DEEP}\n- [Dark knowledge](http://example.org/dark.pdf)\n")
    done = cli(fast_run_args(own_api, tmp_path / "out", tmp_path / "c.sqlite", first, second))
    assert done.returncode == 0, done.stderr
    found = [(f["list_file"], f["line"], f["code"]) for f in check_json(tmp_path)]
    assert found == [(str(first), 4, "not_found"), (str(second), 4, "not_on_arxiv")]
    only_second = [(f["list_file"], f["code"]) for f in check_json(tmp_path, str(second))]
    assert only_second == [(str(second), "not_on_arxiv")]
    twice = check_json(tmp_path, str(second), str(tmp_path / "." / "second.md"))
    assert len(twice) == 1  # the same list named twice is checked once


def test_the_schema_names_every_code_with_its_severity() -> None:
    from pipeline.stages.findings import FINDING_CODES, SEVERITY_OF

    items = SCHEMA["items"]
    assert items["properties"]["code"]["enum"] == list(FINDING_CODES)
    for rule in items["allOf"]:
        severity = rule["then"]["properties"]["severity"]["const"]
        codes = rule["if"]["properties"]["code"]["enum"]
        assert codes == [c for c in FINDING_CODES if SEVERITY_OF[c] == severity]


def test_workflow_command_values_are_escaped_as_github_unescapes_them() -> None:
    from pipeline.cli.check import escape_data, escape_property

    assert escape_data("50% off\r\nnext: a, b") == "50%25 off%0D%0Anext: a, b"
    assert escape_property("lists/a:b,c%\n.md") == "lists/a%3Ab%2Cc%25%0A.md"
    # Escaping % first: an escape sequence already in the text stays text.
    assert escape_data("%0A") == "%250A"


def test_while_a_run_holds_the_dataset_check_exits_4(own_api: FakeArxiv, tmp_path: Path) -> None:
    from pipeline.store.commit import DatasetLock

    path = run_over(own_api, tmp_path, [GOOD])
    with DatasetLock(tmp_path / "out"):
        done = cli(["check", str(path), "--enriched", str(tmp_path / "out")])
    assert done.returncode == 4
    assert (
        done.stderr == f"error: a run is writing {tmp_path / 'out'} now; try again when it ends\n"
    )


def test_ids_that_disagree_name_the_id_the_entry_cites_and_the_other(
    own_api: FakeArxiv, tmp_path: Path
) -> None:
    # The link names 1503.02531, the text 1510.00149, the title is 1510.00149's: the entry
    # cites 1510.00149, and the message names both ids, as the run resolved them.
    line = (
        f"- [{DEEP_COMPRESSION}](https://arxiv.org/abs/1503.02531) arXiv preprint arXiv:1510.00149"
    )
    path = run_over(own_api, tmp_path, [line])
    (finding,) = check_json(tmp_path)
    assert (finding["code"], finding["arxiv_id"]) == ("ids_disagree", "1510.00149")
    assert finding["message"].endswith("disagree: 1510.00149 and 1503.02531")
    # As it said while the list was unchanged, so it says once the list has changed.
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = cli(["report", "--enriched", str(tmp_path / "out"), "--out", str(tmp_path / "r")])
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "disagree: 1510.00149 and 1503.02531" in page
