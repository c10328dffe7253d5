"""Markers of a Word paragraph: superscript runs and numbers typed in the text."""

from __future__ import annotations

import re

from citeaudit.markers import exponent, find_markers, parse_numbers
from citeaudit.model import Marker
from citeaudit.plugins.docx.walk import Paragraph

_NUMERIC_BODY = re.compile(r"^[\d\s,;\-\u2010\u2011\u2012\u2013\u2014\u2212]*\d[\d\s,;\-\u2010\u2011\u2012\u2013\u2014\u2212]*$")
_MASK = "\ue000"


def rendered_numbers(text: str) -> tuple[tuple[int, ...], str | None]:
    """Numbers a field's visible result cites, when it is numeric ("[1, 3-5]", "1,2")."""
    body = text.strip().strip("[]()").strip()
    if not _NUMERIC_BODY.match(body):
        return (), None
    numbers, problem = parse_numbers(body)
    # "(2005)" is an author-year citation with the author suppressed, not reference 2005.
    if any(n >= 1000 for n in numbers):
        return (), None
    return numbers, problem


def superscript_markers(paragraph: Paragraph, claimed: list[tuple[int, int]]) -> list[tuple[int, int, Marker]]:
    """Markers from superscript runs, adjacent runs merged; exponents left out."""
    merged: list[list[int]] = []
    for start, end in sorted(paragraph.superscript):
        if any(s <= start < e for s, e in claimed):
            continue
        if merged and merged[-1][1] == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    text = paragraph.text
    found = []
    for start, end in merged:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        written = text[start:end]
        body = written.strip("[]()").strip()
        if not _NUMERIC_BODY.match(body):
            continue
        doubt = _exponent(text, start, body)
        if doubt == "exponent":
            continue
        numbers, problem = parse_numbers(body)
        found.append((start, end, Marker(text=written, numbers=numbers, span=paragraph.span(start),
                                         style="superscript", problem=problem or doubt)))
    return found


def _exponent(text: str, start: int, body: str) -> str | None:
    """"exponent" when a superscript is a power (10³, m², χ², I²): the shared marker grammar decides."""
    before = text[max(0, start - 40):start]  # the word before is all that matters; keeps this O(1)
    if not before or before[-1].isspace():
        return None
    return "exponent" if exponent(before, body) else None


def typed_markers(paragraph: Paragraph, taken: list[tuple[int, int]]) -> list[tuple[int, int, Marker]]:
    """Markers typed in the text ([3], ^3^, ¹²...), outside fields and superscript runs."""
    chars = list(paragraph.text)
    for start, end in taken:
        chars[start:end] = _MASK * (end - start)
    for start, end in paragraph.superscript:
        chars[start:end] = _MASK * (end - start)
    found = []
    for item in find_markers("".join(chars)):
        found.append((item.start, item.end, Marker(
            text=paragraph.text[item.start:item.end], numbers=item.numbers, span=paragraph.span(item.start),
            style=item.style, keys=item.keys, problem=item.problem)))
    return found


