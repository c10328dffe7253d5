"""Reading JATS XML (for the `jats` reader of `citeaudit.plugins.jats`): PMC, PLOS, eLife and
typesetters' articles.

Citations are `<xref ref-type="bibr" rid="...">` elements, so the reader
never guesses numbers from text: each xref becomes a Marker whose numbers
are those of the `<ref>`s it names (and of the range its text spells out,
`<xref rid="R11">11-15</xref>`). Paragraph-like elements become claim
blocks, read in the order of the text, floats where they are first cited
(`citeaudit.plugins.jats_floats`); `<ref>`s anywhere in the article become
the reference list (`citeaudit.plugins.jats_references`). A file holding
several articles (`<pmc-articleset>`, `<articles>`) gives one Document per
article.

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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from citeaudit import safexml
from citeaudit.claims import Block, build_claims
from citeaudit.errors import InputError
from citeaudit.inputs import read_bounded
from citeaudit.markers import parse_numbers
from citeaudit.model import Claim, Document, Finding, Marker, Reference, Span
from citeaudit.suppression import jats_suppressions

_WRAPPERS = frozenset({"article", "pmc-articleset", "articles", "OAI-PMH", "root", "sub-article"})
"""Root elements of JATS as found in the wild: an article, the PMC efetch set
(`<pmc-articleset>`, or `<articles>` as some tools save it), an OAI-PMH
GetRecord response, and the `<root>` of reference-list fragments."""

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

_NOTICES = frozenset({"correction", "retraction", "expression-of-concern", "addendum", "erratum",
                      "removal", "partial-retraction", "article-commentary-notice"})
"""Article types of notices, whose reference list names the article noticed without citing it."""

_NO_TEXT = frozenset({"math", "tex-math", "alternatives", "object-id", "graphic",
                      "inline-graphic", "media"})
"""Inline elements whose content is not prose (formulas, identifiers)."""

_DASHES = re.escape("-\u2010\u2011\u2012\u2013\u2014\u2212")
_JOINER = re.compile(rf"[\s,;\[\]()]*[{_DASHES}]?[\s,;\[\]()]*")
"""What may stand between two xrefs of one citation group."""
_RANGE = re.compile(rf"\s*[\])]?\s*[{_DASHES}]\s*[\[(]?\s*")
"""`3–6`, `[3]–[6]`: a dash between two xrefs makes a range."""
_DASH_ONLY = re.compile(rf"\s*[{_DASHES}]\s*")
_NUMERIC_XREF = re.compile(rf"[\s\[\]()\d,;{_DASHES}]*")
_YEAR_LIKE = re.compile(r"\b(1[89]|20)\d\d[a-z]?\b")
_CLOSING = {"[": "]", "(": ")"}
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_HTML_ENTITIES = {name[:-1]: value for name, value in html.entities.html5.items()
                  if name.endswith(";") and name[:-1] not in _XML_ENTITIES}


def read_jats(path: Path, options: object = None) -> Document | tuple[Document, ...] | None:
    """A Document for a JATS file, one per article for an article set; None for other XML
    (PubMed records, docx parts). For the reader's own suffixes (`citeaudit.plugins.jats`)."""
    suffix = path.suffix.lower()
    data = _read_bytes(path)
    if suffix == ".xml" and not _may_be_jats(data):
        return None
    root = safexml.parse(replace_html_entities(data), path, what="JATS XML")
    _strip_namespaces(root)
    articles = find_articles(root)
    if not articles:
        if suffix == ".xml":
            return None
        raise InputError(path, f"not a JATS article: the root element is <{root.tag}> and "
                               "holds no <article> or <ref-list>", line=root.sourceline)
    if len(articles) == 1:
        return read_article(articles[0], path)
    return tuple(read_article(article, path) for article in articles)


def _read_bytes(path: Path) -> bytes:
    return read_bounded(path, safexml.MAX_BYTES, what="JATS XML")


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


def find_articles(root: etree._Element) -> list[etree._Element]:
    """The article elements (not sub-articles), the fragment holding refs, or [] when the XML is not JATS."""
    if root.tag == "article":
        return [root]
    articles = [el for el in root.iter("article")
                if not any(a.tag == "article" for a in el.iterancestors())]
    if articles:
        return articles
    if root.tag in _WRAPPERS and (next(root.iter("ref"), None) is not None
                                  or next(root.iter("xref"), None) is not None):
        return [root]
    return []


