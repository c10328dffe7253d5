"""Word field instructions of reference managers: what a citation field cites.

Zotero, Mendeley and EndNote insert each citation as a Word field whose
*result* is the marker the reader sees and whose *instruction* carries the
cited items' metadata:

    ADDIN ZOTERO_ITEM CSL_CITATION {json}     Zotero (CSL JSON; older: ADDIN ZOTERO_ITEM {json})
    ADDIN CSL_CITATION {json}                 Mendeley (CSL JSON)
    ADDIN EN.CITE <EndNote>...</EndNote>      EndNote (XML; or base64 in a nested
                                              EN.CITE.DATA field's w:fldData)
    ADDIN ZOTERO_BIBL / ADDIN Mendeley Bibliography / ADDIN EN.REFLIST
                                              the rendered bibliography
    w:sdt tagged MENDELEY_CITATION_v3_<base64 JSON>   Mendeley Cite (a content control, no field)
    CITATION <tag> [\\m <tag>...] / BIBLIOGRAPHY   Word's own citations; the data is in customXml
    ADDIN CitaviPlaceholder{<base64 JSON>}    Citavi (its data embedded only in some versions)

`read_field` turns one instruction into a `Field` whose items are ready to
become `Reference`s, so a draft written with a reference manager needs no
.bib file. A field whose data cannot be read is not an unreadable document:
it comes back with `problem` set and the reader reports it as CA104.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from citeaudit import safejson
from citeaudit.bib.identifiers import (
    find_identifiers,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from citeaudit.errors import InputError
from citeaudit.limits import MAX_ENDNOTE_DATA_BYTES
from citeaudit.model import Person, Work
from citeaudit.numbers import parse_int
from citeaudit.safexml import parse as parse_xml

MENDELEY_CITE = "MENDELEY_CITATION_v3_"
"""Tag prefix of a Mendeley Cite citation content control."""

FieldKind = Literal["citation", "bibliography", "hyperlink", "endnote-data", "other"]
NO_ITEM_DATA = frozenset({"word", "citavi"})
"""Managers whose citations may carry no item data: the reader says so once per document."""


@dataclass(frozen=True, slots=True)
class FieldItem:
    """One cited item of a reference-manager field."""

    id: str
    """The manager's own identifier: Zotero/Mendeley item URI, else its id; EndNote `endnote:<db>:<rec>`."""
    work: Work
    """Bibliographic fields from the item data (empty when the field carries none)."""
    key: str | None = None
    """The item's citation key, when the data names one (CSL `citation-key`, Better BibTeX note)."""
    raw_identifiers: tuple[tuple[str, str], ...] = ()
    """(kind, value as written) of the identifiers in the item data, valid or not."""


@dataclass(frozen=True, slots=True)
class Field:
    """What one field instruction says."""

    kind: FieldKind
    """citation, bibliography, hyperlink, endnote-data (the payload of an EN.CITE), other."""
    manager: str | None = None
    """zotero, mendeley or endnote, for citation and bibliography fields."""
    items: tuple[FieldItem, ...] = ()
    """Cited items in the order the field lists them."""
    rendered: str | None = None
    """The citation as the manager last formatted it (plain text), when stored."""
    target: str | None = None
    """Link target of a HYPERLINK field."""
    problem: str | None = None
    """Why the item data could not be read (the field is still a citation)."""


