"""Field accuracy of citeaudit.bib.refparse on the JATS corpus.

Usage: python benchmarks/refparse_accuracy.py [JATS_DIR]   (default ../shared/corpus/jats)

Two measurements, printed as the Markdown tables of docs/reference-parsing.md:

1. mixed-citation: the publisher's own reference text (PLOS, PMC, bioRxiv),
   parsed, against the fields the publisher tagged inside it. Citations
   whose text has no punctuation between the tags (some PMC exports glue
   `AverySVMicrobial...`) are not reference strings and are counted apart.
2. element-citation: the tagged fields written out as a Vancouver string
   and as an APA string, then parsed back: a round trip that shows what
   the parser loses in a clean string, not how it fares on real text.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from lxml import etree
from rapidfuzz import fuzz

from citeaudit.bib.match import fold
from citeaudit.bib.refparse import parse_reference
from citeaudit.model import Person, Work
from citeaudit.safexml import parse

FIELDS = ("first author", "authors", "year", "title", "journal", "volume", "issue", "pages")


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def child_text(el: etree._Element, name: str) -> str | None:
    for c in el.iter():
        if local(c) == name:
            text = " ".join("".join(c.itertext()).split())
            return text or None
    return None


def truth(citation: etree._Element) -> Work:
    """The fields the publisher tagged."""
    people = []
    groups = [g for g in citation.iter() if local(g) == "person-group"]
    authors = [g for g in groups if g.get("person-group-type") in (None, "author")] or groups
    scope = authors[0] if authors else citation
    for name in scope.iter():
        if local(name) == "name":
            people.append(Person(child_text(name, "surname") or "", child_text(name, "given-names") or ""))
        elif local(name) == "collab":
            people.append(Person(" ".join("".join(name.itertext()).split())))
    year = child_text(citation, "year")
    first, last = child_text(citation, "fpage"), child_text(citation, "lpage")
    pages = child_text(citation, "elocation-id") if not first else (f"{first}-{last}" if last else first)
    digits = "".join(c for c in (year or "") if c.isdigit())[:4]
    return Work(title=child_text(citation, "article-title") or child_text(citation, "chapter-title"),
                authors=tuple(people), year=int(digits) if len(digits) == 4 else None,
                journal=child_text(citation, "source"), volume=child_text(citation, "volume"),
                issue=child_text(citation, "issue"), pages=pages)


def flatten(citation: etree._Element) -> str:
    """The citation as a reader sees it, a space put between tags that touch."""
    pieces: list[str] = []

    def walk(el: etree._Element) -> None:
        if el.text:
            pieces.append(el.text)
        for child in el:
            if pieces and pieces[-1][-1:].isalnum():
                pieces.append(" ")
            walk(child)
            if child.tail:
                if child.tail[:1].isalnum():
                    pieces.append(" ")
                pieces.append(child.tail)
    walk(citation)
    return " ".join("".join(pieces).split())


def has_punctuation(citation: etree._Element) -> bool:
    """Whether the text between the tags carries the punctuation of a real reference string."""
    tails = "".join((c.tail or "") for c in citation.iter() if c is not citation)
    return any(ch in tails for ch in ".,;:()")


def vancouver(w: Work) -> str:
    names = ", ".join(f"{p.family} {''.join(ch for ch in p.given if ch.isupper())}".strip() for p in w.authors)
    locator = f"{w.year};{w.volume or ''}" + (f"({w.issue})" if w.issue else "") + (f":{w.pages}" if w.pages else "")
    return f"{names}. {w.title}. {w.journal}. {locator}."


def apa(w: Work) -> str:
    names = ", ".join(f"{p.family}, {' '.join(ch + '.' for ch in p.given if ch.isupper())}" for p in w.authors)
    tail = f"{w.volume or ''}" + (f"({w.issue})" if w.issue else "") + (f", {w.pages}" if w.pages else "")
    return f"{names} ({w.year}). {w.title}. {w.journal}, {tail}."


def first_page(pages: str | None) -> str:
    return fold(pages or "").split(" ")[0]


def correct(field: str, got: Work, want: Work) -> bool | None:
    """Whether the parser got `field` right; None when the truth lacks it."""
    if field == "first author":
        if not want.authors:
            return None
        return bool(got.authors) and fold(got.authors[0].family) == fold(want.authors[0].family)
    if field == "authors":
        return len(got.authors) == len(want.authors) if want.authors else None
    if field == "title":
        return fuzz.ratio(fold(got.title or ""), fold(want.title)) >= 95 if want.title else None
    if field == "journal":
        return fold(got.journal or "") == fold(want.journal) if want.journal else None
    if field == "pages":
        return first_page(got.pages) == first_page(want.pages) if want.pages else None
    value = getattr(want, field if field != "issue" else "issue")
    if value is None:
        return None
    return fold(str(getattr(got, field) or "")) == fold(str(value))


def citations(folder: Path, kind: str) -> Iterator[tuple[str, etree._Element]]:
    for path in sorted([*folder.glob("*.xml"), *folder.glob("*.nxml")]):
        root = parse(path.read_bytes(), path)
        for el in root.iter():
            if local(el) == kind:
                yield path.name, el


def score(pairs: list[tuple[Work, Work]]) -> tuple[Counter, Counter]:
    right, total = Counter(), Counter()
    for got, want in pairs:
        for field in FIELDS:
            verdict = correct(field, got, want)
            if verdict is not None:
                total[field] += 1
                right[field] += verdict
    return right, total


def table(title: str, pairs: list[tuple[Work, Work]]) -> str:
    right, total = score(pairs)
    lines = [f"### {title} ({len(pairs)} references)", "", "| field | correct | of | accuracy |",
             "|---|---|---|---|"]
    for field in FIELDS:
        if total[field]:
            lines.append(f"| {field} | {right[field]} | {total[field]} | {100 * right[field] / total[field]:.1f}% |")
    return "\n".join(lines)


def main(folder: Path) -> None:
    mixed, glued = [], 0
    per_file: Counter = Counter()
    for name, el in citations(folder, "mixed-citation"):
        want = truth(el)
        if not has_punctuation(el):
            glued += 1
            continue
        if not (want.title and want.journal):  # books, reports, web pages: no journal fields to check
            continue
        mixed.append((parse_reference(flatten(el)), want))
        per_file[name] += 1
    elements = [truth(el) for _, el in citations(folder, "element-citation")]
    elements = [w for w in elements if w.title and w.journal and w.year and w.authors]
    print(table("mixed-citation text against its own tags", mixed))
    print(f"\nFiles: {', '.join(f'{n} ({c})' for n, c in sorted(per_file.items()))}; "
          f"{glued} mixed-citations without punctuation between tags left out.\n")
    print(table("element-citation written as Vancouver, parsed back", [(parse_reference(vancouver(w)), w) for w in elements]))
    print()
    print(table("element-citation written as APA, parsed back", [(parse_reference(apa(w)), w) for w in elements]))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus" / "jats")
