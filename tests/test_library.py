"""The public library API: what the README shows runs as written."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import shutil
from pathlib import Path

import pipeline
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_public_names_are_importable_and_documented() -> None:
    for name in ("run", "RunConfig", "RunResult", "fix_list", "pull_list"):
        value = getattr(pipeline, name)
        assert value.__doc__, f"pipeline.{name} has no docstring"
    assert set(pipeline.__all__) >= {"run", "RunConfig", "RunResult", "fix_list", "pull_list"}


def test_every_field_of_the_public_records_is_documented() -> None:
    import ast
    import inspect

    for record in (pipeline.RunConfig, pipeline.RunResult):
        tree = ast.parse(inspect.getsource(record))
        body = tree.body[0].body  # type: ignore[attr-defined]
        documented = {
            node.target.id
            for node, after in itertools.pairwise(body)
            if isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
        }
        fields = set(record.__dataclass_fields__)
        assert fields <= documented, f"{record.__name__}: {fields - documented} undocumented"


def test_the_readme_library_example_runs(tmp_path: Path) -> None:
    section = README[README.index("### As a library") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    (tmp_path / "data" / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "data/raw/awesome-model-compression.md", tmp_path / "data/raw")
    printed = io.StringIO()
    with contextlib.chdir(tmp_path), contextlib.redirect_stdout(printed):
        exec(compile(code.group(1), "README.md", "exec"), {})
    first, second = printed.getvalue().splitlines()
    assert first == "OK 67"
    assert second.startswith("wrote 67 papers and 71 entries")
    assert (tmp_path / "data/enriched/library-example/papers.parquet").is_file()
