"""The report shows tags and names as text: dollar signs are not maths."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report import _bar_png


@pytest.mark.parametrize("label", ["$x^$", r"$\nosuchcommand$", "from $5 to $", "$x$"])
def test_a_dollar_in_a_label_is_drawn_as_text(label: str) -> None:
    png = _bar_png(pd.Series({label: 3, "plain": 1}), "tags", "papers", horizontal=True)
    assert png.startswith(b"\x89PNG")
