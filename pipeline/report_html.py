"""The report's HTML pieces: every text from the lists or arXiv goes through ``html.escape``
here, and only ``Markup`` (HTML built by these functions) passes through unescaped."""

from __future__ import annotations

import html
import numbers
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

import pandas as pd

_URL = re.compile(r"https?://\S+")


class Markup(str):
    """HTML made from escaped parts, put in the page as it is."""


def text(value: Any) -> Markup:
    """``value`` as escaped HTML; a URL in it may break anywhere, the words around it not."""
    if isinstance(value, Markup):
        return value
    plain = (
        "" if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) else str(value)
    )
    parts, last = [], 0
    for url in _URL.finditer(plain):
        parts += [html.escape(plain[last : url.start()]), long_token(url.group())]
        last = url.end()
    parts.append(html.escape(plain[last:]))
    return Markup("".join(parts))


def long_token(value: str) -> Markup:
    """A path, URL or id, which the page may break anywhere to fit a narrow window."""
    return Markup(f'<span class="u">{html.escape(value)}</span>')


def arxiv_link(arxiv_id: str) -> Markup:
    """A link to the paper's abstract page on arXiv, its id as the text."""
    url = "https://arxiv.org/abs/" + quote(arxiv_id, safe="/.")
    return Markup(f'<a class="u" href="{html.escape(url)}">{html.escape(arxiv_id)}</a>')


def table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], classes: Sequence[str] = ()
) -> Markup:
    """A table in a box that scrolls sideways when the window is narrower than it;
    ``classes``: the class of each column's cells (numbers are right-aligned without)."""

    def cell(value: Any, column: int) -> str:
        numeric = isinstance(value, numbers.Real) and not isinstance(value, bool)
        css = classes[column] if column < len(classes) else "n" if numeric else ""
        return f"<td{f' class={css}' if css else ''}>{text(value)}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(cell(v, i) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return Markup(f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>')


def short_names(paths: Iterable[str]) -> dict[str, str]:
    """A short name for each list file that still tells them apart: the file name, or
    when two share it, the path below the folder they all are in."""
    unique = sorted(set(paths))
    names = [PurePath(p).name for p in unique]
    if len(set(names)) < len(unique):
        try:
            top = os.path.commonpath([str(PurePath(p).parent) for p in unique])
        except ValueError:  # absolute and relative paths: no folder holds them all
            top = ""
        names = [os.path.relpath(p, top) if top else p for p in unique]
    return dict(zip(unique, names, strict=True))


def note(value: str) -> Markup:
    return Markup(f'<p class="note">{text(value)}</p>')
