"""Every run setting is declared once: the config, the command line and the README agree."""

from __future__ import annotations

import argparse
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.cli import build_parser
from pipeline.config import RunConfig, tunings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _run_options() -> dict[str, argparse.Action]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    run_parser = commands.choices["run"]
    return {o: a for a in run_parser._actions for o in a.option_strings}


def test_each_tuning_has_its_readme_row_word_for_word() -> None:
    for _, tuning in tunings():
        row = f"| `{tuning.option} {tuning.metavar}` | `{tuning.default_text()}` | {tuning.help} |"
        assert row in README, f"README's option table lacks or differs for {tuning.option}"


def test_the_command_line_offers_each_tuning_with_its_default_and_help() -> None:
    options = _run_options()
    for _, tuning in tunings():
        action = options[tuning.option]
        assert action.default == tuning.default
        assert action.help is not None and tuning.help in action.help
        assert f"default: {tuning.default_text()}" in action.help


def test_config_defaults_are_the_declared_ones() -> None:
    config = RunConfig(lists=(Path("x.md"),))
    declared = dict(tunings())
    assert config.delay == declared["delay"].default == 3.0
    assert config.batch_size == 0  # as many ids as fit in a GET URL
    assert config.max_age == timedelta(days=7)
    assert {f.name for f in fields(RunConfig) if "tuning" in f.metadata} == set(declared)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--delay", "-1"), ("--batch-size", "2001"), ("--max-retries", "1.5"), ("--timeout", "nan")],
)
def test_values_outside_the_declared_bounds_are_usage_errors(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["run", option, value])
    assert stop.value.code == 2
    assert option in capsys.readouterr().err


def test_a_delay_below_arxivs_terms_is_warned_of_only_against_arxiv() -> None:
    fast = RunConfig(lists=(), delay=0.5)
    (warning,) = fast.warnings()
    assert "--delay 0.5 is below the 3 s" in warning
    assert RunConfig(lists=(), delay=3.0).warnings() == []
    assert (
        RunConfig(lists=(), delay=0.0, api_url="http://127.0.0.1:8000/api/query").warnings() == []
    )
