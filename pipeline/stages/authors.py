"""Checking a list's author names and titles against arXiv's.

Names are compared after normalization (Unicode NFKD without combining marks, casefolded,
punctuation and hyphens read as spaces), so that ``Dollár``/``Dollar`` or
``Carreira-Perpiñán``/``Carreira Perpinan`` are spelling conventions, not errors. The
entry's names are aligned with arXiv's by similarity first and position second, so a
swapped, dropped or extra author does not shift every later name into a false mismatch.

Each difference gets a kind (``pipeline.store.schema.AUTHOR_KINDS``) and an action. Only a
``misspelling`` is marked ``fix``: the other kinds are either not errors (initials, name
order) or need a person to decide (a different name may be a person who changed name).
Pure functions: nothing here touches the network or the disk.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from pipeline.ids import find_ids
from pipeline.records import Entry, NameAction, NameCheck, NameKind, Paper

# A name pair at least this similar (rapidfuzz ratio, 0-100) may be aligned across
# positions; below it only names at the same position or with the same surname pair up.
# Co-authors of one paper score at most 75 (Song Han/Song Yao; median 31 over the 1,230
# pairs of the first list's papers), while one slip in a name scores 85-97.
PAIR_MIN = 80.0

# A token must be this long for a one-letter change in it to count as a typo: on shorter
# tokens one letter is often the difference between two real names (Jian/Jin, Yu/Yi, Li/Lu).
TYPO_MIN_TOKEN = 5

# best_title_match accepts a candidate at this title similarity or more. Normalization
# already removes case, spacing, punctuation, TeX and accents, so the same title scores
# 100; 95 still admits a typo or a plural in a title of 40+ letters, and rejects a title
# that lost or gained a word of more than a few letters.
TITLE_MATCH_MIN = 95.0

# Particles between given name and surname that lists write, drop or glue inconsistently.
PARTICLES = frozenset("van von der den de del della di da dos das du la le ter ten zu".split())

# Link texts that stand for the link, not the paper's title (``Title. [[pdf]](...)``).
LINK_WORDS = frozenset(
    ["pdf", "arxiv", "paper", "link", "abs", "abstract", "here", "url", "html", "preprint"]
)

# Letters NFKD does not decompose into a base letter plus a combining mark.
_LETTERS = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"}
)
_NON_WORD = re.compile(r"[\W_]+")
_TEX_SYMBOLS = {"times": "x", "cdot": " ", "ldots": " ", "dots": " "}
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_DIGITS = re.compile(r"\d+")
_ROMAN = frozenset("ii iii iv vi vii viii ix".split())


def normalize(text: str) -> str:
    """Casefolded, accents and punctuation removed, single spaces: ``Dollár`` -> ``dollar``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain).split())


@lru_cache(maxsize=8192)
def _tokens(name: str) -> tuple[str, ...]:
    return tuple(normalize(name).split())


def _without_particles(tokens: Sequence[str]) -> tuple[str, ...]:
    # Only inner tokens: a first or last "Le" or "Da" is a given name or surname.
    return tuple(
        t for i, t in enumerate(tokens) if not (0 < i < len(tokens) - 1 and t in PARTICLES)
    )


def _is_initial_of(short: str, full: str) -> bool:
    return len(short) == 1 and full.startswith(short)


def _given_names_compatible(a: Sequence[str], b: Sequence[str]) -> bool:
    """Every given name of the shorter list stands, in order, in the longer one (or its
    initial does): ``Y.``/``Yann``, ``Forrest``/``Forrest N.``, ``A. J. Han``/``Han``."""
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    rest = iter(longer)
    return all(
        any(s == t or _is_initial_of(s, t) or _is_initial_of(t, s) for t in rest) for s in shorter
    )


def _same_with_initials(a: Sequence[str], b: Sequence[str]) -> bool:
    """Same surname, given names that differ only by initials or omitted middle names."""
    if not a or not b:
        return False
    # Also try the surname-first order (``Zhang X.`` for ``Xiangyu Zhang``).
    for x, y in ((a, b), ((*a[1:], a[0]), b), (a, (*b[1:], b[0]))):
        if x[-1] == y[-1] and _given_names_compatible(x[:-1], y[:-1]):
            return True
    return False


