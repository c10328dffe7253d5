"""Which reference each reference-manager item is: by identity, never by position.

A Zotero, EndNote or Mendeley citation lists its items in the order they were
inserted, while the numbers it shows are sorted ("(4,30,31)", "6,12-15"), so
the n-th item is not the n-th number. An item's number comes, in this order:

1. from the bibliography, when the draft has one: the entry that renders the
   item (same DOI, else its title, else a unique first author and year)
   carries the number; two records of one work share their entry's number;
2. from the numbers shown in the text: an item already numbered takes its
   number out of every citation it is in, and a citation left with one
   unnumbered item and one free number pairs them; this repeats until
   nothing changes;
3. by order of first citation, as numeric styles number: the unnumbered
   items of a citation take its free numbers in the order they were
   inserted (how the manager numbered them when they were first cited);
4. the numbers after the highest, in order of first citation (an
   author-year draft, or a citation showing no numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from citeaudit.model import Work
from citeaudit.plugins.docx.fields import FieldItem
from citeaudit.plugins.docx.walk import Paragraph


@dataclass
class Entry:
    """One reference-list paragraph."""

    paragraph: Paragraph
    text: str
    number: int | None
    work: Work
    raw: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Citation:
    """What numbering needs from one citation field."""

    items: tuple[FieldItem, ...]
    """The field's distinct items, in the order it lists them."""
    shown: tuple[int, ...]
    """The distinct numbers its result shows, empty when it shows none."""


def unique_items(items: Sequence[FieldItem]) -> tuple[FieldItem, ...]:
    """The items without repeats, first occurrence kept."""
    return tuple({item.id: item for item in items}.values())


def number_items(citations: Sequence[Citation], entries: Sequence[Entry]) -> dict[str, int]:
    """Item id -> reference number (see the module docstring for the order of evidence)."""
    numbers: dict[str, int] = {}
    for citation in citations:
        for item in citation.items:
            if item.id not in numbers:
                entry = rendering_entry(item, entries)
                if entry is not None and entry.number is not None:
                    numbers[item.id] = entry.number
    _pair_shown_numbers(citations, numbers)
    following = max(numbers.values(), default=0)
    for citation in citations:
        for item in citation.items:
            if item.id not in numbers:
                following += 1
                numbers[item.id] = following
    return numbers


def _pair_shown_numbers(citations: Sequence[Citation], numbers: dict[str, int]) -> None:
    """Steps 2 and 3: numbers from what the citations show."""
    while True:
        changed = False
        for citation in citations:
            unknown, free = _open(citation, numbers)
            if len(unknown) == 1 and len(free) == 1:
                numbers[unknown[0].id] = free[0]
                changed = True
        if changed:
            continue
        # Nothing certain left: the first citation with several open items pairs them in order.
        for citation in citations:
            unknown, free = _open(citation, numbers)
            if unknown and len(unknown) == len(free):
                for item, number in zip(unknown, free, strict=True):
                    numbers[item.id] = number
                changed = True
                break
        if not changed:
            return


def _open(citation: Citation, numbers: dict[str, int]) -> tuple[list[FieldItem], list[int]]:
    """The citation's unnumbered items and the shown numbers no item of it has taken."""
    if not citation.shown:
        return [], []
    unknown = [item for item in citation.items if item.id not in numbers]
    taken = {numbers[item.id] for item in citation.items if item.id in numbers}
    free = sorted(n for n in citation.shown if n not in taken)
    if len(free) != len(unknown):
        return unknown, []
    # A number another citation's item already holds is not this item's, when that still fits.
    elsewhere = set(numbers.values())
    narrower = [n for n in free if n not in elsewhere]
    return unknown, narrower if len(narrower) == len(unknown) else free


def rendering_entry(item: FieldItem, entries: Sequence[Entry]) -> Entry | None:
    """The bibliography entry that renders `item`: same DOI, else its title, else its unique author and year."""
    for test in (same_doi, same_title):
        for entry in entries:
            if test(entry, item):
                return entry
    found = [entry for entry in entries if same_author_year(entry, item)]
    return found[0] if len(found) == 1 else None


def same_doi(entry: Entry, item: FieldItem) -> bool:
    return bool(item.work.doi and entry.work.doi == item.work.doi)


def same_title(entry: Entry, item: FieldItem) -> bool:
    title = _letters(item.work.title or "")
    return len(title) >= 12 and title in _letters(entry.text)


def same_author_year(entry: Entry, item: FieldItem) -> bool:
    first = item.work.first_author
    if first is None or item.work.year is None:
        return False
    return first.family.lower() in entry.text.lower() and str(item.work.year) in entry.text


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())
