"""Word's own bibliography sources (References > Insert Citation), which CITATION fields name by tag.

Word keeps them in a custom XML part (`customXml/itemN.xml`) whose root is
`b:Sources` in the Office bibliography namespace; each `b:Source` has a
`b:Tag`, the tag a `CITATION` field names. A draft may have none (the
sources were never saved with it): its citations are then read without data.
"""

from __future__ import annotations

import re
from typing import Any

from citeaudit.bib.identifiers import normalize_doi
from citeaudit.model import Person, Work
from citeaudit.plugins.docx.package import Package

BIB_NS = "http://schemas.openxmlformats.org/officeDocument/2006/bibliography"
_PART = re.compile(r"^customXml/item\d+\.xml$")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


def _b(name: str) -> str:
    return f"{{{BIB_NS}}}{name}"


def read_sources(package: Package) -> dict[str, Work]:
    """Tag -> the source's bibliographic data, from every custom XML part that holds sources."""
    found: dict[str, Work] = {}
    for name in sorted(n for n in package.infos if _PART.match(n)):
        root = package.xml(name)
        if root.tag != _b("Sources"):
            continue
        for source in root.iter(_b("Source")):
            tag = _child_text(source, "Tag")
            if tag:
                found.setdefault(tag, _work(source))
    return found


def _work(source: Any) -> Work:
    year = _YEAR.search(_child_text(source, "Year") or "")
    doi = _child_text(source, "DOI")
    return Work(
        title=_child_text(source, "Title"), authors=_authors(source),
        year=int(year[1]) if year else None,
        journal=_child_text(source, "JournalName") or _child_text(source, "BookTitle"),
        volume=_child_text(source, "Volume"), issue=_child_text(source, "Issue"),
        pages=_child_text(source, "Pages"), doi=normalize_doi(doi) if doi else None,
        kind=_child_text(source, "SourceType"))


def _authors(source: Any) -> tuple[Person, ...]:
    people: list[Person] = []
    for role in source.iterfind(f"{_b('Author')}/{_b('Author')}"):
        for person in role.iter(_b("Person")):
            family = _child_text(person, "Last")
            if family:
                given = " ".join(filter(None, (_child_text(person, "First"), _child_text(person, "Middle"))))
                people.append(Person(family=family, given=given))
        corporate = _child_text(role, "Corporate")
        if corporate:
            people.append(Person(family=corporate))
    return tuple(people)


def _child_text(element: Any, name: str) -> str | None:
    child = element.find(_b(name))
    text = " ".join("".join(child.itertext()).split()) if child is not None else ""
    return text or None
