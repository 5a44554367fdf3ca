"""The scheduling examples are valid for the tools that read them."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys

import pytest
import yaml
from croniter import croniter

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
WORKFLOW = ROOT / ".github" / "workflows" / "refresh.yml"


def test_the_crontab_line_is_valid_cron_and_runs_make_refresh() -> None:
    jobs = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(jobs) == 1
    fields = jobs[0].split(None, 5)
    assert croniter.is_valid(" ".join(fields[:5]))
    assert "make refresh" in fields[5]


def test_the_systemd_units_pass_systemd_analyze() -> None:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DEPLOY / "arxiv-enrich.service")
    assert service["Service"]["ExecStart"].endswith("make refresh")
    assert service["Service"]["Type"] == "oneshot"
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DEPLOY / "arxiv-enrich.timer")
    assert timer["Timer"]["OnCalendar"]
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", timer["Timer"]["OnCalendar"]],
        capture_output=True,
        text=True,
    )
    assert calendar.returncode == 0, calendar.stderr
    verify = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(DEPLOY / "arxiv-enrich.service"),
            str(DEPLOY / "arxiv-enrich.timer"),
        ],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr


def test_the_workflow_is_a_valid_weekly_github_workflow_that_keeps_the_cache() -> None:
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (schedule,) = workflow[True]["schedule"]  # YAML 1.1 reads the key `on` as True
    assert croniter.is_valid(schedule["cron"])
    steps = workflow["jobs"]["refresh"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == "data/cache"
    assert any(s.get("run") == "make refresh" for s in steps)
    assert any("content_changed" in s.get("run", "") for s in steps)


def test_make_refresh_pulls_runs_and_reports_fixes_in_that_order() -> None:
    plan = subprocess.run(["make", "-n", "refresh"], cwd=ROOT, capture_output=True, text=True)
    assert plan.returncode == 0, plan.stderr
    commands = plan.stdout
    assert commands.index("run --pull") < commands.index("pipeline fix")
    assert "exit $code" in commands