def read_article(article: etree._Element, path: Path) -> Document:
    """The Document of one article element (already namespace-free)."""

    tree = article.getroottree()
    from citeaudit.plugins.jats_references import read_references  # not loaded by runs without JATS

    references = read_references(article, tree)
    numbers: dict[str, int] = {}
    for ref in references:
        if ref.number is not None:
            numbers.setdefault(ref.id, ref.number)
    context = _Context(tree, numbers, frozenset(numbers.values()), detect_style(article, references))
    elements, unordered = _block_elements(article)
    claims: list[Claim] = []
    unordered_claims: list[int] = []
    for el in elements:
        block = _block(el, context)
        if not block.markers:
            continue
        found = build_claims([block], first_id=len(claims) + 1)
        claims.extend(found)
        if el in unordered:
            unordered_claims.extend(claim.id for claim in found)
    diagnostics = _undefined_citations(claims, context.unresolved)
    extras: dict[str, object] = {"article_type": article.get("article-type")}
    if unordered_claims:
        extras["unordered_claims"] = tuple(unordered_claims)
    if article.getparent() is not None:
        extras["article"] = tree.getpath(article)
    if article.get("article-type") in _NOTICES and not claims:
        extras["uncited_by_design"] = True  # the notice's ref is the article it is about
    return Document(path=path, format="jats", claims=tuple(claims), references=references,
                    style=context.style, diagnostics=diagnostics, extras=extras,
                    suppressions=jats_suppressions(article, tree))


@dataclass
class _Context:
    """What reading the blocks of one article needs."""

    tree: etree._ElementTree
    numbers: dict[str, int]
    """ref/@id -> reference number."""
    listed: frozenset[int]
    style: str
    unresolved: dict[Marker, tuple[str, ...]] = field(default_factory=dict)
    """Markers naming rids that are no `<ref>`, for CA101."""
    paths: dict[etree._Element, dict[etree._Element, str]] = field(default_factory=dict)
    """parent -> {child: XPath}, filled a parent at a time (see `_span`)."""


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


