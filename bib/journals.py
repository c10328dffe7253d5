"""Whether two journal names are the same journal, abbreviated or not.

Reference lists use NLM/ISO 4 abbreviations (`J Am Acad Dermatol`) where
libraries often keep the full title (`Journal of the American Academy of
Dermatology`). ISO 4 abbreviates a title word by word: it drops articles,
prepositions and conjunctions, and shortens each remaining word by
truncation (`Dermatol`) or contraction (`Natl` for National), so every
letter of the abbreviation appears, in order, in the word it abbreviates
and both start with the same letter. That rule, not a list of journals,
decides here; a few ISO 4 words that abbreviate to something else
(`Proc`, `Br`) are listed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOP_WORDS = frozenset(
    "a an the of and for in on at to from with by de des du la le les et der die das und fur "
    "für y e di del della & section series".split()
)
"""Words ISO 4 leaves out of an abbreviation."""

_SPECIAL = {
    "br": ("british",), "engl": ("england", "english"), "am": ("america", "american"),
    "u": ("united",), "s": ("states",), "a": ("america",), "nz": ("new zealand",),
}
"""Abbreviations that are not a subsequence of the word (or are one-letter stop words)."""


def fold(name: str) -> list[str]:
    """Words of a journal name, lower case, accents and punctuation gone."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).split()


@lru_cache(maxsize=16384)  # CA204, CA304 and matching ask about the same few hundred pairs
def same_journal(a: str | None, b: str | None) -> bool:
    """True when `a` and `b` name one journal, either may be abbreviated."""
    if not a or not b:
        return True
    # NLM catalogue titles carry the society after " : " ("Journal of cosmetic and
    # laser therapy : official publication of the European Society for Laser Dermatology").
    a, b = _main_title(a), _main_title(b)
    wa, wb = fold(a), fold(b)
    if wa == wb or _content(wa) == _content(wb):
        return True
    return abbreviates(tuple(wa), tuple(wb)) or abbreviates(tuple(wb), tuple(wa))


def _main_title(name: str) -> str:
    """The title before an NLM " : " subtitle; the whole name when there is none."""
    head = name.split(" : ", 1)[0].strip()
    return head or name


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w not in STOP_WORDS]


@lru_cache(maxsize=4096)
def abbreviates(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Whether `short` is an ISO 4-style abbreviation of `full`, word by word."""
    short_words = [w for w in short if w not in STOP_WORDS or w in ("a", "s")]
    return _align(tuple(short_words), full)


@lru_cache(maxsize=16384)
def _align(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    if not short:
        return all(w in STOP_WORDS for w in full)
    if not full:
        return False
    word, rest = short[0], short[1:]
    if full[0] in STOP_WORDS and _align(short, full[1:]):
        return True
    if _word_abbreviates(word, full[0]) and _align(rest, full[1:]):
        return True
    # One abbreviation for a compound written as two words ("Healthc" for "Health Care").
    head = full[0]
    return (len(full) > 1 and len(word) > len(head) and word.startswith(head)
            and _word_abbreviates(word[len(head):], full[1]) and _align(rest, full[2:]))


def _word_abbreviates(short: str, word: str) -> bool:
    if short == word:
        return True
    if word in _SPECIAL.get(short, ()):
        return True
    if short[0] != word[0] or len(short) > len(word):
        return False
    letters = iter(word)
    return all(c in letters for c in short)
