"""Reporter `docx`: a copy of the Word draft with a comment at each flagged marker.

The author reads the problems where they are, in Word or LibreOffice. The
copy is the original package with `word/document.xml` edited (comment range
and reference added, runs split so the range covers just the marker), a
comments part added or extended, and its content type and relationship
declared; every other part is copied unchanged. The original file is only
ever read.

The package is the reader's (`citeaudit.plugins.docx.package`, with its
checks against damaged and hostile zips), and so is the rule for a
paragraph's visible text (`citeaudit.plugins.docx.text`), so a location the
reader reports is the place the comment covers. Where a comment goes:

- a finding on a marker (its span is the marker's, or it names a claim)
  goes on that marker; one comment per marker lists all its findings;
- a finding on a reference-list entry that no claim owns (CA102, CA3xx)
  goes on the entry's paragraph;
- a finding with neither (a .bib problem) goes on the first paragraph.

Markers inside footnotes or endnotes are commented at the note's reference
mark in the body, the comment saying which note and marker it means: Word
and LibreOffice both show body comments reliably, notes' comments less so.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from citeaudit.errors import InputError, UsageError
from citeaudit.explain import Explainer
from citeaudit.model import Document, Finding, Marker, Span
from citeaudit.plugins.docx.package import CT_NS as CT
from citeaudit.plugins.docx.package import PKG_REL_NS as PKG_REL
from citeaudit.plugins.docx.package import R_NS as R
from citeaudit.plugins.docx.package import W_NS as W
from citeaudit.plugins.docx.package import Package, w
from citeaudit.plugins.docx.text import visible
from citeaudit.report import DocumentReport, RunReport, at_least, min_severity
from citeaudit.runinfo import run_info

COMMENTS_REL = R + "/comments"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
AUTHOR = "citeaudit"
INITIALS = "CA"
DEFAULT_MIN_SEVERITY = "warning"
"""Infos (a reference without identifiers, say) are commented only with --min-severity info."""

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TRACKED = frozenset({f"{{{W}}}ins", f"{{{W}}}moveTo"})


@dataclass(frozen=True, slots=True)
class Anchor:
    """One comment to add: where it goes and the findings it lists."""

    part: str | None
    """None for the body, `footnote:<id>` / `endnote:<id>` for a note."""
    paragraph: int
    """Index of the `w:p` among the part's paragraphs."""
    offset: int | None
    """Visible-text offset of the first character; None for the whole paragraph."""
    text: str
    """The characters the comment should cover (the marker as written); empty for a paragraph."""
    findings: tuple[Finding, ...]
    """What the comment lists, in report order."""
    kind: str = "marker"
    """marker, reference or document."""


@dataclass(frozen=True, slots=True)
class Signature:
    """Who the comments are by and when: Word and LibreOffice show all three."""

    author: str = AUTHOR
    initials: str = INITIALS
    date: str | None = None
    """ISO 8601 in UTC (`2026-12-05T13:27:35Z`), the run's date."""
    headline: str = ""
    """The run sentence (version, date, registries) the general comment starts with."""


def initials_of(author: str) -> str:
    """"Jane Q. Doe" -> "JQD"; one word -> its first two letters."""
    words = re.findall(r"[^\W\d_]+", author)
    if len(words) == 1:
        return words[0][:2].upper()
    return "".join(word[0] for word in words[:4]).upper() or INITIALS


def signature(run: RunReport, hidden: int = 0) -> Signature:
    """The author (the `comment-author` plugin option), initials, date and headline of a run."""
    author = str((getattr(run.options, "plugin_options", None) or {}).get("comment-author") or AUTHOR).strip()
    author = _XML_ILLEGAL.sub("", author)[:100] or AUTHOR
    info = run_info(run)
    headline = info.sentence() + "."
    if hidden:
        headline += f" {hidden} finding(s) below the shown severity left out (--min-severity info shows them)."
    return Signature(author, INITIALS if author == AUTHOR else initials_of(author), info.date, headline)


def render(run: RunReport) -> bytes:
    """The commented copy of the run's one Word draft."""
    the_word_draft(run)
    run, hidden = at_least(run, min_severity(run.options, DEFAULT_MIN_SEVERITY))
    report = the_word_draft(run)
    wanted = anchors(report)
    if not any(a.kind == "document" for a in wanted):
        wanted.append(Anchor(None, 0, None, "", (), "document"))
    return annotate(source_of(report.document), wanted, signature(run, hidden), Explainer.of(run))


