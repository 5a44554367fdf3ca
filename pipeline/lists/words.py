"""The vocabulary of an entry: which words are a venue, a year, a generic link or names.

Rules for the kind of writing, not for one list: a venue is an acronym (`CVPR`, `NeurIPS`,
`ICML'17`) or a name arXiv-like lists use (`arXiv`, `CoRR`), with a year or `Workshop`
around it; names are short runs of capitalised words, initials and particles.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

_ET_AL = re.compile(r",?\s*\bet\.?\s*al\b\.?", re.IGNORECASE)
_ELLIPSIS = re.compile(r",?\s*(?:\.\.\.|…)\.?\s*$")
# The lookahead (a separator starts with a space or its first letter) only skips ahead.
_AUTHOR_SEPARATORS = re.compile(r"(?=[\s,;&a])\s*(?:,|;|\band\b|&)\s*")
_NOTE_MARKS = re.compile(r"\(\s*\\?\*[^)]*\)|\\?\*|†|‡")
# How `urlsplit` reads a URL with a scheme, in printable ASCII without spaces or brackets
# (brackets mean an IPv6 host, which it checks).
_PLAIN_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?://(?P<netloc>[^/?#]*))?(?P<path>[^?#]*)")
_NOT_PLAIN_URL = re.compile(r"[ \[\]]")
_CODE_WORD = re.compile(r"[^\s&/,+]+")
_YEAR_ALONE = re.compile(r"\(?((?:19[5-9]|20[0-4])\d)\)?")
_SHORT_YEAR_SUFFIX = re.compile(r"'\d\d$")
_VENUE_NUMBER = re.compile(r"'?\d{2,4}(?:'s)?")
# What `\d` matches `str.isdigit` accepts (it accepts superscripts too).
_DIGIT = re.compile(r"\d")

YEAR = re.compile(r"(?<![\d.])((?:19[5-9]|20[0-4])\d)(?![\d.])")
_SHORT_YEAR = re.compile(r"^'(\d\d)$|^[A-Za-z]+'(\d\d)$")
_NAMED_VENUES = frozenset(
    """arxiv corr interspeech neurips nips iclr icml cvpr iccv eccv aaai ijcai acl emnlp
    naacl coling kdd www sigir icassp bmvc wacv tpami ijcv jmlr tnnls tip tacl mlsys sysml
    isca micro hpca asplos dac iccad fpga date eurosys osdi nsdi sosp siggraph mobisys
    mobicom sensys""".split()
)
_VENUE_WORDS = frozenset(
    "workshop workshops preprint oral spotlight w findings conference journal proceedings".split()
)
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]*[A-Z][A-Za-z]*$")

GENERIC_LINK_TEXT = frozenset(
    "paper papers pdf link abs here download url html full paper fulltext arxiv article".split()
)
CODE_LINK_TEXT = frozenset(
    """code codes github gitlab torch pytorch tensorflow tf caffe caffe2 theano keras mxnet
    jax chainer paddle matlab implementation official unofficial repo repository""".split()
)
COMMENTARY_LINK_TEXT = frozenset(
    """notes note blog video videos slides slide doc docs documentation 解读 homepage bibtex
    project website talk poster supp supplementary translation zhihu 知乎 中文 reproduce
    review summary demo english chinese""".split()
)
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")
_PAPER_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "ieeexplore.ieee.org",
    "dl.acm.org",
    "link.springer.com",
    "aclweb.org",
    "aclanthology.org",
    "papers.nips.cc",
    "proceedings.neurips.cc",
    "proceedings.mlr.press",
    "openaccess.thecvf.com",
    "cv-foundation.org",
    "semanticscholar.org",
    "aaai.org",
    "ijcai.org",
    "sciencedirect.com",
    "jmlr.org",
    "doi.org",
    "ecva.net",
    "hal.inria.fr",
    "hal.science",
    "hal.archives-ouvertes.fr",
    "researchgate.net",
    "bmva.org",
)
_PARTICLES = frozenset("van von der den de del della di da la le du dos bin al el ter".split())
_NOT_NAME_WORDS = frozenset(
    """the of for with on via using to in a an from towards toward is are by as at into
    networks network neural deep learning paper survey model models""".split()
)


def words_of(text: str) -> str:
    """Lower-case text without brackets, backticks or stray punctuation around it."""
    return text.strip().strip("[]`*_ .:").lower()


@lru_cache(maxsize=1024)
def _netloc_path(url: str) -> tuple[str, str]:
    """The netloc and path of ``url`` in lower case; ValueError as ``urlsplit`` raises it.

    Remembered: an entry asks about its links several times.
    """
    url = url.strip()
    if url.isascii() and url.isprintable() and not _NOT_PLAIN_URL.search(url):
        plain = _PLAIN_URL.match(url)
        if plain:
            return (plain["netloc"] or "").lower(), plain["path"].lower()
    split = urlsplit(url)
    return split.netloc.lower(), split.path.lower()


def _parts(url: str) -> tuple[str, str]:
    """``_netloc_path``, with a URL ``urlsplit`` refuses (`http://[a`) on no host or path."""
    try:
        return _netloc_path(url)
    except ValueError:
        return "", ""


def host(url: str) -> str:
    return _parts(url)[0].removeprefix("www.")


@lru_cache(maxsize=1024)
def _under(name: str, hosts: tuple[str, ...]) -> bool:
    return any(name == h or name.endswith("." + h) for h in hosts)


def _on(url: str, hosts: tuple[str, ...]) -> bool:
    return _under(host(url), hosts)


def is_code_url(url: str) -> bool:
    """A repository on a code host (not a PDF that happens to be stored there)."""
    path = _parts(url)[1] if url else ""
    return _on(url, _CODE_HOSTS) and not path.endswith(".pdf")


def is_paper_url(url: str) -> bool:
    path = _parts(url)[1] if url else ""
    return _on(url, _PAPER_HOSTS) or path.endswith(".pdf") or "/pdf" in path


def is_code_link(text: str, url: str) -> bool:
    # Every word of the label (`and` aside) is a code word; most labels fail at the first.
    code = False
    for found in _CODE_WORD.finditer(words_of(text)):
        word = found.group()
        if word != "and":
            if word not in CODE_LINK_TEXT:
                return False
            code = True
    return code and (not is_paper_url(url) or is_code_url(url))


def is_year(text: str) -> bool:
    return bool(_YEAR_ALONE.fullmatch(text.strip()))


@lru_cache(maxsize=1024)
def year_of(text: str) -> int | None:
    """The earliest year ``text`` states (`2015`, `2019/04`, `ICML'17`), if any."""
    years = [int(y) for y in YEAR.findall(text)]
    # A short year (`'17`) has its apostrophe.
    for token in text.split() if "'" in text else ():
        short = _SHORT_YEAR.match(token.strip(".,;()[]"))
        if short:
            years.append(2000 + int(short.group(1) or short.group(2)))
    return min(years) if years else None


@lru_cache(maxsize=1024)
def is_venue(text: str) -> bool:
    """``CVPR``, ``NIPS 2015``, ``ICML'17``, ``arXiv '18``, ``NIPS 2011's workshop``..."""
    tokens = text.strip().strip(".,").split()
    if not tokens or len(tokens) > 5:
        return False
    head = _SHORT_YEAR_SUFFIX.sub("", tokens[0]) if "'" in tokens[0] else tokens[0]
    key = head.lower()
    if not (key in _NAMED_VENUES or (_ACRONYM.match(head) and len(head) <= 10)):
        return False
    dated = any(_VENUE_NUMBER.fullmatch(t.strip("()")) for t in tokens[1:])
    for token in tokens[1:]:
        t = token.strip("()").lower()
        if not (
            t in _VENUE_WORDS
            or _VENUE_NUMBER.fullmatch(t)
            or (token.isupper() and len(token) <= 10)
            or (dated and token[:1].isupper())
        ):
            return False
    return True


