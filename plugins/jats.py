"""Built-in reader for JATS XML: PMC, PLOS, eLife and typesetters' articles.

Citations are `<xref ref-type="bibr" rid="...">` elements, so the reader
never guesses numbers from text: each xref becomes a Marker whose numbers
are those of the `<ref>`s it names. Paragraph-like elements become claim
blocks; `<ref>`s anywhere in the article become the reference list.

The XML goes through `citeaudit.safexml`, which refuses DTDs with internal
subsets, entity declarations, oversized and over-deep input. Real articles
still use HTML named entities (`&nbsp;`) that only their DTD defines; the
DTD is never loaded, so those names are rewritten to character references
before parsing.
"""

from __future__ import annotations

import bisect
import html.entities
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

from citeaudit import hookimpl, safexml
from citeaudit.errors import InputError, LimitExceeded
from citeaudit.model import Claim, Document, Finding, Marker, Person, Reference, Span, Work
from citeaudit.numbers import parse_int

SUFFIXES = (".xml", ".nxml", ".jats")

_WRAPPERS = frozenset({"article", "pmc-articleset", "OAI-PMH", "root", "sub-article"})
"""Root elements of JATS as found in the wild: an article, the PMC efetch set,
an OAI-PMH GetRecord response, and the `<root>` of reference-list fragments."""

_BLOCKS = frozenset({"p", "td", "th", "title", "term", "attrib", "license-p", "def-head",
                     "verse-line", "kwd", "subtitle"})
"""Elements whose text is one run of prose (a claim block)."""

_CONTAINERS = frozenset({"list", "list-item", "table-wrap", "table", "fig", "fig-group",
                         "boxed-text", "disp-quote", "fn", "fn-group", "def-list", "def-item",
                         "def", "statement", "table-wrap-foot", "caption", "supplementary-material",
                         "array", "glossary", "speech", "verse-group", "question", "answer",
                         "sec", "app", "ack", "abstract", "trans-abstract", "body", "back",
                         "ref-list", "ref", "notes", "sub-article", "floats-group"})
"""Elements that hold blocks rather than prose: inside a block they are
skipped, because their own blocks are read on their own."""

_NO_TEXT = frozenset({"math", "tex-math", "alternatives", "object-id", "graphic",
                      "inline-graphic", "media"})
"""Inline elements whose content is not prose (formulas, identifiers)."""

_CITATIONS = frozenset({"element-citation", "mixed-citation", "nlm-citation", "citation"})
_TITLES = ("article-title", "chapter-title", "data-title", "part-title")
_STRUCTURE = frozenset({"person-group", "name", "string-name", "collab", "source", *_TITLES})
_KINDS = {"journal": "article-journal", "book": "book", "preprint": "preprint",
          "data": "dataset", "software": "software", "confproc": "paper-conference",
          "thesis": "thesis", "web": "webpage", "report": "report", "patent": "patent"}
_DASHES = re.escape("-\u2010\u2011\u2012\u2013\u2014\u2212")
_JOINER = re.compile(rf"[\s,;\[\]()]*[{_DASHES}]?[\s,;\[\]()]*")
"""What may stand between two xrefs of one citation group."""
_RANGE = re.compile(rf"\s*[\])]?\s*[{_DASHES}]\s*[\[(]?\s*")
"""`3–6`, `[3]–[6]`: a dash between two xrefs makes a range."""
_NUMERIC_XREF = re.compile(rf"[\s\[\]()\d,;{_DASHES}]*")
_YEAR_LIKE = re.compile(r"\b(1[89]|20)\d\d[a-z]?\b")
_CLOSING = {"[": "]", "(": ")"}
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_HTML_ENTITIES = {name[:-1]: value for name, value in html.entities.html5.items()
                  if name.endswith(";") and name[:-1] not in _XML_ENTITIES}
_YEAR = re.compile(r"(1[5-9]|20)\d\d")
_LABEL_NUMBER = re.compile(r"\W*(\d+)\W*")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@hookimpl(trylast=True)
def citeaudit_document_suffixes() -> list[str]:
    return list(SUFFIXES)