def the_word_draft(run: RunReport) -> DocumentReport:
    """The run's only document, which must be a Word draft."""
    for doc in run.documents:
        if doc.document.format != "docx":
            raise UsageError(f"--format docx writes a commented copy of a Word draft; "
                             f"{doc.document.path} is {doc.document.format} (use --format html)")
    if len(run.documents) != 1:
        raise UsageError(f"--format docx writes one commented copy; {len(run.documents)} documents "
                         "were checked: check one .docx at a time")
    return run.documents[0]


def source_of(document: Document) -> Path:
    """The Word file the reader read."""
    return Path(document.extras.get("docx", {}).get("path") or document.path)


# -- where the comments go ----------------------------------------------------


def anchors(report: DocumentReport) -> list[Anchor]:
    """The comments to add: one per flagged marker, reference paragraph, or the document."""
    doc = report.document
    by_span: dict[Span, Marker] = {}
    for claim in doc.claims:
        for marker in claim.markers:
            by_span.setdefault(marker.span, marker)
    claims = {claim.id: claim for claim in doc.claims}
    groups: dict[tuple, list[Finding]] = {}
    places: dict[tuple, Anchor] = {}
    for finding in report.findings:
        place = _place(finding, doc, by_span, claims)
        key = (place.kind, place.part, place.paragraph, place.offset)
        groups.setdefault(key, []).append(finding)
        places.setdefault(key, place)
    return [Anchor(p.part, p.paragraph, p.offset, p.text, tuple(groups[k]), p.kind)
            for k, p in places.items()]


def _place(finding: Finding, doc: Document, by_span: dict[Span, Marker], claims: dict) -> Anchor:
    marker = by_span.get(finding.span) if finding.span.paragraph is not None else None
    if marker is None and finding.claim in claims:
        markers = claims[finding.claim].markers
        wanted = finding.citation if finding.citation is not None else finding.reference
        marker = next((m for m in markers if wanted in m.numbers), markers[0] if markers else None)
    if marker is not None and marker.span.paragraph is not None:
        return Anchor(marker.span.part, marker.span.paragraph, marker.span.offset or 0, marker.text, ())
    ref = doc.reference(finding.reference) if finding.reference is not None else None
    if ref is None and finding.key:
        ref = next((r for r in doc.references if finding.key in (r.key, r.id)), None)
    if ref is not None and ref.span.paragraph is not None:
        return Anchor(ref.span.part, ref.span.paragraph, None, "", (), "reference")
    if finding.span.paragraph is not None and finding.path is None:
        return Anchor(finding.span.part, finding.span.paragraph, None, "", (), "reference")
    return Anchor(None, 0, None, "", (), "document")


def comment_lines(anchor: Anchor, headline: str = "", words: Explainer | None = None) -> list[str]:
    """The comment's paragraphs: where, when not obvious; then per finding what is wrong in
    plain words with the rule code and severity last, and the suggested fix when there is one.

    The general comment on the first paragraph starts with `headline` (version, date, registries);
    `words` are the run's (its rules' wording and source labels).
    """
    words = words or Explainer()
    lines = []
    if anchor.kind == "document" and headline:
        lines.append(headline)
    if anchor.part:
        kind, _, note = anchor.part.partition(":")
        lines.append(f"In {kind} {note}" + (f", at “{anchor.text}”:" if anchor.text else ":"))
    elif anchor.kind == "document" and anchor.findings:
        lines.append("Not tied to a place in the draft:")
    for f in anchor.findings:
        where = f" ({f.path}:{f.span.line})" if f.path and f.span.line else ""
        said = words.explain(f)
        if where:
            said = said.rstrip(".") + where + "."
        lines.append(f"{said} \u2014 {f.rule} ({f.severity or 'info'})")
        if f.fix is not None:
            lines.append(f"Suggested: {f.fix.suggestion()}")
    return lines


# -- the commented copy ---------------------------------------------------------


def annotate(source: Path, wanted: list[Anchor], sign: Signature | None = None,
             words: Explainer | None = None) -> bytes:
    """The bytes of a copy of `source` with one comment per anchor."""
    sign = sign or Signature()
    package = Package.open(source)
    main = package.main_part()
    document = package.xml(main)
    comments_part, comments = _comments(package, main)
    next_id = max((int(c.get(w("id"))) for c in comments.iter(w("comment"))
                   if (c.get(w("id")) or "").lstrip("-").isdigit()), default=-1) + 1
    body = document.find(w("body"))
    if body is None:
        raise InputError(source, f"{main} has no w:body")
    paragraphs = list(body.iter(w("p")))
    notes = _NoteRefs(body)
    wanted = [_free_paragraph(a, wanted, paragraphs) if a.kind == "document" else a for a in wanted]
    for anchor in wanted:
        if not place_comment(anchor, next_id, paragraphs, notes):
            continue
        comments.append(comment_element(next_id, comment_lines(anchor, sign.headline, words), sign))
        next_id += 1
    package.replace(main, document)
    package.replace(comments_part, comments)
    _declare_comments(package, main, comments_part)
    return package.write()


