"""A lost list marker, restored: what a line should start with to be a list item again.

The reader records two ways a list item loses its marker (``defects`` of entries.parquet):
``no_space_marker``, a marker glued to the text (``-[Title](...)``, which Markdown reads
as text), and ``missing_list_marker``, a line without one that continues the item above
it. Each is fixed by changing how the line starts, and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A list item's first line: indentation, `-`, `*`, `+` or `1.`/`1)`, its spacing, text.
_ITEM = re.compile(
    r"(?P<indent>[ \t]*)(?P<marker>[-*+]|(?P<number>\d{1,9})(?P<delim>[.)]))(?P<space>[ \t]+)\S"
)
# The reader's own test of a glued marker (walk._NO_SPACE_MARKER), after any indentation.
_GLUED = re.compile(r"[ \t]*[-*+](?=\[|\*\*|__)")


def line_at(lines: Sequence[str], number: int) -> str:
    """Line ``number`` (1-based) of ``lines`` without its carriage return; "" past the end."""
    return lines[number - 1].removesuffix("\r") if 1 <= number <= len(lines) else ""


def restore_marker(
    lines: Sequence[str], number: int, defects: Sequence[str]
) -> tuple[str, str] | None:
    """(how line ``number`` starts, what it should start with), or None.

    ``-[`` gets its space; a line that lost its marker gets the marker, indentation and
    spacing of the item above it (the next number for an ordered list). None when the
    line has neither defect, or no item stands above it in the same block.
    """
    line = line_at(lines, number)
    if "no_space_marker" in defects and (glued := _GLUED.match(line)):
        return glued[0], glued[0] + " "
    if "missing_list_marker" not in defects:
        return None
    for above in range(number - 1, 0, -1):
        text = line_at(lines, above)
        if not text.strip():
            return None  # a blank line ends the item the line continued
        if item := _ITEM.match(text):
            marker = item["marker"]
            if item["number"]:
                marker = f"{int(item['number']) + 1}{item['delim']}"
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            return indent, item["indent"] + marker + item["space"]
    return None
