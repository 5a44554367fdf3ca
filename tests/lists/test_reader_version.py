"""The reader's fingerprint covers all of its code: a list is read again when any of the
code that reads it changes."""

from __future__ import annotations

import ast
from pathlib import Path

from pipeline.lists import load
from tests.conftest import ROOT


def imported_modules(path: Path) -> set[Path]:
    """The project's modules ``path`` imports, and theirs, ``path`` included."""
    seen: set[Path] = set()
    todo = [path]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline."):
                found = ROOT / (node.module or "").replace(".", "/")
                todo += [p for p in (found.with_suffix(".py"), found / "__init__.py") if p.exists()]
    return seen


def test_every_module_of_the_reader_is_fingerprinted() -> None:
    reader = imported_modules(ROOT / "pipeline" / "lists" / "read.py")
    assert reader <= {path.resolve() for path in load._READER_SOURCES}