def _free_paragraph(general: Anchor, wanted: list[Anchor], paragraphs: list[etree._Element]) -> Anchor:
    """The general comment goes on the first paragraph with text that no other comment uses
    (the title, usually), so its range never wraps a marker's comment or field."""
    used = {a.paragraph for a in wanted if a.part is None and a is not general}
    for index, paragraph in enumerate(paragraphs):
        if index not in used and any(not c.char.isspace() for c in visible(paragraph)):
            return Anchor(None, index, None, "", general.findings, "document")
    return general


def _comments(package: Package, main: str) -> tuple[str, etree._Element]:
    """The comments part (name, root): the draft's own if it has one, else a new one."""
    for rel_type, target, external in package.relationships(main).values():
        if rel_type == "comments" and not external and package.has(target):
            return target, package.xml(target)
    folder = str(PurePosixPath(main).parent)
    name = "comments.xml" if folder in ("", ".") else f"{folder}/comments.xml"
    return name, etree.Element(w("comments"), nsmap={"w": W})


def _declare_comments(package: Package, main: str, comments: str) -> None:
    """Add the comments part's relationship and content type unless already there."""
    rels_name = _rels_name(main)
    rels = (package.xml(rels_name) if package.has(rels_name)
            else etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL}))
    found = [r for r in rels.iter(f"{{{PKG_REL}}}Relationship") if r.get("Type") == COMMENTS_REL]
    if not found:
        used = {r.get("Id") for r in rels.iter(f"{{{PKG_REL}}}Relationship")}
        number = 1
        while f"rIdCiteaudit{number}" in used:
            number += 1
        etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=f"rIdCiteaudit{number}",
                         Type=COMMENTS_REL, Target=_relative(main, comments))
        package.replace(rels_name, rels)
    if not package.has("[Content_Types].xml"):
        raise InputError(package.path, "the package has no part [Content_Types].xml")
    types = package.xml("[Content_Types].xml")
    part_name = "/" + comments
    if not any(o.get("PartName", "").lower() == part_name.lower()
               for o in types.iter(f"{{{CT}}}Override")):
        etree.SubElement(types, f"{{{CT}}}Override", PartName=part_name, ContentType=COMMENTS_TYPE)
        package.replace("[Content_Types].xml", types)


def _rels_name(part: str) -> str:
    path = PurePosixPath(part)
    return str(path.parent / "_rels" / (path.name + ".rels"))


def _relative(main: str, target: str) -> str:
    folder = str(PurePosixPath(main).parent)
    return target[len(folder) + 1:] if folder not in ("", ".") and target.startswith(folder + "/") else "/" + target


# -- visible text and runs -----------------------------------------------------


def split_before(paragraph: etree._Element, offset: int) -> None:
    """Split runs so that a run starts exactly at visible `offset` (when the character is a run's child)."""
    chars = visible(paragraph)
    if not 0 < offset < len(chars):
        return
    here, before = chars[offset], chars[offset - 1]
    if before.run is not here.run or here.element.getparent() is not here.run:
        return
    run, element = here.run, here.element
    if element.tag == w("t") and here.index > 0:
        text = element.text or ""
        rest = etree.Element(w("t"))
        rest.text = text[here.index:]
        element.text = text[:here.index]
        for t in (element, rest):
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        element.addnext(rest)
        element = rest
    second = etree.Element(w("r"), dict(run.attrib))
    props = run.find(w("rPr"))
    if props is not None:
        second.append(deepcopy(props))
    for child in [element, *element.itersiblings()]:
        second.append(child)
    run.addnext(second)


def place_comment(anchor: Anchor, comment_id: int, paragraphs: list[etree._Element],
                  notes: _NoteRefs) -> bool:
    """Insert the comment range and reference for `anchor`; False when its place does not exist."""
    if anchor.part:
        run = notes.run_of(anchor.part)
        if run is None:
            return False
        _wrap(run, run, comment_id)
        return True
    if not 0 <= anchor.paragraph < len(paragraphs):
        return False
    paragraph = paragraphs[anchor.paragraph]
    text = "".join(c.char for c in visible(paragraph))
    start, end = (0, len(text)) if anchor.offset is None else locate(text, anchor.offset, anchor.text)
    if start >= end:
        _wrap_empty(paragraph, comment_id)
        return True
    split_before(paragraph, start)
    split_before(paragraph, end)
    chars = visible(paragraph)
    _wrap(chars[start].run, chars[end - 1].run, comment_id)
    return True


