"""The README's recipes for analysts run as written, over a dataset from a real run.

The recipes are the ```python blocks under "## For analysts" in README.md. Each runs in a
fresh interpreter whose working directory holds ``data/enriched/``, as a reader who copies
it into a shell at the repository's root would run it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from standin import FakeArxiv
from tests.conftest import ROOT, cli, fast_run_args

HEADING = "## For analysts"
README = ROOT / "README.md"


def python_blocks(markdown: str) -> list[str] | None:
    """The ```python blocks of the HEADING section, or None when there is no such section."""
    blocks: list[str] = []
    in_section, fence, block = False, None, list[str]()
    for line in markdown.splitlines():
        if fence is not None:  # inside a code block, where "# " starts a comment
            if line.strip() == "```":
                if in_section and fence == "python":
                    blocks.append("\n".join(block) + "\n")
                fence, block = None, []
            else:
                block.append(line)
        elif line.startswith("```"):
            fence = line[3:].strip()
        elif line.startswith(("# ", "## ")):
            if in_section:
                break
            in_section = line.strip() == HEADING
    return blocks if in_section else None


def analyst_recipes() -> list[str]:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks is not None, f"no '{HEADING}' section in {README}"
    return blocks


def test_block_extraction_keeps_to_the_section() -> None:
    text = (
        "# T\n```python\nprint('before')\n```\n"
        f"{HEADING}\n```python\n# a comment, not a heading\nprint(1)\n```\n```sh\nls\n```\n"
        "## Next\n```python\nprint('after')\n```\n"
    )
    assert python_blocks(text) == ["# a comment, not a heading\nprint(1)\n"]
    assert python_blocks("# T\n## Other\n") is None


@pytest.mark.slow  # each recipe in a fresh interpreter
def test_recipes_run_and_print(arxiv_api: FakeArxiv, seed_list: Path, tmp_path: Path) -> None:
    recipes = analyst_recipes()
    assert len(recipes) >= 3, "expected at least three recipes"
    root = tmp_path / "analyst"
    result = cli(
        fast_run_args(arxiv_api, root / "data" / "enriched", tmp_path / "cache.sqlite", seed_list)
    )
    assert result.returncode == 0, result.stderr

    for number, code in enumerate(recipes, 1):
        script = tmp_path / f"recipe{number}.py"
        script.write_text(code, encoding="utf-8")
        ran = subprocess.run(
            [sys.executable, str(script)], cwd=root, capture_output=True, text=True, timeout=120
        )
        where = f"recipe {number} of the README:\n{code}"
        assert ran.returncode == 0, f"{where}\nfailed:\n{ran.stderr}"
        assert ran.stdout.strip(), f"{where}\nprinted nothing"
