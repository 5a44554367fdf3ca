"""A newcomer's first hour: what the README and the pipeline's own lines say works when
typed as written, and a mistake gets a line that says what to do instead."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import build_parser, main
from pipeline.lists.pull import name_from_url
from standin import FakeArxiv, Faults
from standin.demo import demo
from tests.conftest import ROOT, SEED_LIST, cli
from tests.test_readme_recipes import analyst_recipes


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """main() configures logging for the process; a test's setting must not outlive it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("pipeline").setLevel(logging.NOTSET)


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A checkout where only `make demo` was run: its directory and what the demo printed."""
    root = tmp_path_factory.mktemp("newcomer")
    (root / "data" / "raw").mkdir(parents=True)
    shutil_copy(SEED_LIST, root / "data" / "raw" / SEED_LIST.name)
    printed = subprocess.run(
        [sys.executable, "-m", "standin.demo"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert printed.returncode == 0, printed.stderr
    return root, printed.stdout


def shutil_copy(source: Path, target: Path) -> None:
    target.write_bytes(source.read_bytes())


def test_the_demos_fix_hint_is_a_command_that_works_as_typed(after_demo: tuple[Path, str]) -> None:
    root, printed = after_demo
    hints = [line for line in printed.splitlines() if "writes the corrected list" in line]
    assert hints
    command = hints[-1].split("`")[1]
    assert command == (
        f"python -m pipeline fix data/raw/{SEED_LIST.name} --enriched data/enriched/demo"
    )
    typed = subprocess.run(
        [sys.executable, *shlex.split(command)[1:]],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert typed.returncode == 0, typed.stderr
    assert "3 author" in typed.stdout.splitlines()[-2]  # the summary, after the diff


def test_every_readme_recipe_runs_after_only_make_demo(after_demo: tuple[Path, str]) -> None:
    root, _ = after_demo
    assert not (root / "data" / "enriched" / "papers.parquet").exists()
    for number, code in enumerate(analyst_recipes(), 1):
        ran = subprocess.run(
            [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
        )
        assert ran.returncode == 0, f"recipe {number}:\n{code}\n{ran.stderr}"
        assert ran.stdout.strip(), f"recipe {number} printed nothing"


def test_the_fix_hint_names_the_list_and_leaves_out_the_default_directory(
    arxiv_api: FakeArxiv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lists").mkdir()
    shutil_copy(SEED_LIST, tmp_path / "lists" / "compression.md")
    args = ["run", "lists/compression.md", "--api-url", arxiv_api.url, "--delay", "0.01"]
    assert main([*args, "--no-progress"]) == 0
    assert (
        "`python -m pipeline fix lists/compression.md` writes the corrected list"
        in capsys.readouterr().out
    )


# -v


def _run_logging(
    verbosity: str, api: FakeArxiv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    list_path = tmp_path / "list.md"
    shutil_copy(SEED_LIST, list_path)
    code = main(
        [
            "run",
            str(list_path),
            "--out",
            str(tmp_path / "out"),
            "--cache",
            str(tmp_path / "cache.sqlite"),
            "--api-url",
            api.url,
            "--delay",
            "0.01",
            "--no-progress",
            verbosity,
        ]
    )
    assert code == 0
    return capsys.readouterr().err.splitlines()


def test_v_shows_the_pipelines_own_debug_lines_and_no_librarys(
    arxiv_api: FakeArxiv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arxiv_api.faults = Faults(script=["empty"])  # the first answer is an empty feed
    lines = _run_logging("-v", arxiv_api, tmp_path, capsys)
    assert len(lines) < 40, "\n".join(lines)
    assert all(" pipeline" in line.split(":")[2] for line in lines), "\n".join(lines)
    text = "\n".join(lines)
    assert "DEBUG pipeline.api.client: asking for 66 ids (attempt 1)" in text
    assert "66 ids missing from an empty answer: 66 asked again" in text
    assert "entries in the answer, from arXiv" in text

    # The same run again from a cold dataset: every answer comes from the HTTP cache.
    (tmp_path / "out" / "papers.parquet").unlink()
    (tmp_path / "out" / "entries.parquet").unlink()
    again = "\n".join(_run_logging("-v", arxiv_api, tmp_path, capsys))
    assert "66 entries in the answer, from the cache" in again


def test_vv_adds_the_libraries_lines(
    arxiv_api: FakeArxiv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _run_logging("-vv", arxiv_api, tmp_path, capsys)
    loggers = {line.split()[2].rstrip(":") for line in lines if len(line.split()) > 2}
    assert any(not name.startswith("pipeline") for name in loggers), loggers


# Commands used the wrong way


@pytest.mark.parametrize("command", ["report", "fix"])
@pytest.mark.parametrize("made", [False, True], ids=["no-dir", "empty-dir"])
def test_report_and_fix_without_a_dataset_exit_2_saying_to_run_first(
    command: str, made: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enriched = tmp_path / "enriched"
    if made:
        enriched.mkdir()
    argv = [command, *([str(SEED_LIST)] if command == "fix" else []), "--enriched", str(enriched)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {enriched}/") and "run `python -m pipeline run` first" in err


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert isinstance(exited.value.code, int)
    return exited.value.code


@pytest.mark.parametrize("command", ["run", "fix"])
def test_a_url_given_as_a_list_says_to_pull_it(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://raw.githubusercontent.com/owner/awesome-x/main/README.md"
    assert _exit_code([command, url]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"download the list first: python -m pipeline pull {url}" in err
    assert "https:/raw" not in err


@pytest.mark.parametrize("given", ["data/raw/list.md", "list.md", "ftp://host/list.md"])
def test_pull_of_a_file_says_it_wants_an_http_url(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit_code(["pull", given]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "URL" in err
    assert "Perhaps you meant" not in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_network_error_in_pull_is_one_readable_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"http://127.0.0.1:{_free_port()}/list.md"  # nothing listens there
    assert main(["pull", url, "--cache", str(tmp_path / "c.sqlite")]) == 1
    assert capsys.readouterr().err == f"error: {url}: cannot connect (connection refused)\n"


def test_a_pull_that_times_out_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/list.md"
        code = main(["pull", url, "--timeout", "0.3", "--cache", str(tmp_path / "c.sqlite")])
    assert code == 1
    assert capsys.readouterr().err == f"error: {url}: no answer in time (0.3 s, --timeout)\n"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://lists.example.org/README.md", "lists.example.org"),
        ("https://www.example.org/readme.markdown", "example.org"),
        ("http://host/lists/compression/README.md", "compression"),
        ("https://gitlab.com/owner/awesome-pruning/-/raw/main/README.md", "awesome-pruning"),
        ("https://raw.githubusercontent.com/owner/awesome-x/master/README.md", "awesome-x"),
        ("https://github.com/owner/awesome-y/raw/main/docs/index.md", "awesome-y"),
        ("http://host/raw/main/index.md", "host"),
        ("http://host/papers/quantization.md", "quantization"),
    ],
)
def test_a_list_is_named_after_where_it_lives_not_readme(url: str, name: str) -> None:
    assert name_from_url(url) == name


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def list_server(tmp_path: Path) -> Iterator[str]:
    """A server of tmp_path/site on 127.0.0.1; yields its base URL."""
    site = tmp_path / "site"
    (site / "awesome-compression").mkdir(parents=True)
    shutil_copy(SEED_LIST, site / "awesome-compression" / "README.md")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_pull_of_a_readme_stores_the_list_under_its_folders_name(
    list_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"{list_server}/awesome-compression/README.md"
    assert main(["pull", url, "--cache", str(tmp_path / "c.sqlite")]) == 0
    assert sorted(p.name for p in (tmp_path / "data" / "raw").iterdir()) == [
        "awesome-compression.md",
        "awesome-compression.source.json",
    ]


# Which lists a run reads


def _raw_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    shutil_copy(SEED_LIST, raw / "compression.md")
    monkeypatch.chdir(tmp_path)
    return raw


def _run_here(api: FakeArxiv, *lists: str) -> int:
    return main(["run", *lists, "--api-url", api.url, "--delay", "0.01", "--no-progress"])


def _manifest(tmp_path: Path) -> dict[str, object]:
    manifest: dict[str, object] = json.loads(
        (tmp_path / "data" / "enriched" / "manifest.json").read_text()
    )
    return manifest


def test_two_lists_with_one_content_are_read_once_with_a_warning(
    arxiv_api: FakeArxiv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = _raw_checkout(tmp_path, monkeypatch)
    shutil_copy(SEED_LIST, raw / "README.md")  # the same list, pulled under two names
    assert _run_here(arxiv_api) == 0
    err = capsys.readouterr().err
    assert "data/raw/compression.md: the same content as data/raw/README.md; read once" in err
    manifest = _manifest(tmp_path)
    assert [entry["path"] for entry in manifest["lists"]] == ["data/raw/README.md"]  # type: ignore[attr-defined]
    assert manifest["counts"]["entries"] == 71  # type: ignore[index]


def test_the_same_list_named_twice_is_read_once_without_a_warning(
    arxiv_api: FakeArxiv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _raw_checkout(tmp_path, monkeypatch)
    assert _run_here(arxiv_api, "data/raw/compression.md", "./data/raw/compression.md") == 0
    assert "same content" not in capsys.readouterr().err


def test_a_markdown_file_that_is_not_a_list_is_skipped_when_no_list_is_named(
    arxiv_api: FakeArxiv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = _raw_checkout(tmp_path, monkeypatch)
    (raw / "NOTES.md").write_text("# Notes\n\nTo do: add the 2024 papers.\n")
    assert _run_here(arxiv_api) == 0
    assert "data/raw/NOTES.md: no paper entries, not a list; skipped" in capsys.readouterr().err
    assert [entry["path"] for entry in _manifest(tmp_path)["lists"]] == [  # type: ignore[attr-defined]
        "data/raw/compression.md"
    ]
    # Named, it is still an error: the user meant it.
    assert _run_here(arxiv_api, "data/raw/NOTES.md") == 2
    assert "data/raw/NOTES.md: no paper entries" in capsys.readouterr().err


def test_a_raw_folder_with_no_list_at_all_is_a_usage_error(
    arxiv_api: FakeArxiv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = _raw_checkout(tmp_path, monkeypatch)
    (raw / "compression.md").write_text("# Nothing here yet\n")
    assert _run_here(arxiv_api) == 2
    assert "error: no lists in data/raw/" in capsys.readouterr().err


# The parser


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_no_parser_accepts_abbreviations(capsys: pytest.CaptureFixture[str]) -> None:
    parsers = list(_parsers(build_parser()))
    assert len(parsers) >= 7
    assert all(not p.allow_abbrev for p in parsers)
    assert _exit_code(["run", "--del", "0.2"]) == 2
    assert "unrecognized arguments: --del" in capsys.readouterr().err


def test_version_imports_nothing_heavy() -> None:
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeline", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ran.stdout == "arxiv-enrich 0.1.0\n"
    imported = {line.split("|")[-1].strip() for line in ran.stderr.splitlines()}
    heavy = {"pyarrow", "pandas", "numpy", "requests", "markdown_it", "matplotlib", "arxiv"}
    assert not heavy & imported


@pytest.mark.parametrize("argv", [["--version", "run"], ["run", "--version"], ["-h", "--version"]])
def test_the_fast_version_answers_only_where_argparse_would(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exited:
        assert isinstance(exited.code, int)
        code = exited.code
    printed = capsys.readouterr().out
    assert code == (2 if argv[0] == "run" else 0)
    assert (printed == "arxiv-enrich 0.1.0\n") == (argv[0] == "--version")


# The stand-in, alone


def test_python_m_standin_prints_its_url_serves_and_stops_on_ctrl_c(
    seed_list: Path, tmp_path: Path
) -> None:
    standin = subprocess.Popen(
        [sys.executable, "-m", "standin", "--port", str(_free_port())],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert standin.stdout is not None
        first = standin.stdout.readline()
        assert first.startswith("arXiv stand-in listening on http://127.0.0.1:")
        url = first.split()[-1]
        run = cli(
            ["run", str(seed_list), "--api-url", url,
             "--delay", "0.01", "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")],
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
    finally:
        standin.send_signal(signal.SIGINT)
        rest, _ = standin.communicate(timeout=10)
    assert standin.returncode == 0
    assert rest.splitlines()[-1] == "stopped after 2 requests"


def test_demo_still_runs_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _raw_checkout(tmp_path, monkeypatch)
    assert demo() == 0
    assert "--enriched data/enriched/demo` writes the corrected list" in capsys.readouterr().out