@hookimpl(trylast=True)
def citeaudit_read_document(path: Path, options: object) -> Document | None:
    """A Document for a JATS file; None for other XML (PubMed records, docx parts)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        return None
    data = _read_bytes(path)
    if suffix == ".xml" and not _may_be_jats(data):
        return None
    root = safexml.parse(replace_html_entities(data), path, what="JATS XML")
    _strip_namespaces(root)
    article = find_article(root)
    if article is None:
        if suffix == ".xml":
            return None
        raise InputError(path, f"not a JATS article: the root element is <{root.tag}> and "
                               "holds no <article> or <ref-list>", line=root.sourceline)
    return read_article(article, path)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > safexml.MAX_BYTES:
            raise LimitExceeded(path, f"JATS XML is {size} bytes, over the "
                                      f"{safexml.MAX_BYTES} bytes limit")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc


def _may_be_jats(data: bytes) -> bool:
    """Whether an `.xml` file is worth parsing as JATS (judged from its first element).

    A file that declares a DTD subset is claimed too, so that safexml refuses
    it with its own message instead of it passing as "no reader".
    """
    head = data[:65536]
    if re.search(rb"<!DOCTYPE[^>\[]*\[", head) or b"<!ENTITY" in head:
        return True
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S)
    first = re.search(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)", body)
    return bool(first) and first.group(2).decode() in _WRAPPERS


def replace_html_entities(data: bytes) -> bytes:
    """`data` with HTML named entities (`&nbsp;`) written as character references.

    JATS DTDs define these names, but the DTD is never loaded (it may be
    remote, and DTDs are how entity attacks arrive), so the names are
    resolved here from Python's own table. Unknown names are left for the
    parser to report.
    """
    def replace(match: re.Match[bytes]) -> bytes:
        value = _HTML_ENTITIES.get(match.group(1).decode("ascii"))
        if value is None:
            return match.group(0)
        return "".join(f"&#{ord(char)};" for char in value).encode("ascii")

    return _ENTITY.sub(replace, data)


def _strip_namespaces(root: etree._Element) -> None:
    """Drop element namespaces (namespaced JATS, OAI-PMH), so one vocabulary of names serves all."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]
    etree.cleanup_namespaces(root)


def find_article(root: etree._Element) -> etree._Element | None:
    """The article element, the fragment holding refs, or None when the XML is not JATS."""
    if root.tag == "article":
        return root
    article = next(root.iter("article"), None)
    if article is not None:
        return article
    if root.tag in _WRAPPERS and (next(root.iter("ref"), None) is not None
                                  or next(root.iter("xref"), None) is not None):
        return root
    return None


def read_article(article: etree._Element, path: Path) -> Document:
    """The Document of one article element (already namespace-free)."""
    from citeaudit.claims import build_claims

    tree = article.getroottree()
    references = read_references(article, tree)
    numbers = {}
    for ref in references:
        if ref.number is not None:
            numbers.setdefault(ref.id, ref.number)
    style = detect_style(article, references)
    unresolved: dict[Marker, tuple[str, ...]] = {}
    blocks = [_block(el, tree, numbers, style, unresolved) for el in _block_elements(article)]
    claims = build_claims(block for block in blocks if block.markers)
    diagnostics = _undefined_citations(claims, unresolved)
    return Document(path=path, format="jats", claims=claims, references=references, style=style,
                    diagnostics=diagnostics,
                    extras={"article_type": article.get("article-type")})


def detect_style(article: etree._Element, references: tuple[Reference, ...]) -> str:
    """numeric when most bibr xrefs read as numbers (`[3]`, `3–6`), else author-year."""
    numeric = textual = 0
    for xref in _bibr_xrefs(article):
        text = "".join(xref.itertext()).strip()
        if not text:
            continue
        if _NUMERIC_XREF.fullmatch(text) and not _YEAR_LIKE.search(text):
            numeric += 1
        else:
            textual += 1
    if numeric or textual:
        return "numeric" if numeric >= textual else "author-year"
    labelled = [ref for ref in references if ref.number is not None]
    return "numeric" if labelled or not references else "author-year"


def _bibr_xrefs(article: etree._Element) -> Iterator[etree._Element]:
    for xref in article.iter("xref"):
        if xref.get("ref-type") == "bibr":
            yield xref


# -- claims -----------------------------------------------------------------------


def _block_elements(article: etree._Element) -> list[etree._Element]:
    """Every element read as a block, in reading order.

    Paragraph-like elements are blocks; so is the parent of any bibr xref
    that would otherwise fall outside every block (an xref loose in a
    `<sec>` or a `<fig>`), so that no citation is ever dropped. Such a
    parent is read where its first loose xref stands, not where it opens.
    """
    order = {el: index for index, el in enumerate(article.iter())}
    roots = {el: order[el] for el in article.iter(*_BLOCKS) if not _in_reference(el)}
    for xref in _bibr_xrefs(article):
        if _in_reference(xref):
            continue
        holder = next((a for a in xref.iterancestors() if a.tag in _BLOCKS or a.tag in _CONTAINERS),
                      None)
        if holder is None or holder not in roots:
            parent = xref.getparent()
            roots.setdefault(parent if parent is not None else xref, order[xref])
    return sorted(roots, key=roots.__getitem__)


def _in_reference(el: etree._Element) -> bool:
    return any(a.tag == "ref" for a in el.iterancestors())


