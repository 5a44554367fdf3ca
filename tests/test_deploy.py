"""The scheduling examples are valid for the tools that read them."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from croniter import croniter

from tests.conftest import ROOT, github_workflow_problems

DEPLOY = ROOT / "deploy"
WORKFLOW = ROOT / ".github" / "workflows" / "refresh.yml"


def test_the_crontab_line_is_valid_cron_and_runs_the_refresh_script() -> None:
    jobs = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(jobs) == 1
    fields = jobs[0].split(None, 5)
    assert croniter.is_valid(" ".join(fields[:5]))
    assert "deploy/refresh.sh" in fields[5]


@pytest.mark.slow  # systemd-analyze
def test_the_systemd_units_pass_systemd_analyze(tmp_path: Path) -> None:
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(DEPLOY / "arxiv-enrich.service")
    assert service["Service"]["ExecStart"].endswith("deploy/refresh.sh")
    assert service["Service"]["Type"] == "oneshot"
    assert "SuccessExitStatus" not in service["Service"]  # non-zero means: a person looks
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
    # The units name /srv/arxiv-enrich; verify them pointed at this checkout instead.
    for unit in ("arxiv-enrich.service", "arxiv-enrich.timer"):
        text = (DEPLOY / unit).read_text().replace("/srv/arxiv-enrich", str(ROOT))
        (tmp_path / unit).write_text(text)
    verify = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(tmp_path / "arxiv-enrich.service"),
            str(tmp_path / "arxiv-enrich.timer"),
        ],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr


@pytest.mark.slow  # check-jsonschema in a process
def test_the_workflow_is_a_valid_weekly_github_workflow_that_keeps_the_cache() -> None:
    assert github_workflow_problems(WORKFLOW) == ""
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (schedule,) = workflow[True]["schedule"]  # YAML 1.1 reads the key `on` as True
    assert croniter.is_valid(schedule["cron"])
    steps = workflow["jobs"]["refresh"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == "data/cache"
    assert any("deploy/refresh.sh" in s.get("run", "") for s in steps)
    assert any("content_changed" in s.get("run", "") for s in steps)


def fake_job_layout(root: Path, code: int) -> None:
    """A copy of the job's layout whose python logs what it is asked; its run writes a
    manifest of the lists a.md and b.md (when the code is one of a run that writes) and
    exits with ``code``. ``python -c`` is the real interpreter."""
    (root / "deploy").mkdir()
    shutil.copy(DEPLOY / "refresh.sh", root / "deploy" / "refresh.sh")
    (root / "pyproject.toml").write_text("")
    (root / "data" / "raw").mkdir(parents=True)
    for name in ("a.md", "b.md"):
        (root / "data" / "raw" / name).write_text("- [x](https://arxiv.org/abs/1503.02531)\n")
    python = root / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    manifest = '{"exit_code": %d, "lists": [{"path": "data/raw/a.md"}, {"path": "data/raw/b.md"}]}'
    python.write_text(
        "#!/usr/bin/env bash\n"
        f'[ "$1" = -c ] && exec {sys.executable} "$@"\n'
        'echo "$*" >> "$(dirname "$0")/../../calls"\n'
        f'if [ "$3" = run ]; then\n'
        f"  if [ {code} = 0 ] || [ {code} = 3 ]; then\n"
        f"    mkdir -p data/enriched && echo '{manifest % code}' > data/enriched/manifest.json\n"
        "  fi\n"
        f"  exit {code}\n"
        "fi\n"
        "exit 0\n"
    )
    python.chmod(0o755)
    (root / ".venv" / ".installed").touch()


def _refresh_with_a_run_that_exits(code: int, tmp_path: Path) -> tuple[int, list[str]]:
    """deploy/refresh.sh in a copy of the layout whose python only logs what it is asked."""
    fake_job_layout(tmp_path, code)
    done = subprocess.run(["bash", str(tmp_path / "deploy" / "refresh.sh")], capture_output=True)
    calls = (tmp_path / "calls").read_text().splitlines()
    return done.returncode, calls


@pytest.mark.slow  # deploy/refresh.sh in bash
@pytest.mark.parametrize("code", [0, 1, 2, 3, 4])
def test_the_refresh_script_exits_with_the_runs_code_and_reports_fixes_when_it_wrote(
    code: int, tmp_path: Path
) -> None:
    returned, calls = _refresh_with_a_run_that_exits(code, tmp_path)
    assert returned == (0 if code == 3 else code)  # a first partial run resumes by itself
    assert calls[0] == "-m pipeline run --pull --no-progress"
    fixes = [c for c in calls[1:] if c.startswith("-m pipeline fix")]
    assert fixes == (
        ["-m pipeline fix data/raw/a.md -q", "-m pipeline fix data/raw/b.md -q"]
        if code in (0, 3)
        else []
    )
