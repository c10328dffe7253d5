"""Walking one part (body, footnotes, endnotes) in document order into paragraphs and fields.

A paragraph's text is its visible text (`citeaudit.plugins.docx.text`);
citation and bibliography fields are recorded with the place of their
result; Zotero's bookmark mode is resolved from the custom properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from citeaudit.model import Span
from citeaudit.numbers import parse_int
from citeaudit.plugins.docx.fields import Field, read_content_control, read_field
from citeaudit.plugins.docx.package import CUSTOM_NS, R_NS, Package
from citeaudit.plugins.docx.package import w as _w
from citeaudit.plugins.docx.sources import read_sources
from citeaudit.plugins.docx.styles import Numbering, Styles, num_pr
from citeaudit.plugins.docx.text import SKIPPED, run_text


@dataclass
class Paragraph:
    """One w:p as read: visible text and what sits where in it."""

    index: int
    part: str | None
    pieces: list[str] = field(default_factory=list)
    length: int = 0
    superscript: list[tuple[int, int]] = field(default_factory=list)
    links: list[tuple[int, int, str]] = field(default_factory=list)
    style: str | None = None
    numbering: tuple[str, str] | None = None

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def add(self, text: str, superscript: bool) -> None:
        if not text:
            return
        if superscript:
            self.superscript.append((self.length, self.length + len(text)))
        self.pieces.append(text)
        self.length += len(text)

    def span(self, offset: int) -> Span:
        return Span(paragraph=self.index, offset=offset, part=self.part)


@dataclass
class OpenField:
    instruction: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    children: list[OpenField] = field(default_factory=list)
    in_result: bool = False
    start: tuple[int, int] | None = None


@dataclass(frozen=True)
class FieldRange:
    """A finished field: what it says and where its result is."""

    field: Field
    start: tuple[int, int]
    """(paragraph index, offset) where the result starts."""
    end: tuple[int, int]
    """(paragraph index, offset) just past the result."""


@dataclass
class Part:
    """Everything read from one part (body, footnotes or endnotes)."""

    paragraphs: dict[int, Paragraph]
    """Paragraph index -> paragraph, for every w:p of the part."""
    fields: list[FieldRange]
    """Citation and bibliography fields, in the order they end (an outer field after its inner ones)."""
    comments: dict[str, tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=dict)
    """Comment id -> (paragraph, offset) where its anchored range starts and ends (inline suppression)."""


_SPACES = re.compile(r"\s+")
_CITATION_BOOKMARKS = ("ZOTERO_BREF_", "Mendeley_Bookmark_")
"""Bookmarks that stand for a citation field, their data in custom document properties:
Zotero's bookmark mode, and Mendeley's citations in a document LibreOffice saved."""


class Reader:
    """Walks the XML of a part in document order, building paragraphs and fields."""

    def __init__(self, package: Package, main: str) -> None:
        self.package = package
        self.styles = Styles.read(package.optional_xml(package.related(main, "styles")))
        self.numbering = Numbering.read(package.optional_xml(package.related(main, "numbering")))
        self.sources = read_sources(package)

    def read_part(self, name: str, kind: str | None) -> Part:
        root = self.package.xml(name)
        self.links = {rid: target for rid, (_t, target, _e) in self.package.relationships(name).items()}
        self.index = {p: i for i, p in enumerate(root.iter(_w("p")))}
        self.paragraphs: dict[int, Paragraph] = {}
        self.current: Paragraph | None = None
        self.stack: list[OpenField] = []
        self.fields: list[FieldRange] = []
        self.bookmark_starts: dict[str, tuple[str, tuple[int, int]]] = {}
        self.bookmarks: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
        self.kind = kind
        self.note: str | None = None
        self.comment_marks: dict[str, list[tuple[int, int]]] = {}
        self._walk(root)
        part = Part(paragraphs=self.paragraphs, fields=self.fields,
                    comments={i: (marks[0], marks[-1]) for i, marks in self.comment_marks.items()})
        if kind is None:
            self._bookmark_fields(part)
        return part

    # The walk is recursive; safexml bounds the depth at 256, well under Python's limit.
    def _walk(self, element: Any) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            return
        if tag == _w("p"):
            self._paragraph(element)
        elif tag == _w("r"):
            self._run(element)
        elif tag == _w("hyperlink"):
            self._hyperlink(element)
        elif tag == _w("fldSimple"):
            self._begin(None)
            self.stack[-1].instruction.append(element.get(_w("instr")) or "")
            self._separate()
            for child in element:
                self._walk(child)
            self._end()
        elif tag == _w("sdt"):
            self._content_control(element)
        elif tag in (_w("footnote"), _w("endnote")):
            self.note = f"{self.kind[:-1]}:{element.get(_w('id'))}" if self.kind else None
            for child in element:
                self._walk(child)
        elif tag in (_w("commentRangeStart"), _w("commentRangeEnd")) and self.current is not None:
            self.comment_marks.setdefault(element.get(_w("id")) or "", []).append(self._here())
        elif tag == _w("bookmarkStart") and self.current is not None:
            self.bookmark_starts[element.get(_w("id")) or ""] = (element.get(_w("name")) or "", self._here())
        elif tag == _w("bookmarkEnd") and self.current is not None:
            name, start = self.bookmark_starts.pop(element.get(_w("id")) or "", ("", None))
            if name.startswith(_CITATION_BOOKMARKS) and start is not None:
                self.bookmarks[name] = (start, self._here())
        else:
            for child in element:
                self._walk(child)

    def _here(self) -> tuple[int, int]:
        assert self.current is not None
        return self.current.index, self.current.length

    def _paragraph(self, element: Any) -> None:
        outer = self.current
        paragraph = Paragraph(index=self.index[element], part=self.note)
        properties = element.find(_w("pPr"))
        if properties is not None:
            style = properties.find(_w("pStyle"))
            paragraph.style = style.get(_w("val")) if style is not None else None
            paragraph.numbering = num_pr(properties)
        if paragraph.numbering is None and paragraph.style in self.styles.numbering:
            paragraph.numbering = self.styles.numbering[paragraph.style]
        self.paragraphs[paragraph.index] = paragraph
        self.current = paragraph
        for child in element:
            self._walk(child)
        self.current = outer

    def _visible(self) -> bool:
        return self.current is not None and (not self.stack or self.stack[-1].in_result)

    def _run(self, element: Any) -> None:
        superscript = self._superscript(element)
        for child in element:
            tag = child.tag
            text = run_text(child)
            if text is not None:
                if self._visible():
                    self.current.add(text, superscript)
            elif tag == _w("fldChar"):
                kind = child.get(_w("fldCharType"))
                if kind == "begin":
                    data = child.find(_w("fldData"))
                    self._begin(data.text if data is not None and data.text else None)
                elif kind == "separate":
                    self._separate()
                elif kind == "end":
                    self._end()
            elif tag == _w("instrText"):
                if self.stack and not self.stack[-1].in_result:
                    self.stack[-1].instruction.append(child.text or "")
            elif tag not in SKIPPED and isinstance(tag, str):
                self._walk(child)

    def _superscript(self, run: Any) -> bool:
        properties = run.find(_w("rPr"))
        if properties is not None:
            align = properties.find(_w("vertAlign"))
            if align is not None:
                return align.get(_w("val")) == "superscript"
            style = properties.find(_w("rStyle"))
            if style is not None and style.get(_w("val")) in self.styles.superscript:
                return self.styles.superscript[style.get(_w("val"))]
        if self.current is not None and self.current.style in self.styles.superscript:
            return self.styles.superscript[self.current.style]
        return False

    def _hyperlink(self, element: Any) -> None:
        rid = element.get(f"{{{R_NS}}}id")
        target = self.links.get(rid or "")
        start = self.current.length if self.current is not None else 0
        for child in element:
            self._walk(child)
        if target and self.current is not None:
            self.current.links.append((start, self.current.length, target))

    def _begin(self, data: str | None) -> None:
        opened = OpenField()
        if data:
            opened.data.append(data)
        self.stack.append(opened)

    def _separate(self) -> None:
        if self.stack and self.current is not None:
            self.stack[-1].in_result = True
            self.stack[-1].start = self._here()

    def _end(self) -> None:
        if not self.stack:
            return
        closed = self.stack.pop()
        if self.stack and not self.stack[-1].in_result:
            # A field inside another's instruction (EN.CITE.DATA inside EN.CITE)
            # is part of that instruction, not a field of its own.
            self.stack[-1].children.append(closed)
            return
        nested = [_SPACES.sub(" ", "".join(c.instruction)) for c in closed.children]
        data = [*closed.data, *(d for c in closed.children for d in c.data)]
        parsed = read_field("".join(closed.instruction), nested=nested, data=data, sources=self.sources)
        if parsed.kind == "hyperlink" and parsed.target and closed.start and self.current is not None:
            paragraph = self.paragraphs[closed.start[0]]
            if paragraph is self.current:
                paragraph.links.append((closed.start[1], self.current.length, parsed.target))
        if parsed.kind in ("citation", "bibliography") and self.current is not None:
            start = closed.start or self._here()
            self.fields.append(FieldRange(field=parsed, start=start, end=self._here()))

    def _content_control(self, element: Any) -> None:
        """A w:sdt: a Mendeley Cite citation or bibliography when its tag says so."""
        tag = element.find(f"{_w('sdtPr')}/{_w('tag')}")
        parsed = read_content_control(tag.get(_w("val")) or "") if tag is not None else None
        content = element.find(_w("sdtContent"))
        if parsed is None or content is None:
            for child in element:
                self._walk(child)
            return
        inner = list(content.iter(_w("p")))
        if self.current is None and not inner:
            return
        start = self._here() if self.current is not None else (self.index[inner[0]], 0)
        for child in content:
            self._walk(child)
        if self.current is not None:
            end = self._here()
        else:
            last = self.index[inner[-1]]
            end = (last, self.paragraphs[last].length if last in self.paragraphs else 0)
        self.fields.append(FieldRange(field=parsed, start=start, end=end))

    def _bookmark_fields(self, part: Part) -> None:
        """Citations kept as bookmarks: the field instruction sits in custom document properties,
        split into numbered chunks (`<bookmark>_1`, `_2`...). LibreOffice saves Mendeley's
        citations as point bookmarks just before the citation text, sometimes two at one place."""
        marks = self.bookmarks
        if not marks:
            return
        root = self.package.optional_xml("docProps/custom.xml")
        if root is None:
            return
        chunks: dict[str, list[tuple[int, str]]] = {}
        for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
            name, _, number = (prop.get("name") or "").rpartition("_")
            if name in marks and parse_int(number) is not None:  # not "²", not 5,000 digits
                chunks.setdefault(name, []).append((parse_int(number), "".join(prop.itertext())))
        placed: set[tuple[int, int]] = set()
        for name in sorted(chunks, key=lambda n: marks[n]):
            instruction = "".join(text for _n, text in sorted(chunks[name]))
            parsed = read_field(instruction if instruction.lstrip().upper().startswith("ADDIN")
                                else "ADDIN " + instruction)
            if parsed.kind != "citation":
                continue
            start, stop = self._bookmark_result(part, marks[name], parsed.rendered)
            if start in placed:
                continue  # a second bookmark for the same citation
            placed.add(start)
            part.fields.append(FieldRange(field=parsed, start=start, end=stop))

    @staticmethod
    def _bookmark_result(part: Part, mark: tuple[tuple[int, int], tuple[int, int]],
                         rendered: str | None) -> tuple[tuple[int, int], tuple[int, int]]:
        """Where the citation's text is: the rendered citation inside the bookmark, or right after
        a point bookmark; else the bookmark itself."""
        (para, offset), (end_para, end) = mark
        paragraph = part.paragraphs.get(para)
        if not rendered or paragraph is None or end_para != para:
            return mark
        text = paragraph.text
        if end == offset:
            after = offset + len(text[offset:]) - len(text[offset:].lstrip())
            if text.startswith(rendered, after):
                return (para, after), (para, after + len(rendered))
            return mark
        at = text.rfind(rendered, offset, end)
        return ((para, at), (para, at + len(rendered))) if at >= 0 else mark
