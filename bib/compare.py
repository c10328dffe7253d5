"""When two bibliographic fields say the same thing: the one definition.

Matching references to library entries (citeaudit.bib.match), CA204 (the
reference against its library entry) and CA304 (against the registry
record) all compare names, pages, titles, journals and numbers with these
functions, so a page range that is equal for one is equal for all. They
tolerate the variation real references have: diacritics and markup,
particles and double surnames, abbreviated page ranges (`62-9`), leading
zeros (`0062-69`), e-locators (`645.e1-5` = `645.e1-645.e5`, `e0152459`),
journal abbreviations, subtitles and word order.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from rapidfuzz import fuzz

from citeaudit import patterns
from citeaudit.bib import journals

TITLE_SAME = 90.0
"""Similarity (0-100) at or above which two titles are the same title."""
TITLE_UNRELATED = 50.0
"""Below this two titles do not match at all."""

_MARKUP = patterns.compile(r"<[^>]+>")
_PARTICLES = frozenset("van von der den de del della di da das dos du la le ten ter al el bin ibn mac mc o st".split())
_DASHES = patterns.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")


# The same few hundred names and titles are folded tens of thousands of times
# when every cited author is compared with every record author of a long review.
@functools.lru_cache(maxsize=16384)
def fold(text: str | None) -> str:
    """Lower case, no diacritics, no markup, punctuation as single spaces."""
    if not text:
        return ""
    text = _MARKUP.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("&", " and ").replace("ß", "ss")
    return " ".join(re.sub(r"[^\w]+|_", " ", text.lower()).split())


# -- people ---------------------------------------------------------------------------


def same_person(cited: str, family: str, given: str = "") -> bool:
    """Whether a cited family name is this author's.

    Tolerates the forms one name takes: particles (`van der Berg` =
    `Berg`), double surnames (`García López` = `García`), hyphens, spacing
    and diacritics, a name written given name first by mistake. A
    misspelling (`Flemming` for `Fleming`) is a different name: it is what
    CA204 and CA304 exist to report, and matching must not accept it. An
    empty name agrees with anything: there is nothing to contradict.
    """
    a, b = fold(cited), fold(family)
    if not a or not b:
        return True
    joined_a, joined_b = a.replace(" ", ""), b.replace(" ", "")
    if joined_a == joined_b or joined_a.endswith(joined_b) or joined_b.endswith(joined_a):
        return True
    words_a = [w for w in a.split() if w not in _PARTICLES] or a.split()
    words_b = [w for w in b.split() if w not in _PARTICLES] or b.split()
    if words_a[0] == words_b[0] or words_a[-1] == words_b[-1]:
        return True
    return bool(given) and fold(given).replace(" ", "") == joined_a


# -- pages ---------------------------------------------------------------------------


def _page(page: str) -> str:
    """One page: an article number or e-locator loses its `e` and leading zeros (`e0152459`)."""
    page = page.strip()
    if re.fullmatch(r"e?0*\d+", page):
        return page.lstrip("e").lstrip("0") or "0"
    return page


def page_range(pages: str | None) -> tuple[str, str | None] | None:
    """First and last page, the last written out in full; None when there is no page.

    `62-9` -> (`62`, `69`); `0062-69` -> (`62`, `69`); `645.e1-5` ->
    (`645.e1`, `645.e5`); `e0152459` -> (`152459`, None).
    """
    if not pages or not pages.strip():
        return None
    parts = _DASHES.split(pages.strip().rstrip(".").lower(), maxsplit=1)
    first = _page(parts[0])
    if not first:
        return None
    if len(parts) == 1 or not parts[1].strip():
        return first, None
    last = parts[1].strip()
    tail = re.search(r"\d+$", first)
    if last.isdigit() and tail and len(last) <= len(tail.group()):
        last = first[: len(first) - len(last)] + last  # 62-9, 1116-22, 645.e1-5
    return first, _page(last)


def same_pages(cited: str, other: str) -> bool:
    """The same first page, and the same last page when both give one.

    After a plain last page, a suffix (`62-69.e1`, the online supplement
    Elsevier appends) is compared by its leading number only; an e-locator
    range (`645.e1-645.e5`) is compared whole.
    """
    a, b = page_range(cited), page_range(other)
    if a is None or b is None:
        return fold(cited) == fold(other)
    if a[0] != b[0]:
        return False
    if a[1] is None or b[1] is None:
        return True
    if ".e" in a[0] or ".e" in b[0]:
        return a[1] == b[1]
    return _leading_number(a[1]) == _leading_number(b[1])


def _leading_number(page: str) -> str:
    match = re.match(r"\d+", page)
    return match.group() if match else page


# -- volume, issue -----------------------------------------------------------------------


def _number(value: str | None) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(value)).lstrip("0")


def same_number(cited: str, other: str) -> bool:
    """Volume or issue: equal ignoring zeros and punctuation, or one of a combined issue (`3-4`)."""
    a, b = _number(cited), _number(other)
    if a == b:
        return True
    parts_a = {_number(p) for p in re.split(r"[-/\u2013]", cited)}
    parts_b = {_number(p) for p in re.split(r"[-/\u2013]", other)}
    return a in parts_b or b in parts_a


# -- titles and journals ------------------------------------------------------------------


def title_similarity(a: str | None, b: str | None) -> float | None:
    """0-100, tolerant of subtitles and word order; None when either title is missing."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return None
    return max(fuzz.ratio(fa, fb), fuzz.token_set_ratio(fa, fb) if min(len(fa), len(fb)) >= 20 else 0)


_INITIALS = patterns.compile(r"(?:[\s.]+[A-Za-z](?=[\s.]|$)){2,}[\s.]*$")
"""A trailing run of initials, `U S A` / `U.S.A.`: a country qualifier full names often omit."""


def same_journal(cited: str, *names: str | None) -> bool:
    """Whether a cited journal is one of `names` (full or abbreviated, either way round).

    `Proc Natl Acad Sci U S A` is the `Proceedings of the National Academy
    of Sciences`: a trailing run of initials is dropped before comparing.
    """
    short = _INITIALS.sub("", cited).strip() or cited
    for name in names:
        if not name:
            continue
        other = _INITIALS.sub("", name).strip() or name
        if journals.same_journal(cited, name) or journals.same_journal(short, other) \
                or fuzz.ratio(fold(cited), fold(name)) >= 92:
            return True
    return False
