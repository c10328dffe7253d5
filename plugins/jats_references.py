"""The reference list of a JATS article: each `<ref>` as a Reference.

Structured citations (`element-citation`) give the fields; mixed ones give
the text as the reader sees it; identifiers come from `pub-id`s first,
then DOI links, then the text. A value found in the text counts only when
the markup gives none of its kind or the value is valid: "13. doi: 6857"
spread over `<volume>` and `<elocation-id>` (a markup fault) says nothing
about a reference whose `pub-id` DOI is fine.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lxml import etree

from citeaudit.model import Person, Reference, Span, Work
from citeaudit.numbers import parse_int

_CITATIONS = frozenset({"element-citation", "mixed-citation", "nlm-citation", "citation"})
_TITLES = ("article-title", "chapter-title", "data-title", "part-title")
_STRUCTURE = frozenset({"person-group", "name", "string-name", "collab", "source", *_TITLES})
_KINDS = {"journal": "article-journal", "book": "book", "preprint": "preprint",
          "data": "dataset", "software": "software", "confproc": "paper-conference",
          "thesis": "thesis", "web": "webpage", "report": "report", "patent": "patent"}
_YEAR = re.compile(r"(1[5-9]|20)\d\d")
_LABEL_NUMBER = re.compile(r"\W*(\d+)\W*")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def read_references(article: etree._Element, tree: etree._ElementTree) -> tuple[Reference, ...]:
    """Every `<ref>` of the article (all ref-lists, nested or not), in document order.

    A ref's number is its label when the label is a number, else its
    position among all refs.
    """
    references = []
    for position, ref in enumerate(article.iter("ref"), start=1):
        label = ref.findtext("label")
        match = _LABEL_NUMBER.fullmatch(label or "")
        number = (parse_int(match.group(1)) if match else None) or position  # not "²", not 5,000 digits
        references.append(read_reference(ref, number, tree))
    return tuple(references)


def read_reference(ref: etree._Element, number: int, tree: etree._ElementTree) -> Reference:
    """One `<ref>`: its fields, identifiers and text."""
    from citeaudit.bib.refparse import parse_reference

    citations = [el for el in ref.iter(*_CITATIONS)]
    structured = max(citations, key=_structure, default=None)
    written = next((c for c in citations if _has_punctuation(c)), None)
    work = _work(structured) if structured is not None else Work()
    etal = structured is not None and structured.find(".//etal") is not None
    text = fold(_visible(written)) if written is not None else _compose(work, etal=etal)
    if not text and structured is None:
        text = fold(" ".join(_visible(child) for child in ref if child.tag != "label"))
    if structured is None or _structure(structured) < 2:
        work = _merge(parse_reference(text), work)
    work, raw = _identifiers(ref, text, work)
    return Reference(number=number, id=ref.get("id") or f"ref{number}", text=text,
                     span=Span(line=ref.sourceline, xpath=tree.getpath(ref)), work=work, raw_identifiers=raw)


def _visible(el: etree._Element) -> str:
    """An element's text as read; the parts of a `<name>` get the space the markup leaves out."""
    if el.tag in ("name", "string-name") and el.find("surname") is not None:
        return " ".join(fold(_visible(part)) for part in el if isinstance(part.tag, str))
    pieces = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            pieces.append(_visible(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _structure(citation: etree._Element) -> int:
    """How many structured bibliographic fields a citation element has."""
    return sum(1 for child in citation if isinstance(child.tag, str) and child.tag in _STRUCTURE)


def _has_punctuation(citation: etree._Element) -> bool:
    """Whether a citation carries its own punctuation (mixed content), so its text reads as written."""
    if citation.tag == "element-citation":
        return False
    pieces = [citation.text, *(child.tail for child in citation)]
    return any(piece and piece.strip() for piece in pieces)


def _work(citation: etree._Element) -> Work:
    kind = citation.get("publication-type") or citation.get("citation-type")
    title = next((value for name in _TITLES if (value := _field(citation, name))), None)
    source = _field(citation, "source")
    journal = source
    if title is None and kind not in (None, "journal"):
        title, journal = source, None
    year_text = _field(citation, "year") or ""
    year = _YEAR.search(year_text)
    return Work(title=title, authors=_authors(citation), year=int(year.group()) if year else None,
                journal=journal, volume=_field(citation, "volume"), issue=_field(citation, "issue"),
                pages=_pages(citation), kind=_KINDS.get(kind or "", kind))


def _field(citation: etree._Element, name: str) -> str | None:
    el = citation.find(name)
    if el is None:
        return None
    return fold("".join(el.itertext())) or None


def _pages(citation: etree._Element) -> str | None:
    first, last = _field(citation, "fpage"), _field(citation, "lpage")
    if first:
        return f"{first}-{last}" if last and last != first else first
    return _field(citation, "elocation-id") or _field(citation, "page-range")


def _authors(citation: etree._Element) -> tuple[Person, ...]:
    groups = citation.findall("person-group")
    authors = next((g for g in groups if g.get("person-group-type") in (None, "author")), None)
    holder = authors if authors is not None else (citation if not groups else groups[0])
    people = []
    for el in holder:
        if el.tag in ("name", "string-name") and el.find("surname") is not None:
            people.append(Person(family=_field(el, "surname") or "",
                                 given=_field(el, "given-names") or ""))
        elif el.tag in ("string-name", "collab"):
            people.append(Person(family=fold("".join(el.itertext()))))
    return tuple(person for person in people if person.family)


def _merge(parsed: Work, structured: Work) -> Work:
    """Fields a parser read from the text, overridden by any the markup gives."""
    values = {name: getattr(structured, name) or getattr(parsed, name)
              for name in ("title", "authors", "year", "journal", "journal_abbrev", "volume",
                           "issue", "pages", "doi", "pmid", "pmcid", "kind")}
    return Work(**values)


def _identifiers(ref: etree._Element, text: str,
                 work: Work) -> tuple[Work, tuple[tuple[str, str], ...]]:
    """DOI, PMID and PMCID from pub-ids, DOI links and the text; every value as written."""
    from citeaudit.bib.identifiers import (
        find_identifiers,
        normalize_doi,
        normalize_pmcid,
        normalize_pmid,
    )

    raw: list[tuple[str, str]] = []
    # PLOS writes PMIDs as <object-id pub-id-type="pmid">, PMC as <pub-id>.
    for pub_id in ref.iter("pub-id", "object-id"):
        kind = {"pmc": "pmcid"}.get((pub_id.get("pub-id-type") or "").lower(),
                                    (pub_id.get("pub-id-type") or "").lower())
        if kind in ("doi", "pmid", "pmcid"):
            raw.append((kind, fold("".join(pub_id.itertext()))))
    for link in ref.iter("ext-link", "uri"):
        value = link.get(_XLINK_HREF) or fold("".join(link.itertext()))
        if link.get("ext-link-type") == "doi" or "doi.org/" in value.lower():
            raw.append(("doi", value))
    normalise = {"doi": normalize_doi, "pmid": normalize_pmid, "pmcid": normalize_pmcid}
    marked = {kind for kind, _ in raw}
    in_text = find_identifiers(text)
    raw.extend(pair for pair in in_text.raw if pair not in raw
               and (pair[0] not in marked or normalise[pair[0]](pair[1])))
    found = {kind: next((v for k, value in raw if k == kind and (v := normalise[kind](value))),
                        None)
             for kind in normalise}
    work = replace(work, **{kind: found[kind] or getattr(work, kind) for kind in found})
    return work, tuple(dict.fromkeys(raw))


def _compose(work: Work, *, etal: bool = False) -> str:
    """A Vancouver-like line for a citation that is markup only (element-citation)."""
    parts = []
    if work.authors:
        names = [f"{p.family} {p.given}".strip() for p in work.authors]
        parts.append(", ".join([*names, "et al"] if etal else names))
    for value in (work.title, work.journal):
        if value:
            parts.append(value)
    where = str(work.year or "")
    if work.volume:
        where += f";{work.volume}"
    if work.issue:
        where += f"({work.issue})"
    if work.pages:
        where += f":{work.pages}"
    if where:
        parts.append(where)
    return ". ".join(part.rstrip(".") for part in parts) + ("." if parts else "")


def fold(text: str) -> str:
    """White space folded to single spaces, ends trimmed."""
    return " ".join(text.split())

