"""Author-year citation style, detected the same way by every reader.

A draft that cites "(Smith et al., 2020)" or "Smith and Jones (2019)",
often as hyperlinks, has no citation numbers: numeric-order checks (CA103)
and number-based uncited checks (CA102) do not apply to it, even when its
reference list happens to be numbered. Readers call `is_author_year` with
the visible text of the body (references excluded) and the number of
numeric markers they found; `citations` gives the (surname, year) pairs so
a check can tie them to reference entries; `alphabetical` tells whether a
reference list is sorted by first author (a house style, not an order of
first citation).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from citeaudit import patterns

_NAME = r"[A-Z][\w'\u2019\-]+(?:\s+(?:van|von|de|der|da|del|di|le|la)\s+[A-Z][\w'\u2019\-]+)?"
_YEAR = r"(?:19|20)\d\d[a-z]?"
_CITATION = patterns.compile(
    rf"(?P<name>{_NAME})"
    rf"(?:(?:,\s*{_NAME})*\s+(?:et\s+al\.?|and\s+{_NAME}|&\s*{_NAME}),?\s*\(?(?P<y1>{_YEAR})"  # Smith et al., 2020
    rf"|,\s+(?P<y2>{_YEAR})\b"                                   # (Smith, 2020)
    rf"|\s+\((?P<y3>{_YEAR})[;,)])"                              # Smith (2020)
)
"""One author-year citation: "Smith et al., 2020", "Smith and Jones 2019",
"Smith & Jones, 2019", "Smith, 2020" (inside parentheses), "Smith (2020)"."""

_NOT_NAMES = frozenset("""
    In On At By For From Since Until During Between After Before Of The A An And Or
    January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Spring Summer Autumn Fall Winter
    Figure Fig Table Version Volume Issue Phase Stage Type Week Year Day Since Circa
""".split())
"""Capitalised words before a year that are not authors ("In 2020", "March 2021")."""

MIN_CITATIONS = 3
"""Fewer author-year citations than this never make a draft author-year."""


def citations(text: str) -> list[tuple[str, str]]:
    """(first author's surname, year) of each author-year citation in `text`."""
    found = []
    for m in _CITATION.finditer(text):
        name = m["name"]
        year = m["y1"] or m["y2"] or m["y3"]
        if name in _NOT_NAMES:
            continue
        if m["y2"] and not _parenthesised(text, m.start()):
            continue  # "Boston, 2020" in running text is a place and a date
        found.append((name, year))
    return found


def _parenthesised(text: str, start: int) -> bool:
    """Whether `start` lies inside an open parenthesis or bracket of the same sentence."""
    window = text[max(0, start - 200):start]
    opened = max(window.rfind("("), window.rfind("["))
    closed = max(window.rfind(")"), window.rfind("]"))
    return opened > closed


def is_author_year(texts: Iterable[str], numeric_markers: int) -> bool:
    """Whether a draft cites by author and year rather than by number.

    `texts` is the body's visible text (not the reference list); `numeric_markers`
    how many numeric markers the reader found. Author-year wins when it has
    at least `MIN_CITATIONS` citations and more than the numeric markers.
    """
    count = 0
    for text in texts:
        count += len(citations(text))
    return count >= MIN_CITATIONS and count > numeric_markers


def alphabetical(entries: Sequence[str], *, share: float = 0.85) -> bool:
    """Whether reference entries are sorted by their first word (the first author's surname).

    At least `share` of adjacent pairs must be in order, and there must be
    enough entries to tell (five) with different first words; labels such as
    "12." or "[3]" are skipped.
    """
    keys = [_sort_key(entry) for entry in entries]
    keys = [key for key in keys if key]
    if len(keys) < 5 or len(set(keys)) < len(keys) / 2:
        return False  # too few to tell, or entries that all start alike ("Entry", "Anonymous")
    ordered = sum(1 for a, b in zip(keys, keys[1:], strict=False) if a <= b)
    return ordered >= share * (len(keys) - 1)


def _sort_key(entry: str) -> str:
    text = re.sub(r"^\s*(?:\[\d+\]|\(\d+\)|\d+[.)]?)\s*", "", entry)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    word = re.match(r"\W*([^\W\d_]+)", text)
    return word[1].casefold() if word else ""