def locate(text: str, offset: int, marker: str) -> tuple[int, int]:
    """[start, end) of the marker in the paragraph text: at `offset`, else the nearest copy.

    When the marker's text is nowhere (a reader's normalised form), the word
    at `offset` is covered instead, so the comment still sits in the right place.
    """
    offset = max(0, min(offset, len(text)))
    if marker and text.startswith(marker, offset):
        return offset, offset + len(marker)
    if marker:
        hits = [m.start() for m in re.finditer(re.escape(marker), text)]
        if hits:
            best = min(hits, key=lambda h: abs(h - offset))
            return best, best + len(marker)
    if offset >= len(text):
        return max(0, len(text) - 1), len(text)
    end = offset + 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return offset, end


def _wrap(first_run: etree._Element, last_run: etree._Element, comment_id: int) -> None:
    # A marker that is a field's result (a Zotero or Mendeley citation) is
    # commented as the whole field: LibreOffice cannot start a comment inside
    # a field and would leave it empty. The reference mark always goes after
    # the field (a bibliography field may run over many paragraphs): inside a
    # result, a reference manager's refresh would wipe it, and LibreOffice
    # drops the comment's text.
    field_end = _field_char(last_run, "end")
    field_begin = _field_char(first_run, "begin") if field_end is not None else None
    if field_begin is not None and field_end is not None and field_begin.getparent() is field_end.getparent():
        first_run, last_run = field_begin, field_end
    first_run.addprevious(_range("commentRangeStart", comment_id))
    end = _range("commentRangeEnd", comment_id)
    last_run.addnext(end)
    after = end if field_end is None or last_run is field_end else field_end
    while after.getparent() is not None and after.getparent().tag in _TRACKED:
        after = after.getparent()  # the reference run must not itself look like a tracked insertion
    after.addnext(reference_run(comment_id))


def _wrap_empty(paragraph: etree._Element, comment_id: int) -> None:
    props = paragraph.find(w("pPr"))
    start = _range("commentRangeStart", comment_id)
    if props is not None:
        props.addnext(start)
    else:
        paragraph.insert(0, start)
    paragraph.append(_range("commentRangeEnd", comment_id))
    paragraph.append(reference_run(comment_id))


def _field_char(run: etree._Element, wanted: str) -> etree._Element | None:
    """The run holding the `begin` or `end` fldChar of the complex field whose result `run` is in."""
    if wanted == "end":
        chars = run.xpath("following::w:fldChar", namespaces={"w": W})
        nested = "begin"
    else:
        chars = list(reversed(run.xpath("preceding::w:fldChar", namespaces={"w": W})))
        nested = "end"
    depth = 0
    for char in chars:
        kind = char.get(w("fldCharType"))
        if kind == nested:
            depth += 1
        elif kind == wanted:
            if depth == 0:
                return char.getparent() if char.getparent().tag == w("r") else None
            depth -= 1
    return None


def _range(tag: str, comment_id: int) -> etree._Element:
    element = etree.Element(w(tag))
    element.set(w("id"), str(comment_id))
    return element


def reference_run(comment_id: int) -> etree._Element:
    run = etree.Element(w("r"))
    etree.SubElement(run, w("commentReference")).set(w("id"), str(comment_id))
    return run


def comment_element(comment_id: int, lines: list[str], sign: Signature | None = None) -> etree._Element:
    """A `w:comment` with author, initials and date, one paragraph per line.

    Without `w:date` LibreOffice shows the comment as written on "01/03/-1".
    """
    sign = sign or Signature()
    comment = etree.Element(w("comment"))
    comment.set(w("id"), str(comment_id))
    comment.set(w("author"), sign.author)
    comment.set(w("initials"), sign.initials)
    if sign.date:
        comment.set(w("date"), sign.date)
    for number, line in enumerate(lines):
        paragraph = etree.SubElement(comment, w("p"))
        if number == 0:
            etree.SubElement(etree.SubElement(paragraph, w("r")), w("annotationRef"))
        text = etree.SubElement(etree.SubElement(paragraph, w("r")), w("t"))
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        text.text = _XML_ILLEGAL.sub("", line)
    return comment


class _NoteRefs:
    """The body's footnote and endnote reference runs, by `footnote:<id>` / `endnote:<id>`."""

    def __init__(self, body: etree._Element) -> None:
        self.runs: dict[str, etree._Element] = {}
        for kind in ("footnote", "endnote"):
            for ref in body.iter(w(f"{kind}Reference")):
                run = ref.getparent()
                if run is not None and run.tag == w("r"):
                    self.runs.setdefault(f"{kind}:{ref.get(w('id'))}", run)

    def run_of(self, part: str) -> etree._Element | None:
        return self.runs.get(part)
