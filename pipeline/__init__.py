"""arxiv-enrich: an awesome list of papers in, an enriched arXiv dataset out.

The library's public API::

    from pipeline import run, RunConfig, RunResult, fix_list, pull_list

Each name is imported when first used, so that ``import pipeline`` (and the command
line's ``--version``) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pipeline.config import RunConfig
    from pipeline.lists.fix import fix_list_file as fix_list
    from pipeline.lists.pull import pull_list
    from pipeline.refresh import RunResult, run

__all__ = ["RunConfig", "RunResult", "__version__", "fix_list", "pull_list", "run"]

_PUBLIC = {
    "run": ("pipeline.refresh", "run"),
    "RunResult": ("pipeline.refresh", "RunResult"),
    "RunConfig": ("pipeline.config", "RunConfig"),
    "fix_list": ("pipeline.lists.fix", "fix_list_file"),
    "pull_list": ("pipeline.lists.pull", "pull_list"),
}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    return getattr(importlib.import_module(module), attribute)
