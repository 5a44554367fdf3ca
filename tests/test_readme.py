"""The README documents every command and option the command line has."""

from __future__ import annotations

import argparse
import re

from pipeline.cli import build_parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def test_the_two_set_up_commands_are_named() -> None:
    assert "make run" in README and "make test" in README


def test_every_command_and_option_is_documented() -> None:
    commands = _subcommands()
    assert set(commands) == {
        "run",
        "fix",
        "pull",
        "cache",
        "report",
        "schema",
        "export",
        "check",
        "status",
    }
    for name, sub in commands.items():
        assert f"`{name}" in README, f"command {name} is not in the README"
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert re.search(rf"{option}\b", README), f"{name} {option} is not documented"
