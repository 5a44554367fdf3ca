"""The arXiv identifier grammar: find ids in text, normalize, repair and validate them.

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):

* new style, ``YYMM.NNNN`` from 0704 to 1412 and ``YYMM.NNNNN`` from 1501 on;
* old style, ``archive/YYMMNNN`` or ``archive.SC/YYMMNNN`` (up to 0703), where the
  subject class ``.SC`` is not part of the identity: ``math.AG/0309136`` is ``math/0309136``.

Both may carry a version suffix ``vN``. This module knows nothing of Markdown or HTTP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, cast

from pipeline.records import record
from pipeline.text import remembered

# Archives that had old-style identifiers (the subject-class suffix is optional).
OLD_ARCHIVES = frozenset(
    """
    acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg
    comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph
    mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio q-fin quant-ph
    solv-int stat supr-con
    """.split()
)

# Loose shapes, so that broken ids are found too and can be repaired or rejected.
_NEW_LOOSE = r"\d{4}\.\d{3,6}"
_OLD_LOOSE = r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]{2})?/\d{5,8}"
_ID_LOOSE = rf"(?:{_NEW_LOOSE}|{_OLD_LOOSE})(?:v\d+)?"

# Where ids stand in the wild: links to arxiv.org, `arXiv:ID` text, the DataCite DOI.
_FORMS_PATTERN = rf"""
    (?<![\w-])  # not part of another host name (myarxiv.org)
    (?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/(?P<url>{_ID_LOOSE})
    | 10\.48550/arxiv\.(?P<doi>{_ID_LOOSE})
    | arxiv:\s?(?P<text>{_ID_LOOSE})
    """
_FORMS_FLAGS = re.IGNORECASE | re.VERBOSE
# The lookahead holds the first letter of every form: a quick way past other text.
_FORMS = re.compile(rf"(?=[hwea1])(?:{_FORMS_PATTERN})", _FORMS_FLAGS)
# Every form holds `arxiv` (in the same case-blind sense), at most this far from its start
# (`https://export.arxiv.org/`): a text without it holds no id, and no id starts earlier.
_HINT = re.compile("arxiv", re.IGNORECASE)
_MAX_LEAD = len("https://export.")

_NEW = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d+)(?:v(?P<v>\d+))?")
_OLD = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<sc>[A-Za-z]{2}))?/(?P<yymm>\d{4})(?P<num>\d+)"
    r"(?:v(?P<v>\d+))?"
)

_VERSION_SUFFIX = re.compile(r"v\d+$")

IdForm = Literal["url", "doi", "text"]


@dataclass(frozen=True, order=True)
class ArxivId:
    """A valid arXiv identifier without its version, plus the version if one was given."""

    base: str
    version: int | None = None

    def __str__(self) -> str:
        return self.base if self.version is None else f"{self.base}v{self.version}"


@record
class ParsedId:
    """The outcome of reading one id as written: a valid id, or the reason it is not one.

    ``fix`` describes a repair that was applied (``"1404.00736 -> 1404.0736"``).
    """

    raw: str
    id: ArxivId | None
    fix: str | None = None
    error: str | None = None


@record
class FoundId:
    """An id found in a piece of text, with where it stood."""

    parsed: ParsedId
    form: IdForm
    start: int
    end: int


CANONICAL_ID = re.compile(
    r"(?:1[5-9]|[2-9][0-9])(?:0[1-9]|1[0-2])\.[0-9]{5}(?:v([1-9][0-9]*))?", re.ASCII
)
"""A new-style id from 1501 on, with its version (group 1) or not: nearly every id a list
writes or arXiv answers, valid as written."""


def _new_style_digits(yymm: str) -> int:
    """How many digits follow the dot for a new-style id of month ``yymm``."""
    return 4 if yymm <= "1412" else 5


def _valid_month(yymm: str) -> bool:
    return 1 <= int(yymm[2:]) <= 12


@lru_cache(maxsize=4096)
def parse_id(raw: str) -> ParsedId:
    """Read one identifier as written, repairing the known mistakes.

    A pre-2015 id padded to five digits (``1404.00736``) is repaired to ``1404.0736``;
    anything else that cannot exist (``0808.15394``, ``1503.02531v0``) is returned with
    ``error`` set and no id.
    """
    if canonical := CANONICAL_ID.fullmatch(raw):
        version = canonical[1]
        return ParsedId(raw, ArxivId(raw[:10], int(version)) if version else ArxivId(raw))
    text = raw.strip()
    if m := _NEW.fullmatch(text):
        yymm, num = m["yymm"], m["num"]
        version = int(m["v"]) if m["v"] else None
        if not _valid_month(yymm) or yymm < "0704":
            return ParsedId(raw, None, error=f"no arXiv month {yymm[:2]}/{yymm[2:]}")
        want = _new_style_digits(yymm)
        fix = None
        # Pre-2015 ids are often written padded to the five digits of 2015 on.
        if want == 4 and len(num) == 5 and num.startswith("0"):
            fix = f"{yymm}.{num} -> {yymm}.{num[1:]}"
            num = num[1:]
        if len(num) != want:
            return ParsedId(raw, None, error=f"ids of {yymm} have {want} digits after the dot")
        if version is not None and version < 1:
            return ParsedId(raw, None, error="versions start at v1")
        # As written when nothing was cut: one string for both, kept once per entry.
        base = text if fix is None and version is None else f"{yymm}.{num}"
        return ParsedId(raw, ArxivId(base, version), fix=fix)
    if m := _OLD.fullmatch(text):
        archive, yymm, num = m["archive"].lower(), m["yymm"], m["num"]
        version = int(m["v"]) if m["v"] else None
        if archive not in OLD_ARCHIVES:
            return ParsedId(raw, None, error=f"unknown arXiv archive {archive!r}")
        if len(num) != 3:
            return ParsedId(raw, None, error="old-style ids have 7 digits")
        if not _valid_month(yymm) or not (yymm >= "9108" or yymm <= "0703"):
            return ParsedId(raw, None, error=f"no old-style arXiv month {yymm}")
        if version is not None and version < 1:
            return ParsedId(raw, None, error="versions start at v1")
        return ParsedId(raw, ArxivId(f"{archive}/{yymm}{num}", version))
    return ParsedId(raw, None, error=f"not an arXiv id: {raw!r}")


def find_ids(text: str) -> list[FoundId]:
    """Every arXiv id in ``text`` (links, ``arXiv:ID``, the 10.48550 DOI), in order."""
    return list(found_ids(text))


@remembered(maxsize=4096)
def found_ids(text: str) -> tuple[FoundId, ...]:
    """``find_ids``, remembered: an entry's text and links are searched more than once."""
    hint = _HINT.search(text)
    if hint is None:
        return ()
    found = []
    for m in _FORMS.finditer(text, max(0, hint.start() - _MAX_LEAD)):
        # Each form is one alternative of the pattern with one group, named for the form.
        form = cast(IdForm, m.lastgroup)
        start, end = m.span(form)
        found.append(FoundId(parse_id(m[form]), form, start, end))
    return tuple(found)


def is_valid(raw: str) -> bool:
    """True when ``raw`` is a valid id exactly as written (no repair needed)."""
    parsed = parse_id(raw)
    return parsed.id is not None and parsed.fix is None


def unversioned(arxiv_id: str) -> str:
    """``1412.6550v2`` -> ``1412.6550`` (any id, valid or not, as text)."""
    return _VERSION_SUFFIX.sub("", arxiv_id.strip())


def short_id_from_entry_url(entry_id: str) -> ArxivId:
    """The id of an API answer's ``<id>`` (``http://arxiv.org/abs/1404.0736v2``)."""
    short = entry_id.split("arxiv.org/abs/")[-1]
    parsed = parse_id(short)
    if parsed.id is None:
        raise ValueError(f"the API answered an entry with an unreadable id: {entry_id!r}")
    return parsed.id