def _block_elements(article: etree._Element) -> tuple[list[etree._Element], set[etree._Element]]:
    """Every element read as a block, in reading order, and those in floats (see `reading_order`).

    Paragraph-like elements are blocks; so is the parent of any bibr xref
    that would otherwise fall outside every block (an xref loose in a
    `<sec>` or a `<fig>`), so that no citation is ever dropped. Such a
    parent is read where its first loose xref stands, not where it opens.
    Floats are read where the text first cites them (`reading_order`).
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
    from citeaudit.plugins.jats_floats import reading_order

    return reading_order(article, roots, order)


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


def _block(el: etree._Element, context: _Context) -> Block:
    text = _Text(line=el.sourceline or 0)
    xrefs: list[_Xref] = []
    text.add(el.text)
    for child in el:
        _walk(child, text, xrefs)
        text.add(child.tail)
    body = text.text()
    markers = _markers(body, xrefs, context)
    if not markers:
        # read_article drops blocks without markers (most table cells and
        # captions): spare them the XPath and the section lookup.
        return Block(text=body, markers=markers, span_at=lambda _offset: Span(line=text.line), section=None)
    xpath = context.tree.getpath(el)

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
    from citeaudit.plugins.jats_references import fold

    for ancestor in (el, *el.iterancestors()):
        if ancestor.tag in ("sec", "app", "boxed-text", "ack", "abstract", "trans-abstract"):
            title = ancestor.find("title")
            if title is not None and "".join(title.itertext()).strip():
                return fold("".join(title.itertext()))
            if ancestor.tag in ("abstract", "trans-abstract"):
                return "Abstract"
    return None


def _markers(body: str, xrefs: list[_Xref], context: _Context) -> list[tuple[int, int, Marker]]:
    """The block's markers with the offsets they take out of the claim text.

    Xrefs joined only by brackets, commas, semicolons or a dash form one
    citation group; the group's brackets and separators belong to its
    markers, so the claim text keeps none of them.
    """
    found: list[tuple[int, int, Marker]] = []
    for group in _groups(body, xrefs):
        start, end = _widen(body, group[0].start, group[-1].end)
        items = _group_markers(body, group, context)
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
    left, right = start, end
    while left > 0 and body[left - 1] == " ":
        left -= 1
    while right < len(body) and body[right] == " ":
        right += 1
    # `<sup>[</sup> <xref/> <sup>]</sup>` (Wiley): the brackets may stand apart from the xref
    if left > 0 and right < len(body) and _CLOSING.get(body[left - 1]) == body[right]:
        start, end = left - 1, right + 1
    if start > 0 and body[start - 1] == " ":
        start -= 1
    return start, end


def _group_markers(body: str, group: list[_Xref], context: _Context) -> list[tuple[int, Marker]]:
    numbers = context.numbers
    items: list[tuple[int, Marker]] = []
    index = 0
    while index < len(group):
        xref = group[index]
        keys = tuple((xref.element.get("rid") or "").split())
        following = group[index + 1] if index + 1 < len(group) else None
        # PMC writes "3–6" as <xref>3</xref><xref rid="B4">-</xref><xref>6</xref>: the dash is an xref
        dash = (following is not None and index + 2 < len(group)
                and _DASH_ONLY.fullmatch(body[following.start:following.end])
                and not body[xref.end:following.start].strip()
                and not body[following.end:group[index + 2].start].strip())
        if dash:
            last = group[index + 2]
            middle = tuple((following.element.get("rid") or "").split())
            end_keys = tuple((last.element.get("rid") or "").split())
            marker, missing = _range_marker(body[xref.start:last.end], xref, keys + middle, end_keys,
                                            context)
            index += 3
        elif (following is not None and context.style == "numeric"
                and _RANGE.fullmatch(body[xref.end:following.start])):
            end_keys = tuple((following.element.get("rid") or "").split())
            marker, missing = _range_marker(body[xref.start:following.end], xref, keys, end_keys,
                                            context)
            index += 2
        else:
            resolved = tuple(numbers[key] for key in keys if key in numbers)
            missing = tuple(key for key in keys if key not in numbers)
            if context.style == "numeric" and len(resolved) == 1:
                resolved = _spelled_out(body[xref.start:xref.end], resolved[0], context.listed)
            marker = Marker(text=_written(body[xref.start:xref.end], xref.element), numbers=resolved,
                            span=_span(xref.element, context), style="xref", keys=keys,
                            problem=None if keys else "xref without a rid")
            index += 1
        if missing:
            context.unresolved[marker] = missing
        items.append((xref.start, marker))
    return items


def _spelled_out(written: str, number: int, listed: frozenset[int]) -> tuple[int, ...]:
    """The numbers one xref's text spells out: `<xref rid="R11">11-15</xref>` cites 11 to 15.

    Taylor & Francis, Portland Press and Dove point one xref at the range's
    first reference. The text is trusted only when it reads cleanly, starts
    at the number its rid names and every number is in the list; otherwise
    ("89 16", a publisher's lost dash) the rid alone counts.
    """
    inner = written.strip().strip("[]()").strip()
    if inner == str(number) or not _NUMERIC_XREF.fullmatch(inner):
        return (number,)
    spelled, problem = parse_numbers(inner)
    if problem or not spelled or spelled[0] != number or not listed.issuperset(spelled):
        return (number,)
    return spelled


def _range_marker(written: str, first: _Xref, keys: tuple[str, ...], end_keys: tuple[str, ...],
                  context: _Context) -> tuple[Marker, tuple[str, ...]]:
    """One marker for `<xref>3</xref>–<xref>6</xref>`: every number from 3 to 6."""
    numbers = context.numbers
    all_keys = keys + end_keys
    missing = tuple(key for key in all_keys if key not in numbers)
    low = [numbers[key] for key in keys if key in numbers]
    high = [numbers[key] for key in end_keys if key in numbers]
    problem = None
    if low and high and high[0] > min(low):
        resolved = tuple(dict.fromkeys((*low, *range(min(low), high[0] + 1), *high[1:])))
    else:
        resolved = (*low, *high)
        if low and high:
            problem = f"descending range {written}"
    marker = Marker(text=written, numbers=tuple(resolved), span=_span(first.element, context),
                    style="xref", keys=all_keys, problem=problem)
    return marker, missing


def _written(text: str, xref: etree._Element) -> str:
    """The marker as written; an empty xref is shown as its tag."""
    return text or f'<xref ref-type="bibr" rid="{xref.get("rid") or ""}"/>'


def _span(el: etree._Element, context: _Context) -> Span:
    """The element's line and XPath. `getpath` counts the preceding siblings each time,
    so 300,000 xrefs in one paragraph took minutes; siblings are numbered once here."""
    parent = el.getparent()
    if parent is None or not isinstance(el.tag, str) or "{" in el.tag:
        return Span(line=el.sourceline, xpath=context.tree.getpath(el))
    paths = context.paths.get(parent)
    if paths is None:
        base = context.tree.getpath(parent)
        children = [c for c in parent if isinstance(c.tag, str) and "{" not in c.tag]
        total = Counter(c.tag for c in children)
        seen: Counter[str] = Counter()
        paths = {}
        for child in children:
            seen[child.tag] += 1
            paths[child] = f"{base}/{child.tag}[{seen[child.tag]}]" if total[child.tag] > 1 else f"{base}/{child.tag}"
        context.paths[parent] = paths
    return Span(line=el.sourceline, xpath=paths.get(el) or context.tree.getpath(el))


def _undefined_citations(claims: list[Claim],
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
