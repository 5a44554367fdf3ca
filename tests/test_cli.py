"""End to end: ``python -m pipeline run`` over the real first list against the stand-in."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.store.schema import ENTRIES, PAPERS
from standin import FakeArxiv, Faults
from tests.conftest import cli, fast_run_args, run_cli


def test_help_and_version() -> None:
    help_run = cli(["--help"])
    assert help_run.returncode == 0
    assert "run" in help_run.stdout
    run_help = cli(["run", "--help"])
    for option in (
        "--out",
        "--cache",
        "--api-url",
        "--delay",
        "--batch-size",
        "--timeout",
        "--no-progress",
        "--max-retries",
        "--wait",
        "--max-age",
    ):
        assert option in run_help.stdout
    version = cli(["--version"])
    assert version.returncode == 0
    assert version.stdout.startswith("arxiv-enrich ")


def test_seed_list_gives_66_linked_papers_typed_and_a_second_run_sends_nothing(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    first = cli(fast_run_args(arxiv_api, out, cache, seed_list))
    assert first.returncode == 0, first.stderr
    # 66 ids in one batch of 100, and the five title-only entries in one title search.
    assert [len(r.id_list) for r in arxiv_api.log] == [66, 0]

    papers = pq.read_table(out / "papers.parquet")
    entries = pq.read_table(out / "entries.parquet")
    assert papers.num_rows == 67  # the 66 linked papers and 1405.3866, found by its title
    assert entries.num_rows == 71
    assert papers.schema.field("published").type == pa.timestamp("us", tz="UTC")
    assert papers.schema.field("authors").type == pa.list_(pa.string())
    assert papers.schema.field("version").type == pa.int32()
    assert [f.name for f in papers.schema] == [c.name for c in PAPERS.columns]
    assert [f.name for f in entries.schema] == [c.name for c in ENTRIES.columns]

    by_id = {row["arxiv_id"]: row for row in papers.to_pylist()}
    assert "1404.0736" in by_id and "1404.00736" not in by_id
    assert by_id["1404.0736"]["authors"] == [
        "Remi Denton",
        "Wojciech Zaremba",
        "Joan Bruna",
        "Yann LeCun",
        "Rob Fergus",
    ]
    # The stand-in folds long titles over two lines, as older arXiv answers did.
    assert by_id["1404.0736"]["title"] == (
        "Exploiting Linear Structure Within Convolutional Networks for Efficient Evaluation"
    )
    assert by_id["1412.6550"]["version"] == 4
    assert by_id["1503.02531"]["tags"] == ["Distillation"]
    assert by_id["1503.02531"]["sections"] == ["2015"]
    assert all("  " not in row["title"] and "\n" not in row["title"] for row in by_id.values())

    fixes = {r["raw_id"]: r["id_fix"] for r in entries.to_pylist() if r["id_fix"]}
    assert fixes == {
        "1404.00736": "1404.00736 -> 1404.0736",
        "1411.04229": "1411.04229 -> 1411.4229",
        "1412.06115": "1412.06115 -> 1412.6115",
        "1412.06550": "1412.06550 -> 1412.6550",
    }
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["exit_code"] == 0
    assert manifest["counts"]["papers"] == 67
    assert manifest["counts"]["statuses"] == {"enriched": 67, "not_on_arxiv": 4}
    assert manifest["requests"]["sent"] == 2
    assert manifest["lists"][0]["entries"] == 71
    assert len(manifest["lists"][0]["sha256"]) == 64

    arxiv_api.reset_log()
    second = cli(fast_run_args(arxiv_api, out, cache, seed_list))
    assert second.returncode == 0, second.stderr
    assert arxiv_api.log == []
    assert "0 requests sent" in second.stdout


def test_user_agent_names_the_tool_and_the_contact(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    run = cli(
        fast_run_args(arxiv_api, tmp_path / "o", tmp_path / "c.sqlite", seed_list),
        env={"ARXIV_CONTACT": "lists@example.org"},
    )
    assert run.returncode == 0
    agent = arxiv_api.log[0].user_agent
    assert agent.startswith("arxiv-enrich/") and "mailto:lists@example.org" in agent


def test_api_url_from_the_environment(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    run = cli(
        [
            "run",
            str(seed_list),
            "--out",
            str(tmp_path / "o"),
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--delay",
            "0",
            "--no-progress",
        ],
        env={"ARXIV_API_URL": arxiv_api.url},
    )
    assert run.returncode == 0, run.stderr
    assert len(arxiv_api.log) == 2


@pytest.mark.slow  # the exit code and the output of a process, end to end
def test_unreachable_api_is_one_line_exit_1_and_the_dataset_untouched(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite"
    assert cli(fast_run_args(arxiv_api, out, cache, seed_list)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    dead = run_cli(
        [
            "run",
            str(seed_list),
            "--out",
            str(out),
            "--cache",
            str(cache),
            "--api-url",
            "http://127.0.0.1:9/api/query",
            "--delay",
            "0",
            "--max-retries",
            "1",
            "--max-age",
            "0",
            "--no-progress",
            "-q",
        ]
    )
    assert dead.returncode == 1
    assert dead.stderr.strip().count("\n") == 0
    assert "unreachable" in dead.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_ids_are_batched_and_paced(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    args = fast_run_args(arxiv_api, tmp_path / "o", tmp_path / "c.sqlite", seed_list)
    run = cli([*args, "--batch-size", "20", "--delay", "0.1"])
    assert run.returncode == 0, run.stderr
    assert [len(r.id_list) for r in arxiv_api.log] == [20, 20, 20, 6, 0]
    starts = [r.started for r in arxiv_api.log]
    # Seen by the server, so its own scheduling jitter (a few ms under load) is allowed;
    # unpaced, the requests are a few ms apart.
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.1 - 0.02


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d / "missing.md", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "bin.md", b"\x89PNG\r\n\x1a\n\x00\x00"), "binary"),
        (
            lambda d: _write(
                d / "latin1.md", "- [Caf\u00e9](https://arxiv.org/abs/1503.02531)".encode("latin-1")
            ),
            "not UTF-8",
        ),
        (lambda d: _write(d / "empty.md", b""), "no paper entries"),
    ],
    ids=["missing", "directory", "binary", "not-utf8", "empty"],
)
def test_bad_lists_are_a_one_line_usage_error(
    setup: object, message: str, tmp_path: Path, arxiv_api: FakeArxiv
) -> None:
    target = setup(tmp_path)  # type: ignore[operator]
    run = cli(fast_run_args(arxiv_api, tmp_path / "out", tmp_path / "c.sqlite", target))
    assert run.returncode == 2
    assert message in run.stderr
    assert run.stderr.strip().count("\n") == 0
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out" / "papers.parquet").exists()
    assert arxiv_api.log == []


def test_a_list_without_arxiv_ids_is_written_with_its_entries(
    arxiv_api: FakeArxiv, tmp_path: Path
) -> None:
    plain = _write(
        tmp_path / "plain.md", b"# Talks\n- [Dark knowledge](http://www.ttic.edu/dl/dark14.pdf)\n"
    )
    run = cli(fast_run_args(arxiv_api, tmp_path / "out", tmp_path / "c.sqlite", plain))
    assert run.returncode == 0, run.stderr
    entries = pq.read_table(tmp_path / "out" / "entries.parquet").to_pylist()
    assert [e["status"] for e in entries] == ["not_on_arxiv"]
    assert pq.read_table(tmp_path / "out" / "papers.parquet").num_rows == 0


@pytest.mark.parametrize(
    "bad_option",
    [
        ["--delay", "-1"],
        ["--batch-size", "-1"],
        ["--batch-size", "5000"],
        ["--timeout", "x"],
        ["--delay", "nan"],
        ["--max-age", "inf"],
        ["--batch-size", "1.5"],
        ["--api-url", "not-a-url"],
        ["--out", "{file}"],
        ["--out", "{file}/sub"],
        ["--cache", "{dir}"],
        ["--cache", "{file}"],
        ["--frobnicate"],
    ],
)
def test_bad_options_are_a_one_line_usage_error(
    bad_option: list[str], seed_list: Path, tmp_path: Path
) -> None:
    (tmp_path / "a-file.txt").write_text("not a directory, not a cache")
    option = [o.format(file=tmp_path / "a-file.txt", dir=tmp_path) for o in bad_option]
    run = cli(["run", str(seed_list), *option])
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert "error:" in run.stderr
    assert "Traceback" not in run.stderr
    assert (tmp_path / "a-file.txt").read_text() == "not a directory, not a cache"


def test_a_list_named_twice_is_read_once(
    arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path
) -> None:
    again = seed_list.parent / "." / seed_list.name
    run = cli(fast_run_args(arxiv_api, tmp_path / "o", tmp_path / "c.sqlite", seed_list, again))
    assert run.returncode == 0, run.stderr
    assert pq.read_table(tmp_path / "o" / "entries.parquet").num_rows == 71


def test_invalid_ids_are_never_sent(arxiv_api: FakeArxiv, tmp_path: Path) -> None:
    text = (
        "# L\n"
        "- [A](https://arxiv.org/abs/1513.01234)\n"  # month 13
        "- [B](https://arxiv.org/abs/0808.15394)\n"  # five digits before 2015
        "- [C](https://arxiv.org/abs/1503.02531)\n"
    )
    lst = _write(tmp_path / "l.md", text.encode())
    run = cli(fast_run_args(arxiv_api, tmp_path / "out", tmp_path / "c.sqlite", lst))
    assert run.returncode == 0, run.stderr
    assert [r.id_list for r in arxiv_api.log] == [["1503.02531"]]
    statuses = [
        e["status"] for e in pq.read_table(tmp_path / "out" / "entries.parquet").to_pylist()
    ]
    assert statuses == ["invalid_id", "invalid_id", "enriched"]


def test_unknown_ids_are_not_found(arxiv_api: FakeArxiv, tmp_path: Path) -> None:
    lst = _write(
        tmp_path / "l.md",
        b"# L\n- [A](https://arxiv.org/abs/1707.99999)\n- [B](https://arxiv.org/abs/1503.02531)\n",
    )
    run = cli(fast_run_args(arxiv_api, tmp_path / "out", tmp_path / "c.sqlite", lst))
    assert run.returncode == 0, run.stderr
    statuses = [
        e["status"] for e in pq.read_table(tmp_path / "out" / "entries.parquet").to_pylist()
    ]
    assert statuses == ["not_found", "enriched"]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.slow  # the exit codes of a process, end to end
def test_a_usage_error_and_a_partial_run_are_the_exit_codes_of_the_process(
    seed_list: Path, tmp_path: Path
) -> None:
    usage = run_cli(["run", str(seed_list), "--batch-size", "-1"])
    assert usage.returncode == 2
    assert usage.stderr.startswith("python -m pipeline run: error: argument --batch-size")
    with FakeArxiv(faults=Faults(lockout_after=1, retry_after="0")) as api:
        args = fast_run_args(api, tmp_path / "out", tmp_path / "c.sqlite", seed_list)
        partial = run_cli([*args, "--batch-size", "50", "--max-retries", "0"])
    assert partial.returncode == 3, partial.stderr
    assert "pending" in partial.stdout


@pytest.mark.parametrize("url", ["http://[a/x.md", "http://[::1", "https://[x]y/", "http://a:b/"])
@pytest.mark.parametrize("command", [["pull"], ["run", "--api-url"]])
def test_a_url_urllib_cannot_split_is_a_usage_error_naming_it(
    command: list[str], url: str, tmp_path: Path
) -> None:
    result = cli([*command, url], cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"not a valid URL: {url!r}" in line and "Traceback" not in result.stderr