def _lost_first_letter(listed: str, on_arxiv: str) -> bool:
    """``driana Romero`` for ``Adriana Romero``: the item's first character was cut off.

    A name written with a lowercase first letter is the tell; it makes the change safe
    to call a typo even when the token is short (``ohn`` for ``John``).
    """
    listed_key = "".join(_tokens(listed))
    return listed[:1].islower() and listed_key == "".join(_tokens(on_arxiv))[1:]


def _is_typo(a: Sequence[str], b: Sequence[str]) -> bool:
    """One dropped, doubled, swapped or wrong letter in one token long enough for that
    to be a slip rather than another name."""
    if len(a) != len(b):
        return False
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(differing) != 1:
        return False
    x, y = differing[0]
    return OSA.distance(x, y) == 1 and max(len(x), len(y)) >= TYPO_MIN_TOKEN


def classify_names(listed: str, on_arxiv: str) -> NameKind | None:
    """The kind of difference between two names of the same author slot, None if equal."""
    if listed == on_arxiv:
        return None
    a, b = _tokens(listed), _tokens(on_arxiv)
    if (
        "".join(a) == "".join(b)
        or "".join(_without_particles(a)) == "".join(_without_particles(b))
        or Counter(a) == Counter(b)
    ):
        return "case_spacing_diacritics"
    if _same_with_initials(a, b):
        return "initials"
    if _lost_first_letter(listed, on_arxiv) or _is_typo(a, b):
        return "misspelling"
    return "different_name"


def name_similarity(listed: str, on_arxiv: str) -> float:
    """rapidfuzz ratio (0-100) of the normalized names."""
    return round(float(fuzz.ratio(normalize(listed), normalize(on_arxiv))), 1)


def _affinity(listed: str, on_arxiv: str) -> float:
    """How likely two names are the same author slot: 100 for the same person."""
    if classify_names(listed, on_arxiv) in (None, "case_spacing_diacritics", "initials"):
        return 100.0
    return float(fuzz.ratio(normalize(listed), normalize(on_arxiv)))