@dataclass
class _Text:
    """A block's visible text, white space folded, with a line map for its offsets."""

    line: int
    chars: list[str] = field(default_factory=list)
    size: int = 0
    space: bool = False
    lines: list[tuple[int, int]] = field(default_factory=list)

    def add(self, raw: str | None) -> None:
        # Line by line rather than word by word: a long article has tens of
        # thousands of words, and this runs for every text node.
        if not raw:
            return
        for number, segment in enumerate(raw.split("\n")):
            if number:
                self.line += 1
                self.space = self.size > 0
            words = segment.split()
            if not words:
                if segment:
                    self.space = self.size > 0
                continue
            if segment[0].isspace():
                self.space = self.size > 0
            self._flush_space()
            if not self.lines or self.lines[-1][1] != self.line:
                self.lines.append((self.size, self.line))
            joined = " ".join(words)
            self.chars.append(joined)
            self.size += len(joined)
            if segment[-1].isspace():
                self.space = True

    def _flush_space(self) -> None:
        if self.space:
            self.chars.append(" ")
            self.size += 1
            self.space = False

    def begin(self, line: int | None) -> int:
        """Start a marker at `line`: the offset it starts at."""
        if line is not None:
            self.line = line
        self._flush_space()
        return self.size

    def text(self) -> str:
        return "".join(self.chars)

    def line_at(self, offset: int) -> int:
        starts = [start for start, _ in self.lines]
        index = bisect.bisect_right(starts, offset) - 1
        return self.lines[max(index, 0)][1] if self.lines else self.line


@dataclass
class _Xref:
    element: etree._Element
    start: int
    end: int


def _block(el: etree._Element, tree: etree._ElementTree, numbers: dict[str, int], style: str,
           unresolved: dict[Marker, tuple[str, ...]]) -> object:
    from citeaudit.claims import Block

    text = _Text(line=el.sourceline or 0)
    xrefs: list[_Xref] = []
    text.add(el.text)
    for child in el:
        _walk(child, text, xrefs)
        text.add(child.tail)
    body = text.text()
    markers = _markers(body, xrefs, tree, numbers, style, unresolved)
    if not markers:
        # read_article drops blocks without markers (most table cells and
        # captions): spare them the XPath and the section lookup.
        return Block(text=body, markers=markers, span_at=lambda _offset: Span(line=text.line), section=None)
    xpath = tree.getpath(el)

    def span_at(offset: int) -> Span:
        return Span(line=text.line_at(offset), xpath=xpath)

    return Block(text=body, markers=markers, span_at=span_at, section=_section(el))


def _walk(el: etree._Element, text: _Text, xrefs: list[_Xref]) -> None:
    """Add the visible text of an inline element; record bibr xrefs as they pass."""
    if not isinstance(el.tag, str):
        if el.tag is etree.Entity:
            text.add(el.text)
        return
    if el.tag in _BLOCKS or el.tag in _CONTAINERS or el.tag in _NO_TEXT:
        return
    if el.tag == "xref" and el.get("ref-type") == "bibr":
        start = text.begin(el.sourceline)
        text.add("".join(el.itertext()))
        xrefs.append(_Xref(el, start, text.size))
        return
    if el.sourceline:
        text.line = el.sourceline
    text.add(el.text)
    for child in el:
        _walk(child, text, xrefs)
        text.add(child.tail)


def _section(el: etree._Element) -> str | None:
    for ancestor in (el, *el.iterancestors()):
        if ancestor.tag in ("sec", "app", "boxed-text", "ack", "abstract", "trans-abstract"):
            title = ancestor.find("title")
            if title is not None and "".join(title.itertext()).strip():
                return fold("".join(title.itertext()))
            if ancestor.tag in ("abstract", "trans-abstract"):
                return "Abstract"
    return None


def _markers(body: str, xrefs: list[_Xref], tree: etree._ElementTree, numbers: dict[str, int],
             style: str, unresolved: dict[Marker, tuple[str, ...]]) -> list[tuple[int, int, Marker]]:
    """The block's markers with the offsets they take out of the claim text.

    Xrefs joined only by brackets, commas, semicolons or a dash form one
    citation group; the group's brackets and separators belong to its
    markers, so the claim text keeps none of them.
    """
    found: list[tuple[int, int, Marker]] = []
    for group in _groups(body, xrefs):
        start, end = _widen(body, group[0].start, group[-1].end)
        items = _group_markers(body, group, tree, numbers, style, unresolved)
        for index, (first, marker) in enumerate(items):
            mark_start = start if index == 0 else first
            mark_end = end if index == len(items) - 1 else items[index + 1][0]
            found.append((mark_start, mark_end, marker))
    return found


