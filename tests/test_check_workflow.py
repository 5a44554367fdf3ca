"""deploy/check-list.yml, the pull-request check for list repositories: a valid GitHub
workflow, the same as the README's, whose script checks the lists a pull request changes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from standin import FakeArxiv
from tests.conftest import ROOT, github_workflow_problems

WORKFLOW = ROOT / "deploy" / "check-list.yml"


def _steps() -> list[dict[str, object]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps: list[dict[str, object]] = workflow["jobs"]["check"]["steps"]
    return steps


@pytest.mark.slow  # check-jsonschema in a process
def test_the_workflow_is_valid_for_github() -> None:
    assert github_workflow_problems(WORKFLOW) == ""


def test_it_runs_on_pull_requests_and_keeps_the_http_cache_it_passes_to_run() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = _steps()
    caches = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache/")]
    assert [str(s["uses"]).split("@")[0] for s in caches] == [
        "actions/cache/restore",
        "actions/cache/save",
    ]
    paths = {s["with"]["path"] for s in caches}  # type: ignore[index]
    assert len(paths) == 1
    (script,) = [str(s["run"]) for s in steps if "arxiv-enrich check" in str(s.get("run", ""))]
    cache_file = re.search(r"--cache (\S+)", script)
    assert cache_file is not None and Path(cache_file[1]).parent == Path(paths.pop())
    assert "--format github" in script


def test_the_readme_shows_the_same_workflow() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"```yaml\n{WORKFLOW.read_text()}```" in readme


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.slow  # bash, git and the pipeline in processes
def test_the_script_annotates_the_changed_list_and_fails_on_an_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    good = "- [Distilling the Knowledge in a Neural Network](https://arxiv.org/abs/1503.02531)\n"
    (repo / "README.md").write_text(f"# Awesome\n\n{good}")
    (repo / "CONTRIBUTING.md").write_text("Send pull requests.\n")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text(
        f"# Awesome\n\n{good}- [A new paper](https://arxiv.org/abs/2401.99999)\n"
    )
    (repo / "CONTRIBUTING.md").write_text("Send pull requests, please.\n")  # not a list
    _git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qam", "pr")

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # The installed command, paced for the stand-in: against arXiv the script keeps the
    # default delay of 3 s, which here would only add 6 s of waiting.
    (bin_dir / "arxiv-enrich").write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = run ]; then set -- "$@" --delay 0.01; fi\n'
        f'exec {sys.executable} -m pipeline "$@"\n'
    )
    (bin_dir / "arxiv-enrich").chmod(0o755)
    (script,) = [str(s["run"]) for s in _steps() if "arxiv-enrich check" in str(s.get("run", ""))]
    with FakeArxiv() as api:
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "PATH": f"{bin_dir}:{os.environ['PATH']}",
                "PYTHONPATH": str(ROOT),
                "ARXIV_API_URL": api.url,
                "LISTS": "README.md",
                "BASE_SHA": base,
            },
        )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("wrote 1 paper and 2 entries")  # run's summary
    assert lines[1:] == [
        "::error file=README.md,line=4,title=not_found::arXiv has no paper 2401.99999; "
        "check the id or link",
        "1 finding in 1 list: 1 error (not_found 1)",
    ]
    assert (repo / ".arxiv-enrich" / "cache" / "arxiv-http.sqlite").is_file()
    # A pull request that changes no list: nothing to ask, nothing to say.
    quiet = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "LISTS": "README.md",
            "BASE_SHA": _git(repo, "rev-parse", "HEAD"),
        },
    )
    assert (quiet.returncode, quiet.stdout) == (0, "no list changed\n")