def align(listed: Sequence[str], on_arxiv: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Pairs of indices (list, arXiv); None on one side for an author the other lacks.

    Identical names first, then best similarity, the smaller shift of position breaking
    ties; names left over pair up when they sit at the same position or share a surname
    (``Emily Denton`` and ``Remi Denton``), since a wrong name in an author's slot is
    still that slot.
    """
    pairs: dict[int, int] = {}
    used: set[int] = set()
    # Identical names pair without scoring: papers with hundreds of authors stay cheap.
    positions: dict[str, list[int]] = {}
    for j, other in enumerate(on_arxiv):
        positions.setdefault(other, []).append(j)
    for i, name in enumerate(listed):
        free = [j for j in positions.get(name, ()) if j not in used]
        if free:
            pairs[i] = min(free, key=lambda j: abs(i - j))
            used.add(pairs[i])

    scored = sorted(
        (-_affinity(name, other), abs(i - j), i, j)
        for i, name in enumerate(listed)
        if i not in pairs
        for j, other in enumerate(on_arxiv)
        if j not in used
    )
    for negative_score, _, i, j in scored:
        if -negative_score < PAIR_MIN:
            break
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    for i, name in enumerate(listed):
        if i in pairs:
            continue
        surname = _tokens(name)[-1:]
        for j, other in enumerate(on_arxiv):
            if j not in used and (i == j or (surname and _tokens(other)[-1:] == surname)):
                pairs[i] = j
                used.add(j)
                break
    result: list[tuple[int | None, int | None]] = [(i, j) for i, j in pairs.items()]
    result += [(i, None) for i in range(len(listed)) if i not in pairs]
    result += [(None, j) for j in range(len(on_arxiv)) if j not in used]
    return result


def title_similarity(listed: str, on_arxiv: str) -> float:
    """Similarity (0-100) of two titles, blind to case, spacing, punctuation, TeX, accents."""
    return round(float(fuzz.ratio(_title_key(listed), _title_key(on_arxiv))), 1)


def _detex(text: str) -> str:
    def command(m: re.Match[str]) -> str:
        return _TEX_SYMBOLS.get(m[1], "")

    return _TEX_COMMAND.sub(command, text)


def _title_words(title: str) -> list[str]:
    return normalize(_detex(title)).split()


def _title_key(title: str) -> str:
    return "".join(_title_words(title))


def _names_the_paper(link_text: str) -> bool:
    """False for link text that names the link, not the paper: ``[pdf]``, ``[arXiv:ID]``."""
    return normalize(link_text) not in LINK_WORDS and not find_ids(link_text)


def _numbers(title: str) -> Counter[str]:
    """Numbers and roman numerals: ``Part I``/``Part II`` must not pass for one title."""
    words = _title_words(title)
    return Counter([*_DIGITS.findall("".join(words)), *(w for w in words if w in _ROMAN)])


def share_a_surname(listed: Sequence[str], on_arxiv: Sequence[str]) -> bool:
    listed_tokens = [_tokens(n) for n in listed]
    arxiv_tokens = [_tokens(n) for n in on_arxiv]
    listed_surnames = {t[-1] for t in listed_tokens if t}
    arxiv_surnames = {t[-1] for t in arxiv_tokens if t}
    # Every token on the other side, so that a surname-first name still counts.
    listed_words = {w for t in listed_tokens for w in t if len(w) > 1}
    arxiv_words = {w for t in arxiv_tokens for w in t if len(w) > 1}
    return bool(listed_surnames & arxiv_words or arxiv_surnames & listed_words)


def best_title_match(
    title: str, listed_authors: Sequence[str], candidates: Sequence[Paper]
) -> tuple[Paper, float] | None:
    """The candidate that is convincingly the entry's paper, with its title similarity.

    Convincing: titles at least TITLE_MATCH_MIN similar with the same numbers, and, when
    the entry names authors, at least one surname in common with arXiv's.
    """
    best: tuple[Paper, float] | None = None
    for paper in candidates:
        score = title_similarity(title, paper.title)
        if (
            score >= TITLE_MATCH_MIN
            and _numbers(title) == _numbers(paper.title)
            and (not listed_authors or share_a_surname(listed_authors, paper.authors))
            and (best is None or score > best[1])
        ):
            best = (paper, score)
    return best


def check_entry(entry: Entry, paper: Paper) -> list[NameCheck]:
    """Every difference between an entry and arXiv's record of the paper it cites.

    Exact matches give no row; an entry without written authors gives no author rows;
    with ``et al.`` the authors arXiv has after the last one the list names are not missing.
    """

    def row(
        position: int | None,
        listed: str | None,
        on_arxiv: str | None,
        kind: NameKind,
        similarity: float,
    ) -> NameCheck:
        action: NameAction = "fix" if kind == "misspelling" else "review"
        return NameCheck(
            entry.list_file,
            entry.line,
            paper.arxiv_id,
            position,
            listed,
            on_arxiv,
            kind,
            similarity,
            action,
        )

    rows: list[NameCheck] = []
    if (
        entry.title
        and " ".join(entry.title.split()) != paper.title  # the usual case, and cheap
        and _names_the_paper(entry.title)
        and _title_key(entry.title) != _title_key(paper.title)
    ):
        score = title_similarity(entry.title, paper.title)
        rows.append(row(None, entry.title, paper.title, "title_differs", score))
    if not entry.authors or entry.authors == paper.authors:
        return rows  # no authors to check, or arXiv's exactly: the usual case, and cheap

    pairs = align(entry.authors, paper.authors)
    last_named = max((j for i, j in pairs if i is not None and j is not None), default=-1)
    author_rows: list[tuple[int, NameCheck]] = []
    for i, j in pairs:
        if i is not None and j is not None:
            listed, on_arxiv = entry.authors[i], paper.authors[j]
            kind = None if listed == on_arxiv else classify_names(listed, on_arxiv)
            if kind is not None:
                similarity = name_similarity(listed, on_arxiv)
                author_rows.append((j, row(j + 1, listed, on_arxiv, kind, similarity)))
        elif j is not None:
            if not (entry.authors_truncated and j > last_named):
                on_arxiv = paper.authors[j]
                author_rows.append((j, row(j + 1, None, on_arxiv, "missing_from_list", 0.0)))
        elif i is not None:
            listed = entry.authors[i]
            author_rows.append((i, row(i + 1, listed, None, "added_in_list", 0.0)))
    rows += [r for _, r in sorted(author_rows, key=lambda item: (item[0], item[1].kind))]
    return rows


def check_entries(pairs: Iterable[tuple[Entry, Paper]]) -> list[NameCheck]:
    """``check_entry`` over every (entry, paper) pair, in order."""
    return [check for entry, paper in pairs for check in check_entry(entry, paper)]
