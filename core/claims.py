"""Claim segmentation: a block of text with markers becomes one Claim per cited sentence.

Readers hand over `Block`s (a paragraph, list item or table cell, with the
markers they found and a way to map offsets to source places);
`build_claims` splits each into sentences and keeps the sentences that cite
something. Splitting is rule-based on purpose: abbreviations common in
biomedical prose ("et al.", "e.g.", "Fig.", "J. Am. Acad.") and decimals
must not end a sentence, and a marker glued after the final period
("infections.[3]", "infections.3") belongs to the sentence it follows.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from citeaudit import patterns
from citeaudit.model import Claim, Marker, Span

ABBREVIATIONS = frozenset("""
    al e.g i.e eg ie vs cf fig figs no nos vol vols p pp ref refs eq eqs tab suppl approx
    ca resp dr mr mrs ms prof st jr sr inc ltd co corp dept univ incl excl nb viz
""".split())
"""Lower-case words (without their final period) after which a sentence does not end."""

JOURNAL_WORDS = frozenset("""
    acad am ann arch assoc biol br can chem clin curr dermatol dis endocrinol engl epidemiol eur
    exp gastroenterol gen immunol infect int intern invest j jpn lett med microbiol mol natl
    neurol oncol pathol pediatr pharmacol physiol pract proc psychiatry res rev rheumatol sci soc
    surg ther transl venereol
""".split())
"""Abbreviated words of NLM journal titles, which end in a period mid-sentence."""

_MASK = "\x00"
"""Stands in for marker characters while finding sentence ends."""

_END = patterns.compile(r"[.!?]+[\"'\u201d\u2019)\]]*")
_OPENERS = "\"'\u201c\u2018([" + _MASK
_CONTEXT = 256
"""Characters either side of a period that decide whether it ends a sentence; a
bounded window keeps a paragraph of a megabyte linear."""
_WORD_BEFORE = patterns.compile(r"\)?([\w.]*)")
"""The word before a period, matched on the reversed text: `word.)` reads `).drow`."""


@dataclass(frozen=True)
class Block:
    """A run of text a reader found, with its markers."""

    text: str
    """The visible text, markers included."""
    markers: Sequence[tuple[int, int, Marker]]
    """(start, end, marker): character offsets into `text` of each marker."""
    span_at: Callable[[int], Span]
    """The source place of a character offset of `text`."""
    section: str | None = None
    """Heading of the section the block is in."""


def sentences(text: str, *, masked: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, leading and trailing white space excluded.

    `masked` is `text` with marker characters replaced by NUL, so markers
    after a period stay with the sentence before them; by default the
    markers `citeaudit.markers` finds are masked.
    """
    if masked is None:
        masked = _mask(text)
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(masked):
        end = m.end()
        while end < len(masked) and masked[end] == _MASK:
            end += 1
        if end < len(masked) and not masked[end].isspace():
            continue
        if not _ends_sentence(masked, m.start(), end):
            continue
        end = _markers_after(masked, end)
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, len(text))
    return spans


def _markers_after(masked: str, end: int) -> int:
    """Past the markers set off by a space after a sentence's end ("effect. [3]", "effect. ³"):
    they cite the sentence before them, not the one after."""
    after = end
    while after < len(masked) and masked[after] in " \t\u00a0":
        after += 1
    if after == end or after >= len(masked) or masked[after] != _MASK:
        return end
    while after < len(masked) and masked[after] == _MASK:
        after += 1
    return after


def _mask(text: str) -> str:
    from citeaudit.markers import find_markers

    chars = list(text)
    for found in find_markers(text):
        chars[found.start:found.end] = _MASK * (found.end - found.start)
    return "".join(chars)


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def _ends_sentence(masked: str, period: int, end: int) -> bool:
    """Whether the punctuation at `period` (running to `end`) closes a sentence."""
    rest = masked[end:end + _CONTEXT].lstrip()
    if not rest:
        return True
    following = rest[0]
    if masked[period] in "!?":
        return following.isupper() or following.isdigit() or following in _OPENERS
    if following.islower() or following in ",;:":
        return False
    if not (following.isupper() or following.isdigit() or following in _OPENERS):
        return False
    # The word before the period: what `re.search(r"([\w.]*?)\)?$", window)` finds, read
    # backwards from the end instead of tried at every position of the window.
    window = masked[max(0, period - _CONTEXT):period]
    backwards = _WORD_BEFORE.match((window[:-1] if window.endswith("\n") else window)[::-1])
    word = backwards[1][::-1] if backwards else ""
    if not word:
        return True
    if word.lower().strip(".") in ABBREVIATIONS or word.lower() in ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "Fleming P. Drucker", "J. Am."
    if "." in word and word.replace(".", "").isalpha():
        return False  # "e.g", "U.S", "i.e"
    return not _journal_abbreviation(word, rest)


def _journal_abbreviation(word: str, rest: str) -> bool:
    """A journal-title abbreviation (`Am. Acad. Dermatol. 2018;78`), not a sentence end."""
    if word.lower() in JOURNAL_WORDS:
        return True
    return word[:1].isupper() and bool(re.match(r"\d+\s*[;:(]", rest))


def build_claims(blocks: Iterable[Block], first_id: int = 1) -> tuple[Claim, ...]:
    """One Claim per sentence that carries at least one marker, in reading order."""
    claims: list[Claim] = []
    next_id = first_id
    for block in blocks:
        if not block.markers:
            continue
        ordered = sorted(block.markers, key=lambda item: item[0])
        chars = list(block.text)
        for start, end, _marker in ordered:
            chars[start:end] = _MASK * (end - start)
        spans = sentences(block.text, masked="".join(chars))
        starts = [item[0] for item in ordered]
        first_of_block = len(claims)
        for s_start, s_end in spans:
            # Bisect, not a scan per sentence: a megabyte paragraph has thousands of both.
            inside = ordered[bisect.bisect_left(starts, s_start):bisect.bisect_left(starts, s_end)]
            if not inside:
                continue
            text = _strip_markers(block.text, s_start, s_end, inside)
            markers = tuple(marker for _, _, marker in inside)
            if len(claims) > first_of_block and not any(ch.isalnum() for ch in text):
                # Markers standing alone after a sentence cite that sentence: no empty claim.
                previous = claims[-1]
                claims[-1] = replace(previous, markers=previous.markers + markers)
                continue
            claims.append(Claim(id=next_id, text=text, markers=markers, span=block.span_at(s_start),
                                section=block.section))
            next_id += 1
    return tuple(claims)


def _strip_markers(text: str, start: int, end: int, markers: Sequence[tuple[int, int, Marker]]) -> str:
    """The sentence without its markers, white space folded, no space left before punctuation
    and no cell separator left dangling at the end of a table row."""
    pieces: list[str] = []
    cursor = start
    for m_start, m_end, _ in markers:
        pieces.append(text[cursor:m_start])
        cursor = max(cursor, m_end)
        following = text[cursor:cursor + 1]
        if pieces[-1][-1:].isspace() and (not following or following in ".,;:!?)" or following.isspace()):
            pieces[-1] = pieces[-1].rstrip()
    pieces.append(text[cursor:end])
    return re.sub(r"\s+", " ", "".join(pieces)).strip().rstrip("|").rstrip()