def _is_name(piece: str, loose: bool) -> bool:
    words = piece.split()
    if not 1 <= len(words) <= 6 or any(map(str.isdigit, piece)):
        return False
    for word in words:
        bare = word.strip(".-'’")
        if not bare:
            return False
        if bare.lower() in _PARTICLES or len(bare) == 1:
            continue
        if bare.lower() in _NOT_NAME_WORDS or not (bare[0].isupper() or loose):
            return False
    return True


@lru_cache(maxsize=256)
def clean_names(text: str) -> str:
    """Names without footnote marks (`Liu*`, `\\*`) or an `(* Equal contribution)` note."""
    if "*" in text or "†" in text or "‡" in text:
        text = _NOTE_MARKS.sub("", text)
    return " ".join(text.split())


def _without_truncation(text: str) -> str:
    """``text`` without `et al.` and a closing ellipsis."""
    # Each pattern needs its letters or dots: most names have neither.
    if "et" in text.lower():
        text = _ET_AL.sub("", text)
    if "..." in text or "…" in text:
        text = _ELLIPSIS.sub("", text)
    return text


def _truncated(text: str) -> bool:
    """Whether ``text`` has `et al.` or ends in an ellipsis."""
    return bool(
        ("et" in text.lower() and _ET_AL.search(text))
        or (("..." in text or "…" in text) and _ELLIPSIS.search(text))
    )


