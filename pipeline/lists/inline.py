"""The inline text of an entry as segments: plain text, links, code spans and breaks.

Most lines of a list are plain words and `[title](url)` links. For those, markdown-it's
inline parser (a Python loop over every character) is replaced by one regular expression
that accepts only text whose reading cannot differ: no emphasis, code, HTML, entity or
escape characters, links whose label and destination hold nothing markdown-it would read
further, brackets that are not followed by a parenthesis. Anything else is left to
markdown-it. ``simple_segments`` and ``segments`` agree wherever the first answers (the
tests hold them to it).
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from markdown_it.common.normalize_url import validateLink
from markdown_it.token import Token

SegKind = Literal["text", "link", "code", "sep"]

_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)

# Characters that start no inline rule of the CommonMark preset, or only one that cannot
# match here (`!` not before `[`; `]` with no `[` open). Tabs and line ends are left out.
_TEXT = r"[^\\`*_<&\[!\n\r\t]"
# A link label: inside it markdown-it runs the inline rules again, so the same characters,
# no brackets (a label ends at its first `]`).
_LABEL = r"[^\\`*_<&\[\]\n\r\t]*"
# A destination as `parseLinkDestination` reads it: no spaces, controls or parentheses,
# no `<` (another form), `\` or `&` (unescaped or decoded in the href).
_DEST = r"[^\x00-\x20\x7f()<>\\&]+"
_LINK = rf"\[{_LABEL}\]\({_DEST}\)"
# Text is also a bracket not followed by a parenthesis (`[J]`, a reference with no
# definition), and a bracket opened right before a link (`[[paper](url)]`: a link
# cannot hold one).
_PIECES = re.compile(
    rf"""
    \[(?P<label>{_LABEL})\]\((?P<href>{_DEST})\)
    | (?P<text>(?:{_TEXT}+|!(?!\[)|\[{_LABEL}\](?!\()|\[(?={_LINK}))+)
    """,
    re.VERBOSE,
)


class Seg(NamedTuple):
    """One piece of an entry's inline text: plain text, a link, a code span or a break.

    A named tuple: an entry has a few, and a list a hundred thousand entries.
    """

    kind: SegKind
    text: str
    href: str = ""
    strong: bool = False
    emphasis: bool = False


def simple_segments(content: str) -> list[Seg] | None:
    """The segments of ``content`` when it is plain text and plain links, else None.

    ``content`` is the text of an inline token (one line, trimmed as markdown-it trims).
    """
    out: list[Seg] = []
    pos = 0
    for m in _PIECES.finditer(content):
        if m.start() != pos:
            return None
        pos = m.end()
        text = m["text"]
        if text is not None:
            out.append(Seg("text", text))
            continue
        href = m["href"]
        if not validateLink(href):
            return None  # markdown-it reads `[x](javascript:...)` as text
        out.append(Seg("link", m["label"], href))
    return out if pos == len(content) else None


def segments(token: Token) -> list[Seg]:
    """The inline children of ``token`` as segments, links with their plain text."""
    out: list[Seg] = []
    strong = emphasis = 0
    link: list[str] | None = None
    href = ""
    for child in token.children or []:
        kind = child.type
        if kind == "text" or (kind == "html_inline" and link is not None):
            if link is not None:
                link.append(child.content)
            else:
                out.append(Seg("text", child.content, "", strong > 0, emphasis > 0))
        elif kind == "code_inline":
            if link is not None:
                link.append(child.content)
            else:
                out.append(Seg("code", child.content, "", strong > 0))
        elif kind in ("softbreak", "hardbreak"):
            if link is not None:
                link.append(" ")
            else:
                out.append(Seg("sep", "\n" if kind == "softbreak" else " "))
        elif kind == "html_inline":
            if _BREAK_TAG.fullmatch(child.content.strip()):
                out.append(Seg("sep", " "))
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        elif kind == "em_open":
            emphasis += 1
        elif kind == "em_close":
            emphasis -= 1
        elif kind == "link_open":
            link, href = [], str(child.attrs.get("href", ""))
        elif kind == "link_close" and link is not None:
            out.append(Seg("link", "".join(link), href, strong > 0))
            link = None
    return out
