"""From the read parts to a Document: the reference list, field items numbered, markers, claims.

The reference list is a bibliography field's result or the paragraphs after
a References heading; field items are merged into it by number, or by DOI,
title or author and year for author-year styles. Markers come from
reference-manager citation fields (their result is the marker, their
instruction the cited items), superscript runs and numbers typed in the text
(`citeaudit.plugins.docx.markers`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path

from citeaudit.authoryear import is_author_year
from citeaudit.bib.identifiers import find_identifiers, normalize_doi
from citeaudit.bib.refparse import parse_reference
from citeaudit.claims import Block, build_claims
from citeaudit.model import Document, Finding, Marker, Reference, Span, Work
from citeaudit.plugins.docx.fields import NO_ITEM_DATA, FieldItem
from citeaudit.plugins.docx.items import (
    Citation,
    Entry,
    number_items,
    rendering_entry,
    same_author_year,
    same_doi,
    same_title,
    unique_items,
)
from citeaudit.plugins.docx.markers import rendered_numbers, superscript_markers, typed_markers
from citeaudit.plugins.docx.styles import Numbering, Styles
from citeaudit.plugins.docx.walk import FieldRange, Part

REFERENCE_HEADINGS = frozenset({
    "references", "reference", "reference list", "bibliography", "literature cited", "cited literature",
    "works cited", "literature", "sources", "references cited", "notes and references",
})
"""Headings (lower case, no trailing colon) that open the reference list."""
BACK_MATTER = frozenset({
    "tables", "table", "figures", "figure legends", "figure captions", "legends", "appendix",
    "appendices", "supplementary material", "supporting information", "acknowledgements",
    "acknowledgments", "funding", "author contributions", "conflicts of interest",
})
"""Headings that end a reference list that is not in a field."""
TEXT_OPENERS = frozenset({
    "abstract", "summary", "structured abstract", "background", "introduction", "keywords", "key words",
    "highlights", "main text", "objective", "objectives", "aim", "aims", "purpose", "importance",
})
"""Paragraphs (lower case, no trailing colon) that end the title page: what comes before them is
title, authors, affiliations and correspondence, whose superscripts and symbols are not citations."""
FRONT_MATTER_SHARE = 0.4
FRONT_MATTER_PARAGRAPHS = 40
"""A title page is never longer than this share of the body's paragraphs, or than this many
paragraphs when that is more."""

_LABEL = re.compile(r"^\s*(?:\[(?P<bracket>\d{1,4})\]|\((?P<paren>\d{1,4})\)|(?P<dot>\d{1,4})[.)](?=\s|$)"
                    r"|(?P<tab>\d{1,4})[ \u00a0]*(?=\t))\s*")
_SPACES = re.compile(r"\s+")


# -- from paragraphs to a Document ----------------------------------------------------


@dataclass
class _Cite:
    """One citation field in reading order, with its marker place."""

    part: Part
    range: FieldRange
    numbers: tuple[int, ...]
    problem: str | None


class Assembler:
    """Turns the read parts into markers, references and claims."""

    def __init__(self, path: Path, parts: list[Part], styles: Styles, numbering: Numbering) -> None:
        self.path = path
        self.parts = parts
        self.body = parts[0]
        self.styles = styles
        self.numbering = numbering

    def document(self) -> Document:
        headings = self._headings()
        bibliography, source = self._bibliography(headings)
        entries = self._entries(bibliography)
        cites = [c for part in self.parts for c in self._cites(part)]
        numbered = any(c.numbers for c in cites) or not cites
        if numbered and not any(e.number for e in entries):
            # An unlabelled list in a numeric draft is numbered by position.
            for position, entry in enumerate(entries, 1):
                entry.number = position
        item_numbers = number_items(
            [Citation(unique_items(c.range.field.items), tuple(dict.fromkeys(c.numbers))) for c in cites],
            entries if numbered else [])
        skip = set(bibliography) | set(headings)
        front = self._front_matter(cites)
        blocks = [block for part in self.parts
                  for block in self._blocks(part, skip if part is self.body else set(), headings,
                                            cites, item_numbers, front if part is self.body else set())]
        if not cites:
            # Without fields, a draft citing "(Smith et al., 2020)" is author-year however its list is numbered.
            texts = [p.text for i, p in self.body.paragraphs.items() if i not in skip and i not in front]
            numeric = sum(1 for block in blocks for *_span, marker in block.markers if marker.numbers)
            numbered = not is_author_year(texts, numeric)
        references = self._references(entries, cites, item_numbers, numbered)
        managers = sorted({c.range.field.manager for c in cites if c.range.field.manager})
        return Document(
            path=self.path, format="docx", claims=build_claims(blocks), references=tuple(references),
            style="numeric" if numbered else "author-year", diagnostics=_without_item_data(cites),
            extras={"docx": {"path": str(self.path), "reference_managers": managers,
                             "bibliography": source}},
        )

    # -- structure

    def _headings(self) -> dict[int, str]:
        """Body paragraph index -> heading text."""
        found = {}
        for index, paragraph in self.body.paragraphs.items():
            text = _fold(paragraph.text)
            if text and (paragraph.style in self.styles.heading or _is_reference_heading(text)):
                found[index] = text
        return found

    def _front_matter(self, cites: list[_Cite]) -> set[int]:
        """Body paragraphs of the title page: before the abstract or introduction (or before the
        first heading that is neither the title nor names authors), with no citation field."""
        paragraphs = self.body.paragraphs
        ordered = [i for i in sorted(paragraphs) if _fold(paragraphs[i].text)]
        end = next((i for i in ordered if _opens_text(paragraphs[i].text)), None)
        if end is None:
            end = next((i for i in ordered[1:] if paragraphs[i].style in self.styles.heading
                        and not _names_front_matter(paragraphs[i].text)), None)
        if end is None or end > max(FRONT_MATTER_SHARE * len(paragraphs), FRONT_MATTER_PARAGRAPHS):
            return set()
        if any(c.part is self.body and c.range.start[0] < end for c in cites):
            return set()  # a reference manager's citation is never part of a title page
        front = {i for i in paragraphs if i < end}
        if not any(_names_or_affiliation(paragraphs[i].text) for i in ordered[1:] if i in front):
            return set()  # text before the first heading that is not a title page
        return front

    def _bibliography(self, headings: dict[int, str]) -> tuple[list[int], str | None]:
        """Body paragraph indexes of the reference list, and where it was found."""
        for rng in self.body.fields:
            if rng.field.kind == "bibliography":
                first, last = rng.start[0], rng.end[0]
                return [i for i in sorted(self.body.paragraphs) if first <= i <= last], "field"
        opening = [i for i, text in headings.items() if _is_reference_heading(text)]
        if not opening:
            return [], None
        start = max(opening)
        styled = self.body.paragraphs[start].style in self.styles.heading
        level = self.styles.heading.get(self.body.paragraphs[start].style or "", 9)
        listed: list[int] = []
        for index in sorted(self.body.paragraphs):
            if index <= start:
                continue
            paragraph = self.body.paragraphs[index]
            text = _fold(paragraph.text).rstrip(":").lower()
            heading_level = self.styles.heading.get(paragraph.style or "")
            if (heading_level is not None and (not styled or heading_level <= level)) or text in BACK_MATTER:
                break
            listed.append(index)
        return listed, "heading"

    def _entries(self, indexes: list[int]) -> list[Entry]:
        entries: list[Entry] = []
        counters: dict[tuple[str, str], int] = {}
        for index in indexes:
            paragraph = self.body.paragraphs[index]
            text = paragraph.text.replace("\u00a0", " ")
            if not _fold(text) or _is_reference_heading(text):
                continue
            number = None
            label = _LABEL.match(text)  # before folding: "1<tab>" and "1 <tab>" are labels, "1 " is not
            if label:
                number = int(next(v for v in label.groupdict().values() if v))
                text = text[label.end():]
            text = _fold(text)
            auto = paragraph.numbering
            if auto and auto in self.numbering.start:
                counters[auto] = counters.get(auto, self.numbering.start[auto] - 1) + 1
                number = number if number is not None else counters[auto]
            work = parse_reference(text)
            found = find_identifiers(text)
            raw = list(found.raw)
            for _start, _end, target in paragraph.links:
                raw.extend(find_identifiers(target).raw)
                link_doi = normalize_doi(target) if "doi.org/" in target.lower() else None
                if link_doi and not work.doi:
                    work = replace(work, doi=link_doi)
            entries.append(Entry(paragraph=paragraph, text=text, number=number, work=work,
                                  raw=tuple(dict.fromkeys(raw))))
        return entries

    # -- citation fields

    def _cites(self, part: Part) -> Iterator[_Cite]:
        """Citation fields of a part in reading order (fields are recorded as they end)."""
        for rng in sorted(part.fields, key=lambda r: r.start):
            if rng.field.kind != "citation":
                continue
            start, end = self._marker_range(part, rng)
            text = part.paragraphs[start[0]].text[start[1]:end]
            numbers, problem = rendered_numbers(text)
            yield _Cite(part=part, range=rng, numbers=numbers, problem=problem)

    @staticmethod
    def _marker_range(part: Part, rng: FieldRange) -> tuple[tuple[int, int], int]:
        """The field result inside its first paragraph, white space trimmed: ((para, start), end)."""
        para, offset = rng.start
        text = part.paragraphs[para].text
        end = rng.end[1] if rng.end[0] == para else len(text)
        while offset < end and text[offset].isspace():
            offset += 1
        while end > offset and text[end - 1].isspace():
            end -= 1
        return (para, offset), end

    # -- references

    def _references(self, entries: list[Entry], cites: list[_Cite], item_numbers: dict[str, int],
                    numbered: bool) -> list[Reference]:
        items: dict[str, FieldItem] = {}
        first_span: dict[str, Span] = {}
        for cite in cites:
            (para, offset), _end = self._marker_range(cite.part, cite.range)
            for item in cite.range.field.items:
                items.setdefault(item.id, item)
                first_span.setdefault(item.id, cite.part.paragraphs[para].span(offset))
        matched = _match_items(entries, items, item_numbers, numbered)
        references: list[Reference] = []
        used: set[str] = set()
        following = max([*item_numbers.values(), *(e.number or 0 for e in entries)], default=0)
        for position, entry in enumerate(entries, 1):
            item = matched.get(id(entry))
            span = entry.paragraph.span(0)
            if item is not None:
                used.add(item.id)
                references.append(Reference(
                    number=item_numbers[item.id], id=item.id, text=entry.text, span=span,
                    work=_merge(item.work, entry.work), key=item.key,
                    raw_identifiers=tuple(dict.fromkeys([*item.raw_identifiers, *entry.raw]))))
                continue
            number = entry.number
            if number is None:
                following += 1
                number = following
            references.append(Reference(number=number, id=str(entry.number) if entry.number else f"entry-{position}",
                                        text=entry.text, span=span, work=entry.work, raw_identifiers=entry.raw))
        listed = {e.number for e in entries if e.number is not None} if numbered else set()
        # An item left over whose number an entry carries is a second record of that entry's work.
        for item_id in sorted(set(items) - used - {i for i in items if item_numbers[i] in listed},
                              key=lambda i: item_numbers[i]):
            item = items[item_id]
            references.append(Reference(
                number=item_numbers[item_id], id=item_id, text=_describe(item.work) or item_id,
                span=first_span[item_id], work=item.work, key=item.key, raw_identifiers=item.raw_identifiers))
        if not numbered:
            # Author-year numbers are citeaudit's own (order of first citation); listing
            # them in the bibliography's alphabetical order would read as a numbering fault.
            references.sort(key=lambda r: r.number or 0)
        return references

    # -- blocks

    def _blocks(self, part: Part, skip: set[int], headings: dict[int, str], cites: list[_Cite],
                item_numbers: dict[str, int], front: set[int]) -> Iterator[Block]:
        by_paragraph: dict[int, list[tuple[int, int, Marker]]] = {}
        claimed: dict[int, list[tuple[int, int]]] = {}
        for cite in cites:
            if cite.part is not part:
                continue
            (para, start), end = self._marker_range(part, cite.range)
            field_ = cite.range.field
            result_end = cite.range.end[1] if cite.range.end[0] == para else part.paragraphs[para].length
            claimed.setdefault(para, []).append((cite.range.start[1], max(result_end, end)))
            paragraph = part.paragraphs[para]
            numbers = cite.numbers or tuple(item_numbers[i.id] for i in unique_items(field_.items))
            problem = cite.problem
            if not numbers and problem is None and field_.manager not in NO_ITEM_DATA:
                problem = field_.problem or "citation field names no cited item"
            if start == end and problem is None:
                problem = "citation field shows no text (update the field)"
            by_paragraph.setdefault(para, []).append((start, end, Marker(
                text=paragraph.text[start:end], numbers=numbers, span=paragraph.span(start),
                style="field", keys=tuple(dict.fromkeys(i.id for i in field_.items)), problem=problem)))
        section = None
        for index in sorted(part.paragraphs):
            paragraph = part.paragraphs[index]
            if part is self.body and index in headings:
                section = headings[index]
            if index in skip:
                continue
            markers = by_paragraph.get(index, [])
            if index not in front:  # affiliation marks and footnote symbols are not citations
                markers += superscript_markers(paragraph, claimed.get(index, []))
                markers += typed_markers(paragraph, [(s, e) for s, e, _ in markers])
            if markers:
                yield Block(text=paragraph.text, markers=sorted(markers, key=lambda m: m[0]),
                            span_at=paragraph.span, section=section if part is self.body else None)


def _without_item_data(cites: list[_Cite]) -> tuple[Finding, ...]:
    """One note for the citations (Word's own, Citavi) whose cited works the draft does not store."""
    bare = [c for c in cites if c.range.field.manager in NO_ITEM_DATA
            and not any(item.work != Work() for item in c.range.field.items)]
    if not bare:
        return ()
    first = bare[0]
    (para, offset), _end = Assembler._marker_range(first.part, first.range)
    names = " and ".join(sorted({"Word" if c.range.field.manager == "word" else "Citavi" for c in bare}))
    return (Finding(
        rule="CA104", span=first.part.paragraphs[para].span(offset),
        message=(f"{len(bare)} {names} citation{'s' if len(bare) > 1 else ''} store no data about the "
                 "works cited: they are read by the numbers they show only (save the draft with its "
                 "sources, or export the library as BibTeX and pass it with --bib)"),
        evidence={"citations": len(bare), "manager": names}),)


# -- references helpers ------------------------------------------------------------------


def _match_items(entries: list[Entry], items: dict[str, FieldItem], item_numbers: dict[str, int],
                 numbered: bool) -> dict[int, FieldItem]:
    """id(entry) -> the field item it renders: the entry rendering it, else by number (numeric
    drafts); by DOI, title, first author and year, one to one (author-year drafts)."""
    matched: dict[int, FieldItem] = {}
    if numbered:
        by_number = {e.number: e for e in entries if e.number is not None}
        for item in items.values():
            entry = rendering_entry(item, entries) or by_number.get(item_numbers[item.id])
            if entry is not None and id(entry) not in matched:
                matched[id(entry)] = item
        return matched
    free = dict(items)
    for test in (same_doi, same_title, same_author_year):
        for entry in entries:
            if id(entry) in matched:
                continue
            for item_id, item in list(free.items()):
                if test(entry, item):
                    matched[id(entry)] = free.pop(item_id)
                    break
    return matched


def _merge(primary: Work, secondary: Work) -> Work:
    """The field item's fields, gaps filled from the rendered entry."""
    changes = {name: getattr(secondary, name) for name in (f.name for f in fields(Work))
               if getattr(primary, name) in (None, ()) and getattr(secondary, name) not in (None, ())}
    return replace(primary, **changes) if changes else primary


def _describe(work: Work) -> str:
    authors = ", ".join(str(p) for p in work.authors[:3]) + (" et al." if len(work.authors) > 3 else "")
    pieces = [authors, work.title or "", work.journal or "", str(work.year) if work.year else "",
              f"doi:{work.doi}" if work.doi else ""]
    return ". ".join(p for p in pieces if p)


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def _is_reference_heading(text: str) -> bool:
    """A short paragraph that names the reference list ("References", "5. Bibliography:")."""
    return _heading_words(text) in REFERENCE_HEADINGS



_FRONT_MATTER_HEADINGS = frozenset({
    "author", "authors", "affiliation", "affiliations", "author affiliations", "corresponding author",
    "correspondence", "author information", "authors and affiliations", "title", "title page",
})


def _opens_text(text: str) -> bool:
    """A paragraph that starts the text proper: "Abstract", "1. Introduction", "Abstract: We..."."""
    folded = _heading_words(text)
    if folded in TEXT_OPENERS:
        return True
    head = re.match(r"([a-z ]{4,20})\s*[:.\u2014\u2013]", folded)
    return bool(head and head[1].strip() in {"abstract", "summary", "background", "introduction"})


def _names_front_matter(text: str) -> bool:
    return _heading_words(text) in _FRONT_MATTER_HEADINGS


def _heading_words(text: str) -> str:
    """A short paragraph's words, lower case, without numbering and a trailing colon."""
    return re.sub(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s*", "", _fold(text)).rstrip(":").strip().lower()


_AFFILIATION = re.compile(
    r"\b(?:department|university|universit[éàa]t?|institute?|instituto|hospital|school|faculty|"
    r"cent(?:er|re)|college|laboratory|division|clinic|unit|correspond\w*|orcid|e-?mail)\b|@",
    re.IGNORECASE)
_PERSON = re.compile(r"^(?:[A-Z][\w'\u2019.\-]*\s*){1,6}(?:,\s*(?:[A-Z][\w.]{0,5}\.?\s*)+)?$")


def _names_or_affiliation(text: str) -> bool:
    """A title-page line: an affiliation, an address, or a list of authors' names."""
    folded = _fold(text)
    if _AFFILIATION.search(folded):
        return True
    names = [p.strip(" *\u2020\u2021" + string.digits) for p in re.split(r"[;,]|\band\b", folded)]
    names = [n for n in names if n]
    return len(names) >= 2 and all(_PERSON.match(n) for n in names)