def looks_like_names(text: str, loose: bool = False) -> bool:
    """Whether ``text`` is a list of person (or organisation) names, `et al.` allowed.

    ``loose`` accepts names that lost their capital (`driana Romero`), for the text before
    a linked title, where nothing but names stands.
    """
    text = clean_names(text).strip()
    if not text or len(text) > 1000 or text.endswith(":"):
        return False
    text = _without_truncation(text).strip().rstrip(".,").strip()
    if not text or _DIGIT.search(text):
        # A digit stands in one of the pieces, and no name holds one (see ``_is_name``).
        return False
    pieces = [p for p in _separated(text) if p.strip()]
    if len(pieces) == 1 and len(pieces[0].split()) > 4:
        return False
    if not all(_is_name(p, loose) for p in pieces):
        return False
    if loose:
        words = text.split()
        capitalised = len([w for w in words if w[:1].isupper()])
        return capitalised >= 0.75 * len(words)
    return True


@lru_cache(maxsize=256)
def _separated(text: str) -> tuple[str, ...]:
    """``text`` split at its author separators; names are split twice, to test and to take."""
    return tuple(_AUTHOR_SEPARATORS.split(text))


def split_authors(text: str) -> tuple[tuple[str, ...], bool]:
    """The author names of ``text``, and whether it ends in et al. or an ellipsis.

    Understands ``First Last, First Last .``, ``A and B``, ``Last F, Last F, et al.`` and
    the inverted ``Last, First, Last, First`` form (every piece one word, an even count).
    """
    text = clean_names(text).strip().rstrip(":").strip()
    truncated = _truncated(text)
    text = _without_truncation(text).strip().rstrip(",.").strip()
    if not text:
        return (), truncated
    pieces = [p.strip() for p in _separated(text) if p.strip()]
    single_words = all(" " not in p for p in pieces)
    inverted = all(len(p) > 1 and not p.isupper() for p in pieces[1::2])
    if single_words and inverted and len(pieces) >= 2 and len(pieces) % 2 == 0 and "," in text:
        pieces = [f"{first} {last}" for last, first in zip(pieces[::2], pieces[1::2], strict=True)]
    return tuple(pieces), truncated


def another_list(url: str) -> bool:
    """A repository that is itself an awesome list (`owner/awesome-x`), not code."""
    try:
        path = [p for p in urlsplit(url).path.split("/") if p]
    except ValueError:
        return False  # on no host
    return len(path) == 2 and path[1].lower().startswith("awesome")