def _groups(body: str, xrefs: list[_Xref]) -> list[list[_Xref]]:
    groups: list[list[_Xref]] = []
    for xref in xrefs:
        if groups and _JOINER.fullmatch(body[groups[-1][-1].end:xref.start]):
            groups[-1].append(xref)
        else:
            groups.append([xref])
    return groups


def _widen(body: str, start: int, end: int) -> tuple[int, int]:
    """Take in the brackets that enclose a whole citation group (`[<xref/>, <xref/>]`)
    and the space before it, so that "disease (Smith, 2010)." reads "disease."."""
    if start > 0 and end < len(body) and _CLOSING.get(body[start - 1]) == body[end]:
        start, end = start - 1, end + 1
    if start > 0 and body[start - 1] == " ":
        start -= 1
    return start, end


def _group_markers(body: str, group: list[_Xref], tree: etree._ElementTree,
                   numbers: dict[str, int], style: str,
                   unresolved: dict[Marker, tuple[str, ...]]) -> list[tuple[int, Marker]]:
    items: list[tuple[int, Marker]] = []
    index = 0
    while index < len(group):
        xref = group[index]
        keys = tuple((xref.element.get("rid") or "").split())
        following = group[index + 1] if index + 1 < len(group) else None
        if (following is not None and style == "numeric"
                and _RANGE.fullmatch(body[xref.end:following.start])):
            end_keys = tuple((following.element.get("rid") or "").split())
            marker, missing = _range_marker(body[xref.start:following.end], xref, keys, end_keys,
                                            tree, numbers)
            index += 2
        else:
            resolved = tuple(numbers[key] for key in keys if key in numbers)
            missing = tuple(key for key in keys if key not in numbers)
            marker = Marker(text=_written(body[xref.start:xref.end], xref.element), numbers=resolved,
                            span=_span(xref.element, tree), style="xref", keys=keys,
                            problem=None if keys else "xref without a rid")
            index += 1
        if missing:
            unresolved[marker] = missing
        items.append((xref.start, marker))
    return items


def _range_marker(written: str, first: _Xref, keys: tuple[str, ...], end_keys: tuple[str, ...],
                  tree: etree._ElementTree, numbers: dict[str, int]) -> tuple[Marker, tuple[str, ...]]:
    """One marker for `<xref>3</xref>–<xref>6</xref>`: every number from 3 to 6."""
    all_keys = keys + end_keys
    missing = tuple(key for key in all_keys if key not in numbers)
    low = [numbers[key] for key in keys if key in numbers]
    high = [numbers[key] for key in end_keys if key in numbers]
    problem = None
    if low and high and high[0] > low[-1]:
        resolved = (*low[:-1], *range(low[-1], high[0] + 1), *high[1:])
    else:
        resolved = (*low, *high)
        if low and high:
            problem = f"descending range {written}"
    marker = Marker(text=written, numbers=tuple(resolved), span=_span(first.element, tree),
                    style="xref", keys=all_keys, problem=problem)
    return marker, missing


def _written(text: str, xref: etree._Element) -> str:
    """The marker as written; an empty xref is shown as its tag."""
    return text or f'<xref ref-type="bibr" rid="{xref.get("rid") or ""}"/>'


def _span(el: etree._Element, tree: etree._ElementTree) -> Span:
    return Span(line=el.sourceline, xpath=tree.getpath(el))


def _undefined_citations(claims: tuple[Claim, ...],
                         unresolved: dict[Marker, tuple[str, ...]]) -> tuple[Finding, ...]:
    """CA101 for each rid that names no `<ref>`, tied to the claim that carries it."""
    findings: list[Finding] = []
    for claim in claims:
        for marker in claim.markers:
            for rid in unresolved.get(marker, ()):
                findings.append(Finding(
                    rule="CA101", span=marker.span, claim=claim.id, evidence={"rid": rid},
                    message=f"the citation {marker.text!r} points at {rid!r}, which is not in the "
                            "reference list"))
    return tuple(findings)


# -- references ---------------------------------------------------------------------


def read_references(article: etree._Element, tree: etree._ElementTree) -> tuple[Reference, ...]:
    """Every `<ref>` of the article (all ref-lists, nested or not), in document order.

    A ref's number is its label when the label is a number, else its
    position among all refs.
    """
    references = []
    for position, ref in enumerate(article.iter("ref"), start=1):
        label = ref.findtext("label")
        match = _LABEL_NUMBER.fullmatch(label or "")
        number = (parse_int(match.group(1)) if match else None) or position  # not 5,000 digits
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
                     span=_span(ref, tree), work=work, raw_identifiers=raw)


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
    in_text = find_identifiers(text)
    raw.extend(pair for pair in in_text.raw if pair not in raw)
    normalise = {"doi": normalize_doi, "pmid": normalize_pmid, "pmcid": normalize_pmcid}
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