_ADDIN = re.compile(r"^\s*ADDIN\s+(?P<code>\S+)(?:\s+(?P<word>\S+))?", re.IGNORECASE)
_WORD_FIELD = re.compile(r"^\s*(CITATION|BIBLIOGRAPHY)\b", re.IGNORECASE)
_HYPERLINK = re.compile(r'^\s*HYPERLINK\s+(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))', re.IGNORECASE)
_ENDNOTE_XML = re.compile(r"<EndNote\b.*</EndNote>", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_SPACES = re.compile(r"\s+")
_CITATION_KEY_NOTE = re.compile(r"^\s*Citation Key\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


_ADDIN_CODES: dict[str, tuple[FieldKind, str]] = {
    "ZOTERO_ITEM": ("citation", "zotero"), "ZOTERO_BIBL": ("bibliography", "zotero"),
    "CSL_CITATION": ("citation", "mendeley"), "CSL_BIBLIOGRAPHY": ("bibliography", "mendeley"),
    "EN.CITE": ("citation", "endnote"), "EN.CITE.DATA": ("endnote-data", "endnote"),
    "EN.REFLIST": ("bibliography", "endnote"),
}
"""`ADDIN <code>` of each reference manager's fields."""
_CITAVI_CODES: dict[str, FieldKind] = {
    "CITAVIPLACEHOLDER": "citation", "CITAVI.PLACEHOLDER": "citation",
    "CITAVIBIBLIOGRAPHY": "bibliography", "CITAVI.BIBLIOGRAPHY": "bibliography",
}


def classify(instruction: str) -> tuple[FieldKind, str | None]:
    """The kind of field an instruction starts, and the reference manager behind it."""
    link = _HYPERLINK.match(instruction)
    if link:
        return "hyperlink", None
    word_field = _WORD_FIELD.match(instruction)
    if word_field:
        return ("citation" if word_field[1].upper() == "CITATION" else "bibliography"), "word"
    match = _ADDIN.match(instruction)
    if not match:
        return "other", None
    code = match.group("code").upper()
    word = (match.group("word") or "").upper()
    if code == "MENDELEY" and word == "BIBLIOGRAPHY":
        return "bibliography", "mendeley"
    if code in _ADDIN_CODES:
        return _ADDIN_CODES[code]
    # Citavi glues its payload to the code: "CitaviPlaceholder{eyJ...}".
    for prefix, kind in _CITAVI_CODES.items():
        if code.startswith(prefix):
            return kind, "citavi"
    return "other", None


def read_field(instruction: str, *, nested: Sequence[str] = (), data: Sequence[str] = (),
               sources: Mapping[str, Work] | None = None) -> Field:
    """What a field instruction says.

    `nested` are the instructions of fields nested inside this one's
    instruction, `data` the base64 `w:fldData` payloads of this field and
    of those nested fields: EndNote moves long citations there. `sources`
    are Word's own bibliography sources by tag (`citeaudit.plugins.docx.sources`),
    which Word's CITATION fields name.
    """
    kind, manager = classify(instruction)
    if kind == "hyperlink":
        link = _HYPERLINK.match(instruction)
        assert link is not None
        return Field(kind="hyperlink", target=link.group("quoted") or link.group("bare"))
    if kind != "citation":
        return Field(kind=kind, manager=manager)
    if manager == "endnote":
        return _read_endnote(instruction, nested, data)
    if manager == "word":
        return _read_word(instruction, sources or {})
    if manager == "citavi":
        return read_citavi(instruction)
    return _read_csl(instruction, manager or "zotero")


# -- Word's own citations and Citavi -------------------------------------------


def _read_word(instruction: str, sources: Mapping[str, Work]) -> Field:
    """`CITATION Smi20 \\l 1033 \\m Jon19`: the first tag and each `\\m` tag name a source."""
    words = instruction.split()
    tags = [words[1]] if len(words) > 1 and not words[1].startswith("\\") else []
    tags += [words[i + 1] for i, word in enumerate(words[:-1]) if word.lower() == "\\m"]
    items = tuple(FieldItem(id=f"word:{tag}", work=sources.get(tag, Work())) for tag in dict.fromkeys(tags))
    return Field(kind="citation", manager="word", items=items)


def read_citavi(instruction: str) -> Field:
    """`ADDIN CitaviPlaceholder{base64 JSON}`: its Entries name references, with their data when embedded."""
    payload = re.sub(r"^\s*ADDIN\s+Citavi\.?Placeholder", "", instruction, flags=re.IGNORECASE)
    payload = "".join(payload.split()).strip("{}")
    try:
        value = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8-sig"))
    except (binascii.Error, ValueError):
        return Field(kind="citation", manager="citavi")
    entries = value.get("Entries") if isinstance(value, dict) else None
    items = []
    for position, entry in enumerate(entries if isinstance(entries, list) else [], 1):
        if not isinstance(entry, dict):
            continue
        reference = entry.get("Reference") if isinstance(entry.get("Reference"), dict) else {}
        ident = entry.get("ReferenceId") or reference.get("Id") or f"item-{position}"
        items.append(FieldItem(id=f"citavi:{ident}", work=_citavi_work(reference)))
    return Field(kind="citation", manager="citavi", items=tuple(items))


def _citavi_work(reference: dict[str, Any]) -> Work:
    if not reference:
        return Work()
    authors = tuple(Person(family=_text(a.get("LastName")) or "", given=_text(a.get("FirstName")) or "")
                    for a in _list(reference.get("Authors")) if isinstance(a, dict) and a.get("LastName"))
    periodical = reference.get("Periodical") if isinstance(reference.get("Periodical"), dict) else {}
    year = _YEAR.search(str(reference.get("Year") or reference.get("YearResolved") or ""))
    pages = reference.get("PageRange")
    return Work(
        title=_text(reference.get("Title")), authors=authors, year=int(year[1]) if year else None,
        journal=_text(periodical.get("Name")), volume=_text(reference.get("Volume")),
        issue=_text(reference.get("Number")),
        pages=_text(pages.get("OriginalString") if isinstance(pages, dict) else pages),
        doi=normalize_doi(str(reference.get("Doi") or "")) or None,
        pmid=normalize_pmid(str(reference.get("PubMedId") or "")) or None)


def read_content_control(tag: str) -> Field | None:
    """What a content control's tag says, when a reference manager wrote it.

    Mendeley Cite (the add-in that replaced the Mendeley Desktop plugin) keeps
    no field: each citation is a `w:sdt` tagged `MENDELEY_CITATION_v3_` +
    base64 CSL citation JSON, the bibliography one tagged MENDELEY_BIBLIOGRAPHY.
    """
    if tag.startswith(MENDELEY_CITE):
        payload = "".join(tag[len(MENDELEY_CITE):].split()).replace("+", "-").replace("/", "_")
        try:
            decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return Field(kind="citation", manager="mendeley", problem="Mendeley Cite data is not valid base64")
        return _read_csl(decoded.decode("utf-8", "replace"), "mendeley")
    if tag.startswith("MENDELEY_BIBLIOGRAPHY"):
        return Field(kind="bibliography", manager="mendeley")
    return None


# -- CSL JSON (Zotero, Mendeley) ----------------------------------------------


def _read_csl(instruction: str, manager: str) -> Field:
    start = instruction.find("{")
    if start < 0:
        return Field(kind="citation", manager=manager, problem=f"{manager} field carries no citation data")
    try:
        value, _end = safejson.raw_decode(instruction, start)
    except json.JSONDecodeError as exc:
        return Field(kind="citation", manager=manager,
                     problem=f"{manager} field data is not valid JSON ({exc.msg} at character {exc.pos})")
    except ValueError as exc:  # nested too deep, or a number of thousands of digits
        return Field(kind="citation", manager=manager, problem=f"{manager} field data refused: {exc}")
    if not isinstance(value, dict) or not isinstance(value.get("citationItems"), list):
        return Field(kind="citation", manager=manager, problem=f"{manager} field data has no citationItems")
    items = tuple(_csl_item(entry, position) for position, entry in
                  enumerate(value["citationItems"], 1) if isinstance(entry, dict))
    return Field(kind="citation", manager=manager, items=items, rendered=_csl_rendered(value))


def _csl_rendered(value: dict[str, Any]) -> str | None:
    properties = value.get("properties") if isinstance(value.get("properties"), dict) else {}
    mendeley = value.get("mendeley") if isinstance(value.get("mendeley"), dict) else {}
    for text in (properties.get("plainCitation"), mendeley.get("plainTextFormattedCitation"),
                 mendeley.get("formattedCitation"), mendeley.get("previouslyFormattedCitation"),
                 properties.get("formattedCitation")):
        if isinstance(text, str) and text.strip() and not text.lstrip().startswith("{\\rtf"):
            return _plain(text)
    return None


def _csl_item(entry: dict[str, Any], position: int) -> FieldItem:
    data = entry.get("itemData") if isinstance(entry.get("itemData"), dict) else {}
    work, raw = csl_work(data)
    return FieldItem(id=_csl_item_id(entry, data, position), work=work, key=_csl_key(data), raw_identifiers=raw)


def _csl_item_id(entry: dict[str, Any], data: dict[str, Any], position: int) -> str:
    # A URI names the item in the user's library for good; the numeric or
    # "ITEM-1" ids are only positions inside one field.
    for name in ("uris", "uri"):
        uris = entry.get(name)
        if isinstance(uris, str) and uris:
            return uris
        if isinstance(uris, list) and uris and isinstance(uris[0], str):
            return uris[0]
    for value in (entry.get("id"), data.get("id")):
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return f"item-{position}"


def _csl_key(data: dict[str, Any]) -> str | None:
    for name in ("citation-key", "citationKey", "citation_key"):
        if isinstance(data.get(name), str) and data[name].strip():
            return data[name].strip()
    note = data.get("note")
    if isinstance(note, str):
        match = _CITATION_KEY_NOTE.search(note)
        if match:
            return match.group(1)
    return None


def csl_work(data: dict[str, Any]) -> tuple[Work, tuple[tuple[str, str], ...]]:
    """A Work and the identifiers as written, from one CSL JSON item."""
    raw: list[tuple[str, str]] = []
    doi = pmid = pmcid = None
    for name, kind in (("DOI", "doi"), ("PMID", "pmid"), ("PMCID", "pmcid")):
        value = data.get(name) or data.get(name.lower())
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            raw.append((kind, str(value).strip()))
    # Zotero keeps fields CSL lacks as "Key: value" lines in the note (Extra).
    for name in ("note", "URL"):
        if isinstance(data.get(name), str):
            raw.extend(find_identifiers(data[name]).raw)
    for kind, value in raw:
        if kind == "doi":
            doi = doi or normalize_doi(value)
        elif kind == "pmid":
            pmid = pmid or normalize_pmid(value)
        else:
            pmcid = pmcid or normalize_pmcid(value)
    work = Work(
        title=_text(data.get("title")),
        authors=tuple(p for p in (_csl_person(a) for a in _list(data.get("author"))) if p),
        year=_csl_year(data.get("issued")),
        journal=_text(data.get("container-title")),
        journal_abbrev=_text(data.get("container-title-short") or data.get("journalAbbreviation")),
        volume=_text(data.get("volume")),
        issue=_text(data.get("issue")),
        pages=_text(data.get("page")),
        doi=doi, pmid=pmid, pmcid=pmcid,
        kind=_text(data.get("type")),
    )
    return work, _unique(raw)


def _csl_person(value: Any) -> Person | None:
    if not isinstance(value, dict):
        return None
    family = _text(value.get("family"))
    if family:
        particle = _text(value.get("non-dropping-particle"))
        return Person(family=f"{particle} {family}" if particle else family, given=_text(value.get("given")) or "")
    literal = _text(value.get("literal"))
    return Person(family=literal) if literal else None


def _csl_year(value: Any) -> int | None:
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        year = parse_int(parts[0][0], 4)
        if year is not None:
            return year
    for name in ("raw", "literal", "season"):
        if isinstance(value.get(name), str):
            match = _YEAR.search(value[name])
            if match:
                return int(match.group(1))
    return None


# -- EndNote ------------------------------------------------------------------


def _read_endnote(instruction: str, nested: Sequence[str], data: Sequence[str]) -> Field:
    sources = [instruction, *nested]
    for payload in data:
        try:
            decoded = base64.b64decode("".join(payload.split()), validate=True)
        except (binascii.Error, ValueError):
            return Field(kind="citation", manager="endnote", problem="EndNote field data is not valid base64")
        if len(decoded) > MAX_ENDNOTE_DATA_BYTES:
            return Field(kind="citation", manager="endnote", problem="EndNote field data is over the size limit")
        sources.append(decoded.decode("utf-8", "replace"))
    for source in sources:
        match = _ENDNOTE_XML.search(source)
        if match:
            return _endnote_field(match.group(0))
    return Field(kind="citation", manager="endnote", problem="EndNote field carries no citation data")


def _endnote_field(xml: str) -> Field:
    try:
        root = parse_xml(xml.encode("utf-8"), "EndNote field", what="EndNote field data")
    except InputError as exc:
        return Field(kind="citation", manager="endnote", problem=exc.reason)
    items: list[FieldItem] = []
    for position, cite in enumerate(root.iter("Cite"), 1):
        record = cite.find("record")
        work, raw = endnote_work(record) if record is not None else (Work(), ())
        if record is not None and not work.authors and not work.title:
            work = _endnote_cite_fallback(cite, work)
        items.append(FieldItem(id=_endnote_id(cite, record, position), work=work, raw_identifiers=raw))
    rendered = next((_plain("".join(t.itertext())) for t in root.iter("DisplayText")), None)
    return Field(kind="citation", manager="endnote", items=tuple(items), rendered=rendered or None)


def _endnote_id(cite: Any, record: Any, position: int) -> str:
    number = _el_text(record, "rec-number") if record is not None else None
    number = number or _el_text(cite, "RecNum")
    if not number:
        return f"endnote:item-{position}"
    key = record.find("foreign-keys/key") if record is not None else None
    database = key.get("db-id") if key is not None else None
    return f"endnote:{database}:{number}" if database else f"endnote:{number}"


def _endnote_cite_fallback(cite: Any, work: Work) -> Work:
    author = _el_text(cite, "Author")
    year = _el_text(cite, "Year")
    return Work(title=work.title, authors=(Person(family=author),) if author else (),
                year=int(year) if year and year.isdigit() else work.year, journal=work.journal,
                volume=work.volume, issue=work.issue, pages=work.pages, doi=work.doi,
                pmid=work.pmid, pmcid=work.pmcid, kind=work.kind)


_ENDNOTE_KINDS = {"journal article": "article-journal", "book": "book", "book section": "chapter",
                  "conference proceedings": "paper-conference", "thesis": "thesis",
                  "web page": "webpage", "report": "report", "electronic article": "article-journal"}


def endnote_work(record: Any) -> tuple[Work, tuple[tuple[str, str], ...]]:
    """A Work and the identifiers as written, from one EndNote `<record>` element."""
    raw: list[tuple[str, str]] = []
    resource = _el_text(record, "electronic-resource-num")
    if resource:
        found = find_identifiers(resource).raw
        raw.extend(found or (("doi", resource),))
    accession = _el_text(record, "accession-num")
    if accession and accession.strip().isdigit():
        raw.append(("pmid", accession.strip()))
    for url in record.iterfind(".//urls//url"):
        raw.extend(find_identifiers("".join(url.itertext())).raw)
    for note in ("notes", "custom2"):
        text = _el_text(record, note)
        if text:
            raw.extend(r for r in find_identifiers(text).raw if r[0] != "doi")
    ids = {"doi": None, "pmid": None, "pmcid": None}
    normal = {"doi": normalize_doi, "pmid": normalize_pmid, "pmcid": normalize_pmcid}
    for kind, value in raw:
        ids[kind] = ids[kind] or normal[kind](value)
    year = _el_text(record, "dates/year")
    year_match = _YEAR.search(year or "")
    ref_type = record.find("ref-type")
    kind = _ENDNOTE_KINDS.get((ref_type.get("name") or "").lower()) if ref_type is not None else None
    work = Work(
        title=_el_text(record, "titles/title"),
        authors=tuple(_endnote_person(_plain("".join(a.itertext())))
                      for a in record.iterfind("contributors/authors/author") if "".join(a.itertext()).strip()),
        year=int(year_match.group(1)) if year_match else None,
        journal=_el_text(record, "periodical/full-title") or _el_text(record, "titles/secondary-title"),
        journal_abbrev=_el_text(record, "periodical/abbr-1") or _el_text(record, "titles/alt-title"),
        volume=_el_text(record, "volume"),
        issue=_el_text(record, "number"),
        pages=_el_text(record, "pages"),
        doi=ids["doi"], pmid=ids["pmid"], pmcid=ids["pmcid"], kind=kind,
    )
    return work, _unique(raw)


def _endnote_person(name: str) -> Person:
    family, comma, given = name.partition(",")
    if comma:
        return Person(family=family.strip(), given=given.strip())
    parts = name.split()
    return Person(family=parts[-1], given=" ".join(parts[:-1])) if len(parts) > 1 else Person(family=name)


# -- small helpers --------------------------------------------------------------


def _el_text(element: Any, path: str) -> str | None:
    found = element.find(path)
    if found is None:
        return None
    return _plain("".join(found.itertext())) or None


def _plain(text: str) -> str:
    """Markup (CSL's <i>, EndNote's <style>) and entities out, white space folded."""
    return _SPACES.sub(" ", html.unescape(_TAGS.sub("", text))).strip()


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _plain(value) or None
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _unique(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(pairs))
