"""The scheduled job reaches a person when one is needed, and only then; it runs with the
runtime dependencies alone and installs nothing by itself."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_deploy import DEPLOY, WORKFLOW, fake_job_layout

REFRESH = ["bash", "deploy/refresh.sh"]


def _refresh(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(REFRESH, cwd=root, capture_output=True, text=True, timeout=60)


def _calls(root: Path) -> list[str]:
    calls = root / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


# deploy/refresh.sh


def test_a_first_partial_run_exits_0_and_a_second_in_a_row_exits_3(tmp_path: Path) -> None:
    fake_job_layout(tmp_path, 3)
    first = _refresh(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "partial run: the next run fetches the ids still pending" in first.stdout
    second = _refresh(tmp_path)
    assert second.returncode == 3
    assert "partial twice in a row" in second.stderr
    assert "raise --delay" in second.stderr


def test_a_partial_run_after_a_complete_one_exits_0(tmp_path: Path) -> None:
    fake_job_layout(tmp_path, 3)
    manifest = tmp_path / "data" / "enriched" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"exit_code": 0, "lists": []}))
    assert _refresh(tmp_path).returncode == 0


def test_the_job_fixes_the_lists_the_run_read_not_every_markdown_file(tmp_path: Path) -> None:
    fake_job_layout(tmp_path, 0)
    (tmp_path / "data" / "raw" / "NOTES.md").write_text("# notes, not a list\n")
    assert _refresh(tmp_path).returncode == 0
    fixes = [c for c in _calls(tmp_path) if " fix " in f" {c} "]
    assert fixes == ["-m pipeline fix data/raw/a.md -q", "-m pipeline fix data/raw/b.md -q"]


@pytest.mark.parametrize("state", ["no stamp", "stale", "no venv"])
def test_the_job_installs_nothing_and_says_how_when_its_environment_is_not_ready(
    state: str, tmp_path: Path
) -> None:
    fake_job_layout(tmp_path, 0)
    # An installer that would be noticed if the job called it.
    (tmp_path / "Makefile").write_text("install:\n\ttouch installer-ran\n")
    stamp = tmp_path / ".venv" / ".installed"
    if state == "no stamp":
        stamp.unlink()
    elif state == "stale":
        os.utime(stamp, (1_000_000, 1_000_000))  # older than pyproject.toml
    else:
        shutil.rmtree(tmp_path / ".venv")
    done = _refresh(tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: .venv is missing or older than pyproject.toml; run `make install`"
    ]
    assert _calls(tmp_path) == []
    assert not (tmp_path / "installer-ran").exists()


def test_a_ready_environment_is_used_as_it_is(tmp_path: Path) -> None:
    fake_job_layout(tmp_path, 0)
    (tmp_path / "Makefile").write_text("install:\n\ttouch installer-ran\n")
    assert _refresh(tmp_path).returncode == 0
    assert _calls(tmp_path)[0] == "-m pipeline run --pull --no-progress"
    assert not (tmp_path / "installer-ran").exists()


# deploy/crontab


def _cron_job() -> tuple[dict[str, str], str]:
    """The crontab's variables and its one job's command."""
    variables, commands = {}, []
    for line in (DEPLOY / "crontab").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if re.match(r"[A-Z_]+=", line):
            name, value = line.split("=", 1)
            variables[name] = value
        else:
            commands.append(line.split(None, 5)[5])
    (command,) = commands
    return variables, command


@pytest.mark.parametrize("code", [0, 1, 2, 3, 4])
def test_the_cron_job_prints_and_so_mails_only_on_failure(code: int, tmp_path: Path) -> None:
    variables, command = _cron_job()
    assert variables["MAILTO"]
    assert "%" not in command  # cron would cut the command at a bare %
    (tmp_path / "deploy").mkdir()
    (tmp_path / "data" / "enriched").mkdir(parents=True)
    script = tmp_path / "deploy" / "refresh.sh"
    script.write_text(f"#!/bin/sh\necho 'the run said something'\nexit {code}\n")
    script.chmod(0o755)
    # cron runs the command with /bin/sh from the home directory.
    ran = subprocess.run(
        ["/bin/sh", "-c", command.replace("/srv/arxiv-enrich", str(tmp_path))],
        cwd=tmp_path.parent,
        capture_output=True,
        text=True,
    )
    mail = ran.stdout + ran.stderr
    if code == 0:
        assert mail == ""
    else:
        assert mail.splitlines() == [
            f"deploy/refresh.sh exited with {code} (see Exit codes in README.md); its output:",
            "the run said something",
        ]
    log = tmp_path / "data" / "enriched" / "refresh.log"
    assert log.read_text() == "the run said something\n"


# systemd


def _unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(path)
    return unit


def test_a_failed_unit_starts_a_mailing_unit_shipped_beside_it(tmp_path: Path) -> None:
    service = _unit(DEPLOY / "arxiv-enrich.service")
    on_failure = service["Unit"]["OnFailure"]
    template, instance = on_failure.split("@", 1)
    assert instance == "%n.service"
    failed = DEPLOY / f"{template}@.service"
    assert failed.exists(), f"OnFailure names {failed.name}, which deploy/ does not have"
    command = _unit(failed)["Service"]["ExecStart"]
    assert "systemctl status" in command and "mail" in command and "%i" in command
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # A template cannot be verified by itself: verify the instance that a failure starts.
    copy = tmp_path / f"{template}@arxiv-enrich.service.service"
    shutil.copy(failed, copy)
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stderr


# the GitHub workflow


def _steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps: list[dict[str, Any]] = workflow["jobs"]["refresh"]["steps"]
    return steps


def _step(name_part: str) -> dict[str, Any]:
    return next(s for s in _steps() if name_part in str(s.get("name", "")))


def test_the_workflow_installs_the_runtime_dependencies_before_the_job() -> None:
    runs = [str(s.get("run", "")) for s in _steps()]
    install = runs.index("make install")
    refresh = next(i for i, r in enumerate(runs) if "deploy/refresh.sh" in r)
    assert install < refresh
    assert not any("[dev]" in r or "pip install" in r for r in runs)


@pytest.mark.parametrize("code", [0, 3])
def test_the_workflow_fails_its_last_step_naming_the_code(code: int, tmp_path: Path) -> None:
    refresh = _step("Refresh")
    fake_job_layout(tmp_path, 3)
    if code == 3:  # the previous run was partial too: a person should look
        manifest = tmp_path / "data" / "enriched" / "manifest.json"
        manifest.parent.mkdir(parents=True)
        manifest.write_text(json.dumps({"exit_code": 3, "lists": []}))
    outputs = tmp_path / "github_output"
    outputs.touch()
    # GitHub runs a step's script with `bash -e -o pipefail`.
    step = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", str(refresh["run"])],
        cwd=tmp_path,
        env={**os.environ, "GITHUB_OUTPUT": str(outputs)},
        capture_output=True,
        text=True,
    )
    assert step.returncode == 0, "the refresh step itself must let the cache be kept"
    recorded = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert recorded == ({"code": "3"} if code == 3 else {})

    fail = _step("Fail")
    assert fail["if"] == "steps.refresh.outputs.code != ''"
    env = {
        k: str(v).replace("${{ steps.refresh.outputs.code }}", str(code))
        for k, v in dict(fail["env"]).items()
    }
    failed = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", str(fail["run"])],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1
    assert failed.stdout.strip() == (
        f"::error::deploy/refresh.sh exited with {code}: see Exit codes in README.md"
    )


def test_the_workflow_keeps_the_cache_even_when_it_fails() -> None:
    save = next(s for s in _steps() if str(s.get("uses", "")).startswith("actions/cache/save"))
    assert save["if"] == "always()"
    assert dict(save["with"])["path"] == "data/cache"


# make


def _dry_run(target: str, tmp_path: Path) -> str:
    """The commands `make TARGET` would run on a fresh clone (no .venv yet)."""
    done = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("target", ["run", "install", "refresh"])
def test_the_jobs_targets_install_the_runtime_dependencies_only(
    target: str, tmp_path: Path
) -> None:
    commands = _dry_run(target, tmp_path)
    assert "pip install --quiet -e ." in commands
    assert "[dev]" not in commands


@pytest.mark.parametrize("target", ["test", "demo"])
def test_test_and_demo_install_the_dev_extras(target: str, tmp_path: Path) -> None:
    commands = _dry_run(target, tmp_path)
    assert "venv" in commands and "pip install --quiet -e '.[dev]'" in commands
