"""Drugs, targets and diseases named in a piece of text.

Lexicon names are matched case-insensitively, abbreviations (AD, PsO, HS)
case-sensitively. Two open-ended families are recognised beyond the
lexicon, because a review names more of them than any list holds:
interleukins (`IL-33`) and drugs whose INN stem says they are drugs
(`-mab`, `-cept`, `-tinib`, `-citinib`); those match by name only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from citeaudit import patterns
from citeaudit.plugins.support.lexicon import DISEASE, DRUG, TARGET, lexicon

# Hyphen look-alikes copy-pasted from PDFs; replaced one-for-one so offsets hold.
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"})
_INTERLEUKIN = patterns.compile(r"(?<![\w])(?:IL-?|interleukin[- ])(\d{1,2})([A-F])?(?![\w])", re.IGNORECASE)
_INN_STEM = patterns.compile(r"(?<![\w-])[A-Za-z]{6,}+(?:(?<=mab)|(?<=cept)|(?<=tinib))(?![\w-])", re.IGNORECASE)
# "IL-12/23", "JAK1/2", "IL-4/IL-13": one mention naming several family members.
_CONTINUATION = patterns.compile(r"/(?:IL-?|JAK)?(\d{1,2})([A-F])?(?![\w])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mention:
    """One place a concept is named."""

    concept: str
    """Concept id; unknown interleukins are `il-<n>`, unknown drugs `drug:<name>`."""
    kind: str
    """drug, target, disease or kind."""
    start: int
    """Offset of the first character."""
    end: int
    """Offset after the last character."""
    text: str
    """The words as written."""


def normalise(text: str) -> str:
    """The text with hyphen look-alikes made plain hyphens (same length)."""
    if any(c in text for c in "\u2010\u2011\u2012\u2013"):
        return text.translate(_HYPHENS)
    return text


def mentions(text: str) -> tuple[Mention, ...]:
    """Every concept named in `text`, in order, longest match first where they overlap."""
    return _mentions(normalise(text))


@lru_cache(maxsize=8192)
def _mentions(text: str) -> tuple[Mention, ...]:
    # Cached: an abstract is read for concepts, terms and quantities by several checks.
    lex = lexicon()
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(concept: str, kind: str, start: int, end: int) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Mention(concept, kind, start, end, text[start:end]))
        continuation = _CONTINUATION.match(text, end)
        if continuation and (concept.startswith("il-") or concept.startswith("jak")):
            family = "il-" if concept.startswith("il-") else "jak"
            number = continuation.group(1) + (continuation.group(2) or "").lower()
            member = family + number
            taken.append((continuation.start(), continuation.end()))
            found.append(Mention(member, _kind_of(member), continuation.start(),
                                 continuation.end(), continuation.group()))

    # Names are stored lower case; matching the lowered text case-sensitively
    # is twice as fast as an IGNORECASE pattern (lengths differ only for rare
    # letters like "İ", then the text is matched as it is).
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text
    for match in lex.name_pattern.finditer(lowered):
        cid = lex.names.get(match.group())
        if cid is None:
            continue
        add(cid, lex.concepts[cid].kind, match.start(), match.end())
    for match in lex.abbreviation_pattern.finditer(text):
        cid = lex.abbreviations[match.group()]
        add(cid, lex.concepts[cid].kind, match.start(), match.end())
    for match in _INTERLEUKIN.finditer(text):
        cid = f"il-{match.group(1)}{(match.group(2) or '').lower()}"
        add(cid, TARGET, match.start(), match.end())
    for match in _INN_STEM.finditer(text):
        add(f"drug:{match.group().lower()}", DRUG, match.start(), match.end())
    found.sort(key=lambda m: m.start)
    return tuple(found)


def _kind_of(concept: str) -> str:
    known = lexicon().concepts.get(concept)
    return known.kind if known else TARGET


def covered(texts: Iterable[str]) -> frozenset[str]:
    """Concepts a work speaks of: those named, their broader ones, and the
    targets of the drugs named (a trial of upadacitinib speaks of JAK1)."""
    lex = lexicon()
    ids: set[str] = set()
    for text in texts:
        for mention in mentions(text):
            ids.add(mention.concept)
            concept = lex.concepts.get(mention.concept)
            if concept:
                ids.update(concept.broader)
                ids.update(concept.tags)
    for cid in list(ids):
        concept = lex.concepts.get(cid)
        if concept:
            ids.update(concept.broader)
    return frozenset(ids)


def is_covered(concept: str, ids: frozenset[str]) -> bool:
    """Whether a work speaking of `ids` speaks of `concept`, or of what it is a kind of.

    A claim saying IL-17A about a work that says IL-17 is not a mismatch the
    abstract can decide, so the broader concept is enough.
    """
    if concept in ids:
        return True
    known = lexicon().concepts.get(concept)
    return bool(known and any(b in ids for b in known.broader))


CHECKED_KINDS = frozenset({DRUG, TARGET, DISEASE})
"""The kinds CA401 looks for in the cited work."""
