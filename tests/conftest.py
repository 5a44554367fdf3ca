"""Shared fixtures: the arXiv stand-in on loopback, the seed list, and two CLI runners.

``cli`` calls ``pipeline.cli.main`` in this process (a tenth of the time of a new
interpreter); ``run_cli`` starts ``python -m pipeline`` as a scheduled job would, for the
tests that need a process of their own (exit codes end to end, ``kill -9``, the lock held
by another process).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from pipeline.cli import main
from standin import FakeArxiv, Faults

ROOT = Path(__file__).resolve().parent.parent
SEED_LIST = ROOT / "data" / "raw" / "awesome-model-compression.md"


@pytest.fixture
def arxiv_api() -> Iterator[FakeArxiv]:
    """A fresh stand-in of the arXiv API on 127.0.0.1, with no faults."""
    with FakeArxiv() as fake:
        yield fake


@pytest.fixture(scope="module")
def shared_api() -> Iterator[FakeArxiv]:
    """One stand-in for a whole test module, for tests that reset it (see ``api``)."""
    with FakeArxiv() as fake:
        yield fake


@pytest.fixture
def api(shared_api: FakeArxiv) -> FakeArxiv:
    """The module's stand-in, with no faults and an empty log."""
    shared_api.faults = Faults()
    shared_api.reset_log()
    return shared_api


@pytest.fixture
def seed_list(tmp_path: Path) -> Path:
    """A copy of the first list (awesome-model-compression) in a temporary folder."""
    path = tmp_path / "awesome-model-compression.md"
    shutil.copyfile(SEED_LIST, path)
    return path


def run_cli(
    args: Sequence[str], cwd: Path = ROOT, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline ARGS`` in a subprocess, as a scheduled job would run it."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


@dataclass(frozen=True)
class Result:
    """What a command did, named as ``subprocess.CompletedProcess`` names it."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """Undo what ``main`` does to logging: ``basicConfig(force=True)`` on the root logger
    (whose stream would outlive the capture) and the levels of the noisy libraries."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    named = {name: logger.level for name, logger in _loggers()}
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, logger in _loggers():
            logger.setLevel(named.get(name, logging.NOTSET))


def _loggers() -> list[tuple[str, logging.Logger]]:
    every = list(logging.root.manager.loggerDict.items())
    return [(name, logger) for name, logger in every if isinstance(logger, logging.Logger)]


@contextlib.contextmanager
def _umask(mask: int | None) -> Iterator[None]:
    if mask is None:
        yield
        return
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


def cli(
    args: Sequence[str],
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    umask: int | None = None,
) -> Result:
    """``python -m pipeline ARGS`` in this process: ``main(ARGS)`` in ``cwd`` with ``env``
    added to the environment, its exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env or {}),
        contextlib.chdir(cwd),
        _umask(umask),
        _logging_restored(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse: --help, --version and usage errors
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
            code = 1 if isinstance(exit_.code, str) else exit_.code or 0
    return Result(code, out.getvalue(), err.getvalue())


def fast_run_args(api: FakeArxiv, out: Path, cache: Path, *lists: Path) -> list[str]:
    """``run`` options for a quick run against the stand-in (small delay, no progress)."""
    return [
        "run",
        *map(str, lists),
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--api-url",
        api.url,
        "--delay",
        "0.01",
        "--no-progress",
    ]


def github_workflow_problems(path: Path) -> str:
    """What check-jsonschema finds wrong with a GitHub workflow file ("" for nothing)."""
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    return "" if check.returncode == 0 else check.stdout + check.stderr
