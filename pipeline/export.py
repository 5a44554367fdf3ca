"""The dataset as a bibliography: one record per paper, as arXiv itself cites it.

Papers (rows of papers.parquet) become ``Citation`` records with stable, unique keys, and
the records become BibTeX (written and escaped by bibtexparser) or CSL-JSON (the item shape
Zotero, Pandoc and citeproc read). Nothing here reads or writes files.

Titles on arXiv are TeX source: a ``$...$`` span is math and is kept as it is; every other
character TeX treats specially (``& % $ # _ { } ~ ^ \\``) is escaped, and letters outside
ASCII are written as TeX accents, which every BibTeX and biber reads.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    AddEnclosingMiddleware,
    LatexEncodingMiddleware,
)
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat
from pylatexenc.latexencode import RULE_REGEX, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

Format = Literal["bibtex", "csljson"]
FORMATS: tuple[Format, ...] = ("bibtex", "csljson")

# Words a key skips, as arXiv's own keys do ("hinton2015distilling", not "hinton2015the").
_STOP_WORDS = frozenset(
    "a an the on of in for to and with from by at as via is are do does how what why when "
    "towards toward into over under beyond".split()
)
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = "bcdefghijklmnopqrstuvwxyz"


class ExportError(Exception):
    """A paper cannot be written as a citation; the message names it."""


@dataclass(frozen=True)
class Citation:
    """One paper as a bibliography record."""

    key: str
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    published: datetime
    primary_category: str
    doi: str | None
    journal: str | None

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


def _ascii_words(text: str) -> list[str]:
    """Lower-case ASCII words of ``text``, accents dropped (``Dollár`` -> ``dollar``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(folded.lower())


@dataclass(frozen=True)
class Name:
    """A person's name in BibTeX's parts: ``given von family, suffix``."""

    given: str
    particle: str
    family: str
    suffix: str

    @property
    def bibtex(self) -> str:
        """The name as BibTeX reads it: ``First von Last``, or with a suffix (``Jr.``),
        ``von Last, Jr., First`` (a comma in the first form would be misread)."""
        if not self.suffix:
            return " ".join(p for p in (self.given, self.particle, self.family) if p)
        return ", ".join(
            p
            for p in (" ".join(filter(None, (self.particle, self.family))), self.suffix, self.given)
            if p
        )


def split_name(name: str) -> Name:
    """A name as arXiv writes it (``Laurens van der Maaten``, ``John Smith, Jr.``) in parts."""
    head, _, suffix = (" ".join(name.split())).partition(",")
    try:
        parts = parse_single_name_into_parts(head, strict=False)
    except InvalidNameError:
        return Name("", "", head, suffix.strip())
    given, family = " ".join(parts.first), " ".join(parts.last)
    if not family:  # one word: that is the family name
        given, family = "", given
    return Name(given, " ".join(parts.von), family, suffix.strip())


def base_key(authors: Sequence[str], published: datetime, title: str) -> str:
    """``surnameYEARword``: the first author's family name, the year of the first version,
    the title's first word that is not a stop word, all in ASCII."""
    surname = "".join(_ascii_words(split_name(authors[0]).family)) if authors else ""
    words = [w for w in _ascii_words(title) if w not in _STOP_WORDS]
    return f"{surname or 'arxiv'}{published.year}{words[0] if words else ''}"


def _suffixes() -> Iterable[str]:
    yield from _SUFFIXES
    n = len(_SUFFIXES) + 2
    while True:
        yield str(n)
        n += 1


def citations(papers: Iterable[Mapping[str, Any]]) -> list[Citation]:
    """The papers as citations, sorted by key.

    Papers that share a key keep it in the order arXiv received them: the first one the
    bare key, the next ones ``b``, ``c``, ... appended. A list that grows keeps its keys,
    since new papers come later; a suffix never equals another paper's key.
    """
    rows = sorted(papers, key=lambda r: (r["published"], r["arxiv_id"]))
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[base_key(row["authors"] or (), row["published"], row["title"])].append(row)
    used = set(groups)
    result: list[Citation] = []
    for base, group in groups.items():
        suffixes = iter(_suffixes())
        for n, row in enumerate(group):
            key = base
            if n:
                while key in used:
                    key = base + next(suffixes)
                used.add(key)
            result.append(
                Citation(
                    key=key,
                    arxiv_id=row["arxiv_id"],
                    title=row["title"],
                    authors=tuple(row["authors"] or ()),
                    published=row["published"],
                    primary_category=row["primary_category"],
                    doi=row.get("doi") or None,
                    journal=row.get("journal_ref") or None,
                )
            )
    return sorted(result, key=lambda c: c.key)


# Values TeX reads as text: escaped. The others (url, doi, eprint) are verbatim in biblatex
# and to hyperref, and are written as they are (escaped only if a brace would break them).
_TEXT_FIELDS = ("title", "author", "journal")


def _fields(citation: Citation) -> list[tuple[str, str]]:
    values = [
        ("title", citation.title),
        ("author", " and ".join(split_name(a).bibtex for a in citation.authors)),
        ("year", str(citation.published.year)),
        ("eprint", citation.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", citation.primary_category),
        ("url", citation.url),
        ("doi", citation.doi),
        ("journal", citation.journal),
    ]
    return [(name, value) for name, value in values if value]


def _balanced(value: str) -> bool:
    """Braces nest (escaped ones aside): else the entry would swallow the next ones."""
    depth = 0
    for m in re.finditer(r"\\.|[{}]", value):
        if m[0] == "{":
            depth += 1
        elif m[0] == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _encoder(keep_math: bool) -> LatexEncodingMiddleware:
    rules: list[Any] = ["defaults"]
    if keep_math:
        # A $...$ span of TeX math, one pair at a time (bibtexparser's own rule runs from
        # the first $ to the last one, which would leave text between two spans unescaped).
        span = re.compile(r"(?<!\\)(\$[^$]*[^$\\]\$)")
        rules.insert(0, UnicodeToLatexConversionRule(rule_type=RULE_REGEX, rule=[(span, r"\1")]))
    return LatexEncodingMiddleware(encoder=UnicodeToLatexEncoder(conversion_rules=rules))


_WITH_MATH, _TEXT_ONLY = _encoder(keep_math=True), _encoder(keep_math=False)


def _encode(
    key: str, values: Mapping[str, str], encoder: LatexEncodingMiddleware
) -> dict[str, str]:
    library = encoder.transform(
        Library([Entry("misc", key, [Field(k, v) for k, v in values.items()])])
    )
    if library.failed_blocks:
        raise ExportError(f"{key}: cannot be written as BibTeX: {library.failed_blocks[0].error}")
    return {f.key: str(f.value) for f in library.entries[0].fields}


def _entry(citation: Citation) -> Entry:
    fields = dict(_fields(citation))
    text = {k: v for k, v in fields.items() if k in _TEXT_FIELDS or not _balanced(v)}
    encoded = _encode(citation.key, text, _WITH_MATH)
    if not all(map(_balanced, encoded.values())):
        # A "math" span with a stray brace is not TeX anyone can read: all text, then.
        encoded = _encode(citation.key, text, _TEXT_ONLY)
    return Entry("misc", citation.key, [Field(k, encoded.get(k, v)) for k, v in fields.items()])


def bibtex(citations: Sequence[Citation]) -> str:
    """The citations as BibTeX ``@misc`` entries, with arXiv's own fields."""
    form = BibtexFormat()  # type: ignore[no-untyped-call]
    form.indent = "  "
    form.block_separator = "\n"
    enclose = AddEnclosingMiddleware(
        default_enclosing="{", reuse_previous_enclosing=False, enclose_integers=True
    )
    library = Library([_entry(c) for c in citations])
    text: str = write_string(library, unparse_stack=[enclose], bibtex_format=form)
    return text if text.endswith("\n") else text + "\n"


def _csl_author(name: str) -> dict[str, str]:
    parts = split_name(name)
    person = {
        "family": parts.family,
        "given": parts.given,
        "non-dropping-particle": parts.particle,
        "suffix": parts.suffix,
    }
    return {k: v for k, v in person.items() if v}


def csl_item(citation: Citation) -> dict[str, Any]:
    """One citation as a CSL-JSON item: a preprint is an ``article`` published by arXiv."""
    item: dict[str, Any] = {
        "id": citation.key,
        "type": "article",
        "title": citation.title,
        "author": [_csl_author(a) for a in citation.authors],
        "issued": {
            "date-parts": [
                [citation.published.year, citation.published.month, citation.published.day]
            ]
        },
        "publisher": "arXiv",
        "number": f"arXiv:{citation.arxiv_id}",
        "URL": citation.url,
    }
    if citation.doi:
        item["DOI"] = citation.doi
    if citation.journal:
        item["container-title"] = citation.journal
    return item


def csl_json(citations: Sequence[Citation]) -> str:
    """The citations as a CSL-JSON array (UTF-8 text, names as written)."""
    return json.dumps([csl_item(c) for c in citations], ensure_ascii=False, indent=2) + "\n"


def render(papers: Iterable[Mapping[str, Any]], form: Format) -> str:
    """Papers (rows of papers.parquet) as a bibliography in ``form``."""
    cited = citations(papers)
    return bibtex(cited) if form == "bibtex" else csl_json(cited)
