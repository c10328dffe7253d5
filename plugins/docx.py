"""Built-in reader plugin for Word .docx drafts, reference-manager fields included.

The OOXML package is read with zipfile and every XML part goes through
`citeaudit.safexml.parse`; python-docx is not used for reading because it
exposes neither field codes, tracked changes nor notes. The zip is checked
from its central directory before anything is inflated (member count, total
size, compression ratio, member names), and again while reading.

Locations follow the shared docx contract: `Span.paragraph` is the index of
the `w:p` among all `w:p` of the part in document order, `Span.offset` the
character offset in that paragraph's visible text (tracked changes accepted,
`w:tab` one "\\t", `w:br` one "\\n"), `Span.part` None for the body and
`footnote:<id>` / `endnote:<id>` for notes.

Markers come from reference-manager citation fields (their result is the
marker, their instruction the cited items; Mendeley Cite's content controls
alike), superscript runs (direct or
through a character style) and numbers typed in text (`citeaudit.markers`).
The reference list is a bibliography field's result or the paragraphs after
a References heading; field items are merged into it by number, or by DOI,
title or author and year for author-year styles.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from citeaudit import hookimpl
from citeaudit.bib.identifiers import find_identifiers, normalize_doi
from citeaudit.bib.refparse import parse_reference
from citeaudit.claims import Block, build_claims
from citeaudit.errors import InputError, LimitExceeded
from citeaudit.limits import (
    DOCX_RATIO_GRACE,
    MAX_DOCX_BYTES,
    MAX_DOCX_MEMBERS,
    MAX_DOCX_RATIO,
    MAX_DOCX_UNPACKED_BYTES,
    MAX_XML_BYTES,
)
from citeaudit.markers import exponent, find_markers, parse_numbers
from citeaudit.model import Document, Marker, Reference, Span, Work
from citeaudit.plugins.wordfields import Field, FieldItem, read_content_control, read_field
from citeaudit.safexml import parse as parse_xml

_CORRUPT_ZIP = (zipfile.BadZipFile, zlib.error, struct.error, OSError, ValueError, UnicodeDecodeError,
                NotImplementedError, EOFError)
"""What zipfile and zlib raise on a damaged or exotic package: a bad offset ("negative seek
value"), a member name that does not decode, an unknown zip version or compression method."""

REFUSED_SUFFIXES = {
    ".docm": "a macro-enabled Word document (.docm); citeaudit reads only .docx, save it as .docx",
    ".dotm": "a macro-enabled Word template (.dotm); citeaudit reads only .docx, save it as .docx",
    ".dotx": "a Word template (.dotx), not a draft; save it as .docx",
}

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


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

_LABEL = re.compile(r"^\s*(?:\[(?P<bracket>\d{1,4})\]|\((?P<paren>\d{1,4})\)|(?P<dot>\d{1,4})[.)](?=\s|$)"
                    r"|(?P<tab>\d{1,4})(?=\t))\s*")
_NUMERIC_BODY = re.compile(r"^[\d\s,;\-\u2010\u2011\u2012\u2013\u2014\u2212]*\d[\d\s,;\-\u2010\u2011\u2012\u2013\u2014\u2212]*$")
_MASK = "\ue000"
_SPACES = re.compile(r"\s+")


# -- hooks ----------------------------------------------------------------------


@hookimpl(trylast=True)
def citeaudit_document_suffixes() -> list[str]:
    """Only .docx: macro-enabled files and templates are refused when named, never looked for."""
    return [".docx"]


@hookimpl(trylast=True)
def citeaudit_read_document(path: Path, options: object) -> Document | None:
    """Read a .docx draft; refuse .docm/.dotm/.dotx with a clear message."""
    suffix = path.suffix.lower()
    if suffix in REFUSED_SUFFIXES:
        raise InputError(path, f"refused: {REFUSED_SUFFIXES[suffix]}")
    if suffix != ".docx":
        return None
    return read_docx(path)


def read_docx(path: Path) -> Document:
    """The Document of one .docx file; InputError when it cannot be read safely."""
    package = Package.open(path)
    main = package.main_part()
    reader = _Reader(package, main)
    parts = [reader.read_part(main, None)]
    for kind in ("footnotes", "endnotes"):
        name = package.related(main, kind)
        if name and package.has(name):
            parts.append(reader.read_part(name, kind))
    return _Assembler(path, parts, reader.styles, reader.numbering).document()


# -- the package ------------------------------------------------------------------


@dataclass
class Package:
    """A checked OOXML zip, read in memory; members are inflated only on demand, with limits."""

    path: Path
    zip: zipfile.ZipFile
    infos: dict[str, zipfile.ZipInfo]
    _xml: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> Package:
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_DOCX_BYTES + 1)
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
        if len(data) > MAX_DOCX_BYTES:
            raise LimitExceeded(path, f"file is over the {MAX_DOCX_BYTES // (1024 * 1024)} MiB limit")
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise InputError(path, "not a .docx but an OLE file (a legacy .doc or a password-protected "
                                   "document); save it as .docx without a password")
        if not data.startswith(b"PK\x03\x04"):
            raise InputError(path, "not a Word .docx document (not a zip package)")
        with _unzipping(path):
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        return cls(path=path, zip=archive, infos=_checked_members(path, infos))

    def has(self, name: str) -> bool:
        return name in self.infos

    def read(self, name: str) -> bytes:
        """A member's bytes, checked against its directory entry and the part limit."""
        info = self.infos[name]
        if info.flag_bits & 0x1:
            raise InputError(self.path, f"{name} is encrypted")
        if info.file_size > MAX_XML_BYTES:
            raise LimitExceeded(self.path, f"{name} is over the {MAX_XML_BYTES // (1024 * 1024)} MiB limit")
        with _unzipping(self.path, name), self.zip.open(info) as member:
            data = member.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise LimitExceeded(self.path, f"zip member {name} inflates to a size other than its "
                                           "directory entry declares")
        return data

    def xml(self, name: str) -> Any:
        """The parsed part, through safexml; cached."""
        if name not in self._xml:
            self._xml[name] = parse_xml(self.read(name), self.path, what=name)
        return self._xml[name]

    def optional_xml(self, name: str | None) -> Any:
        return self.xml(name) if name and self.has(name) else None

    def relationships(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """rId -> (type suffix, target, external) of a part's relationships."""
        folder, _, base = part.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        root = self.optional_xml(rels_name)
        found: dict[str, tuple[str, str, bool]] = {}
        if root is None:
            return found
        for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
            external = rel.get("TargetMode") == "External"
            target = rel.get("Target") or ""
            if not external:
                target = _resolve(folder, target)
            found[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], target, external)
        return found

    def related(self, part: str, kind: str) -> str | None:
        """The first internal part of relationship type `kind` (styles, footnotes...) from `part`."""
        for rel_type, target, external in self.relationships(part).values():
            if rel_type == kind and not external:
                return target
        default = f"word/{kind}.xml"
        return default if self.has(default) else None

    def main_part(self) -> str:
        """The main document part, after refusing macro-enabled files and templates."""
        main = None
        for rel_type, target, external in self.relationships("").values():
            if rel_type == "officeDocument" and not external:
                main = target
        main = main if main and self.has(main) else "word/document.xml"
        if not self.has(main):
            raise InputError(self.path, "not a Word document: word/document.xml is missing")
        content_type = self._content_type(main)
        if "macroEnabled" in content_type or self.has("word/vbaProject.bin"):
            raise InputError(self.path, "refused: the package is a macro-enabled Word document "
                                        "(.docm content); save it as .docx")
        if "template" in content_type:
            raise InputError(self.path, "refused: the package is a Word template (.dotx content), "
                                        "not a draft; save it as .docx")
        root = self.xml(main)
        if etree.QName(root).namespace == STRICT_W_NS:
            raise InputError(self.path, "Strict Open XML documents are not supported; save as a "
                                        "standard Word document (.docx)")
        if root.tag != _w("document"):
            raise InputError(self.path, f"{main} is not a WordprocessingML document")
        return main

    def _content_type(self, part: str) -> str:
        root = self.optional_xml("[Content_Types].xml")
        if root is None:
            return ""
        for override in root.iter(f"{{{CT_NS}}}Override"):
            if (override.get("PartName") or "").lstrip("/") == part:
                return override.get("ContentType") or ""
        return ""


@contextmanager
def _unzipping(path: Path, member: str | None = None) -> Iterator[None]:
    """The one place zipfile's and zlib's own exceptions become an InputError naming the file."""
    try:
        yield
    except _CORRUPT_ZIP as exc:
        where = f"{member}: " if member else ""
        detail = str(exc) or type(exc).__name__
        raise InputError(path, f"corrupt or unsupported Word package: {where}{detail}") from exc


def _checked_members(path: Path, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """The members by name, after the central-directory checks against hostile zips."""
    if len(infos) > MAX_DOCX_MEMBERS:
        raise LimitExceeded(path, f"zip package has {len(infos)} members, over the limit of {MAX_DOCX_MEMBERS}")
    total = 0
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name
                or ".." in parts or "\x00" in name):
            raise InputError(path, f"zip member name {name!r} is absolute or leaves the package; refused")
        if name in members:
            raise InputError(path, f"zip package holds {name!r} twice; refused")
        total += info.file_size
        if info.file_size > DOCX_RATIO_GRACE and info.file_size > MAX_DOCX_RATIO * max(info.compress_size, 1):
            raise LimitExceeded(path, f"zip member {name} is compressed more than {MAX_DOCX_RATIO}:1 "
                                      "(a zip bomb?); refused")
        members[name] = info
    if total > MAX_DOCX_UNPACKED_BYTES:
        raise LimitExceeded(path, f"zip package inflates to {total // (1024 * 1024)} MiB, over the "
                                  f"{MAX_DOCX_UNPACKED_BYTES // (1024 * 1024)} MiB limit")
    return members


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


# -- styles and numbering ---------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    """What citeaudit needs from styles.xml: superscript and heading levels."""

    superscript: dict[str, bool]
    """styleId -> the vertAlign the style (or what it is based on) sets, when it sets one."""
    heading: dict[str, int]
    """Paragraph styleId -> heading level (1 = top)."""
    numbering: dict[str, tuple[str, str]]
    """Paragraph styleId -> (numId, ilvl) of the list the style numbers its paragraphs in."""

    @classmethod
    def read(cls, root: Any) -> _Styles:
        if root is None:
            return cls(superscript={}, heading={}, numbering={})
        raw: dict[str, tuple[str | None, bool | None, int | None]] = {}
        numbering: dict[str, tuple[str, str]] = {}
        for style in root.iter(_w("style")):
            sid = style.get(_w("styleId")) or ""
            based = style.find(_w("basedOn"))
            align = style.find(f"{_w('rPr')}/{_w('vertAlign')}")
            name = style.find(_w("name"))
            level = _heading_level(name.get(_w("val")) if name is not None else sid)
            outline = style.find(f"{_w('pPr')}/{_w('outlineLvl')}")
            if level is None and outline is not None and (outline.get(_w("val")) or "").isdigit():
                value = int(outline.get(_w("val")))
                level = value + 1 if value < 9 else None
            num = _num_pr(style.find(_w("pPr")))
            if num:
                numbering[sid] = num
            raw[sid] = (based.get(_w("val")) if based is not None else None,
                        None if align is None else align.get(_w("val")) == "superscript", level)
        superscript: dict[str, bool] = {}
        heading: dict[str, int] = {}
        for sid in raw:
            seen: set[str] = set()
            current: str | None = sid
            while current in raw and current not in seen:
                seen.add(current)
                based, sup, level = raw[current]
                if sid not in superscript and sup is not None:
                    superscript[sid] = sup
                if sid not in heading and level is not None:
                    heading[sid] = level
                current = based
        return cls(superscript=superscript, heading=heading, numbering=numbering)


def _num_pr(properties: Any) -> tuple[str, str] | None:
    """(numId, ilvl) of a w:pPr's list numbering; None when absent or switched off (numId 0)."""
    num = properties.find(_w("numPr")) if properties is not None else None
    if num is None:
        return None
    num_id = num.find(_w("numId"))
    ilvl = num.find(_w("ilvl"))
    value = num_id.get(_w("val")) if num_id is not None else None
    return (value, ilvl.get(_w("val")) if ilvl is not None else "0") if value and value != "0" else None


def _heading_level(name: str | None) -> int | None:
    match = re.fullmatch(r"\s*heading\s*(\d)\s*", name or "", re.IGNORECASE)
    if match:
        return int(match.group(1))
    return 1 if (name or "").strip().lower() == "title" else None


@dataclass(frozen=True)
class _Numbering:
    """Decimal auto-numbering of list paragraphs (w:numPr), for reference lists."""

    start: dict[tuple[str, str], int]
    """(numId, ilvl) -> start value, for decimal levels only."""

    @classmethod
    def read(cls, root: Any) -> _Numbering:
        if root is None:
            return cls(start={})
        levels: dict[str, dict[str, tuple[str, int]]] = {}
        for abstract in root.iter(_w("abstractNum")):
            lvls = {}
            for lvl in abstract.iter(_w("lvl")):
                fmt = lvl.find(_w("numFmt"))
                start = lvl.find(_w("start"))
                lvls[lvl.get(_w("ilvl")) or "0"] = (
                    fmt.get(_w("val")) if fmt is not None else "decimal",
                    _int(start.get(_w("val")) if start is not None else None, 1))
            levels[abstract.get(_w("abstractNumId")) or ""] = lvls
        start: dict[tuple[str, str], int] = {}
        for num in root.iter(_w("num")):
            num_id = num.get(_w("numId")) or ""
            abstract_id = num.find(_w("abstractNumId"))
            lvls = levels.get(abstract_id.get(_w("val")) if abstract_id is not None else "", {})
            overrides = {o.get(_w("ilvl")) or "0": o.find(_w("startOverride")) for o in num.iter(_w("lvlOverride"))}
            for ilvl, (fmt, first) in lvls.items():
                if fmt != "decimal":
                    continue
                override = overrides.get(ilvl)
                start[(num_id, ilvl)] = _int(override.get(_w("val")) if override is not None else None, first)
        return cls(start=start)


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.lstrip("-").isdigit() else default


# -- walking a part ------------------------------------------------------------------


@dataclass
class _Paragraph:
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
class _OpenField:
    instruction: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    children: list[_OpenField] = field(default_factory=list)
    in_result: bool = False
    start: tuple[int, int] | None = None


@dataclass(frozen=True)
class _FieldRange:
    """A finished field: what it says and where its result is."""

    field: Field
    start: tuple[int, int]
    """(paragraph index, offset) where the result starts."""
    end: tuple[int, int]
    """(paragraph index, offset) just past the result."""


@dataclass
class _Part:
    """Everything read from one part (body, footnotes or endnotes)."""

    paragraphs: dict[int, _Paragraph]
    """Paragraph index -> paragraph, for every w:p of the part."""
    fields: list[_FieldRange]
    """Citation and bibliography fields, in the order they end (an outer field after its inner ones)."""


_SKIP = {_w(n) for n in ("pPr", "rPr", "sectPr", "tblPr", "tblGrid", "trPr", "tcPr", "del", "moveFrom",
                         "sdtPr", "sdtEndPr", "instrText", "delText", "delInstrText", "rPrChange",
                         "pPrChange", "customXmlPr", "smartTagPr", "fldData")} | {f"{{{MC_NS}}}Fallback"}


class _Reader:
    """Walks the XML of a part in document order, building paragraphs and fields."""

    def __init__(self, package: Package, main: str) -> None:
        self.package = package
        self.styles = _Styles.read(package.optional_xml(package.related(main, "styles")))
        self.numbering = _Numbering.read(package.optional_xml(package.related(main, "numbering")))

    def read_part(self, name: str, kind: str | None) -> _Part:
        root = self.package.xml(name)
        self.links = {rid: target for rid, (_t, target, _e) in self.package.relationships(name).items()}
        self.index = {p: i for i, p in enumerate(root.iter(_w("p")))}
        self.paragraphs: dict[int, _Paragraph] = {}
        self.current: _Paragraph | None = None
        self.stack: list[_OpenField] = []
        self.fields: list[_FieldRange] = []
        self.bookmark_starts: dict[str, tuple[str, tuple[int, int]]] = {}
        self.bookmarks: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {}
        self.kind = kind
        self.note: str | None = None
        self._walk(root)
        part = _Part(paragraphs=self.paragraphs, fields=self.fields)
        if kind is None:
            self._bookmark_fields(part)
        return part

    # The walk is recursive; safexml bounds the depth at 256, well under Python's limit.
    def _walk(self, element: Any) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIP:
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
        elif tag == _w("bookmarkStart") and self.current is not None:
            self.bookmark_starts[element.get(_w("id")) or ""] = (element.get(_w("name")) or "", self._here())
        elif tag == _w("bookmarkEnd") and self.current is not None:
            name, start = self.bookmark_starts.pop(element.get(_w("id")) or "", ("", None))
            if name.startswith("ZOTERO_BREF_") and start is not None:
                self.bookmarks[name] = (start, self._here())
        else:
            for child in element:
                self._walk(child)

    def _here(self) -> tuple[int, int]:
        assert self.current is not None
        return self.current.index, self.current.length

    def _paragraph(self, element: Any) -> None:
        outer = self.current
        paragraph = _Paragraph(index=self.index[element], part=self.note)
        properties = element.find(_w("pPr"))
        if properties is not None:
            style = properties.find(_w("pStyle"))
            paragraph.style = style.get(_w("val")) if style is not None else None
            paragraph.numbering = _num_pr(properties)
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
            if tag == _w("t"):
                if self._visible():
                    self.current.add(child.text or "", superscript)
            elif tag == _w("tab"):
                if self._visible():
                    self.current.add("\t", superscript)
            elif tag == _w("br"):
                if self._visible():
                    self.current.add("\n", superscript)
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
            elif tag not in _SKIP and isinstance(tag, str):
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
        opened = _OpenField()
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
        parsed = read_field("".join(closed.instruction), nested=nested, data=data)
        if parsed.kind == "hyperlink" and parsed.target and closed.start and self.current is not None:
            paragraph = self.paragraphs[closed.start[0]]
            if paragraph is self.current:
                paragraph.links.append((closed.start[1], self.current.length, parsed.target))
        if parsed.kind in ("citation", "bibliography") and self.current is not None:
            start = closed.start or self._here()
            self.fields.append(_FieldRange(field=parsed, start=start, end=self._here()))

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
        self.fields.append(_FieldRange(field=parsed, start=start, end=end))

    def _bookmark_fields(self, part: _Part) -> None:
        """Zotero's bookmark mode: the citation data sits in custom document properties."""
        marks = self.bookmarks
        if not marks:
            return
        root = self.package.optional_xml("docProps/custom.xml")
        if root is None:
            return
        chunks: dict[str, list[tuple[int, str]]] = {}
        for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
            name, _, number = (prop.get("name") or "").rpartition("_")
            if name in marks and number.isdigit():
                chunks.setdefault(name, []).append((int(number), "".join(prop.itertext())))
        for name, pieces in chunks.items():
            instruction = "ADDIN " + "".join(text for _n, text in sorted(pieces))
            parsed = read_field(instruction)
            start, stop = marks[name]
            (para, offset), (end_para, end) = start, stop
            paragraph = part.paragraphs.get(para)
            if parsed.rendered and paragraph is not None and end_para == para:
                at = paragraph.text.rfind(parsed.rendered, offset, end)
                if at >= 0:
                    start, stop = (para, at), (para, at + len(parsed.rendered))
            part.fields.append(_FieldRange(field=parsed, start=start, end=stop))


# -- from paragraphs to a Document ----------------------------------------------------


@dataclass
class _Entry:
    """One reference-list paragraph."""

    paragraph: _Paragraph
    text: str
    number: int | None
    work: Work
    raw: tuple[tuple[str, str], ...]


@dataclass
class _Cite:
    """One citation field in reading order, with its marker place."""

    part: _Part
    range: _FieldRange
    numbers: tuple[int, ...]
    problem: str | None


class _Assembler:
    """Turns the read parts into markers, references and claims."""

    def __init__(self, path: Path, parts: list[_Part], styles: _Styles, numbering: _Numbering) -> None:
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
        item_numbers = self._number_items(cites)
        references = self._references(entries, cites, item_numbers, numbered)
        skip = set(bibliography) | set(headings)
        blocks = [block for part in self.parts
                  for block in self._blocks(part, skip if part is self.body else set(), headings,
                                            cites, item_numbers)]
        managers = sorted({c.range.field.manager for c in cites if c.range.field.manager})
        return Document(
            path=self.path, format="docx", claims=build_claims(blocks), references=tuple(references),
            style="numeric" if numbered else "author-year",
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

    def _entries(self, indexes: list[int]) -> list[_Entry]:
        entries: list[_Entry] = []
        counters: dict[tuple[str, str], int] = {}
        for index in indexes:
            paragraph = self.body.paragraphs[index]
            text = paragraph.text.replace("\u00a0", " ")
            if not _fold(text) or _is_reference_heading(text):
                continue
            number = None
            label = _LABEL.match(text)  # before folding: "1<tab>" is a label, "1 " is not
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
            entries.append(_Entry(paragraph=paragraph, text=text, number=number, work=work,
                                  raw=tuple(dict.fromkeys(raw))))
        return entries

    # -- citation fields

    def _cites(self, part: _Part) -> Iterator[_Cite]:
        """Citation fields of a part in reading order (fields are recorded as they end)."""
        for rng in sorted(part.fields, key=lambda r: r.start):
            if rng.field.kind != "citation":
                continue
            start, end = self._marker_range(part, rng)
            text = part.paragraphs[start[0]].text[start[1]:end]
            numbers, problem = _rendered_numbers(text)
            yield _Cite(part=part, range=rng, numbers=numbers, problem=problem)

    @staticmethod
    def _marker_range(part: _Part, rng: _FieldRange) -> tuple[tuple[int, int], int]:
        """The field result inside its first paragraph, white space trimmed: ((para, start), end)."""
        para, offset = rng.start
        text = part.paragraphs[para].text
        end = rng.end[1] if rng.end[0] == para else len(text)
        while offset < end and text[offset].isspace():
            offset += 1
        while end > offset and text[end - 1].isspace():
            end -= 1
        return (para, offset), end

    @staticmethod
    def _number_items(cites: list[_Cite]) -> dict[str, int]:
        """Item id -> reference number: from numeric markers, else in order of first citation."""
        numbers: dict[str, int] = {}
        for cite in cites:
            items = _unique_items(cite.range.field.items)
            distinct = tuple(dict.fromkeys(cite.numbers))
            if distinct and len(distinct) == len(items):
                for item, number in zip(items, distinct, strict=True):
                    numbers.setdefault(item.id, number)
        following = max(numbers.values(), default=0)
        for cite in cites:
            for item in cite.range.field.items:
                if item.id not in numbers:
                    following += 1
                    numbers[item.id] = following
        return numbers

    # -- references

    def _references(self, entries: list[_Entry], cites: list[_Cite], item_numbers: dict[str, int],
                    numbered: bool) -> list[Reference]:
        items: dict[str, FieldItem] = {}
        first_span: dict[str, Span] = {}
        for cite in cites:
            (para, offset), _end = self._marker_range(cite.part, cite.range)
            for item in cite.range.field.items:
                items.setdefault(item.id, item)
                first_span.setdefault(item.id, cite.part.paragraphs[para].span(offset))
        if numbered and not any(e.number for e in entries):
            # An unlabelled list in a numeric draft is numbered by position.
            for position, entry in enumerate(entries, 1):
                entry.number = position
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
        for item_id in sorted(set(items) - used, key=lambda i: item_numbers[i]):
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

    def _blocks(self, part: _Part, skip: set[int], headings: dict[int, str], cites: list[_Cite],
                item_numbers: dict[str, int]) -> Iterator[Block]:
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
            numbers = cite.numbers or tuple(item_numbers[i.id] for i in _unique_items(field_.items))
            problem = cite.problem
            if not numbers and problem is None:
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
            markers += _superscript_markers(paragraph, claimed.get(index, []))
            markers += _typed_markers(paragraph, [(s, e) for s, e, _ in markers])
            if markers:
                yield Block(text=paragraph.text, markers=sorted(markers, key=lambda m: m[0]),
                            span_at=paragraph.span, section=section if part is self.body else None)


# -- markers ---------------------------------------------------------------------------


def _rendered_numbers(text: str) -> tuple[tuple[int, ...], str | None]:
    """Numbers a field's visible result cites, when it is numeric ("[1, 3-5]", "1,2")."""
    body = text.strip().strip("[]()").strip()
    if not _NUMERIC_BODY.match(body):
        return (), None
    numbers, problem = parse_numbers(body)
    # "(2005)" is an author-year citation with the author suppressed, not reference 2005.
    if any(n >= 1000 for n in numbers):
        return (), None
    return numbers, problem


def _superscript_markers(paragraph: _Paragraph, claimed: list[tuple[int, int]]) -> list[tuple[int, int, Marker]]:
    """Markers from superscript runs, adjacent runs merged; exponents left out."""
    merged: list[list[int]] = []
    for start, end in sorted(paragraph.superscript):
        if any(s <= start < e for s, e in claimed):
            continue
        if merged and merged[-1][1] == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    text = paragraph.text
    found = []
    for start, end in merged:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        written = text[start:end]
        body = written.strip("[]()").strip()
        if not _NUMERIC_BODY.match(body):
            continue
        doubt = _exponent(text, start, body)
        if doubt == "exponent":
            continue
        numbers, problem = parse_numbers(body)
        found.append((start, end, Marker(text=written, numbers=numbers, span=paragraph.span(start),
                                         style="superscript", problem=problem or doubt)))
    return found


def _exponent(text: str, start: int, body: str) -> str | None:
    """"exponent" when a superscript is a power (10³, m², χ², I²): the shared marker grammar decides."""
    before = text[max(0, start - 40):start]  # the word before is all that matters; keeps this O(1)
    if not before or before[-1].isspace():
        return None
    return "exponent" if exponent(before, body) else None


def _typed_markers(paragraph: _Paragraph, taken: list[tuple[int, int]]) -> list[tuple[int, int, Marker]]:
    """Markers typed in the text ([3], ^3^, ¹²...), outside fields and superscript runs."""
    chars = list(paragraph.text)
    for start, end in taken:
        chars[start:end] = _MASK * (end - start)
    for start, end in paragraph.superscript:
        chars[start:end] = _MASK * (end - start)
    found = []
    for item in find_markers("".join(chars)):
        found.append((item.start, item.end, Marker(
            text=paragraph.text[item.start:item.end], numbers=item.numbers, span=paragraph.span(item.start),
            style=item.style, keys=item.keys, problem=item.problem)))
    return found


# -- references helpers ------------------------------------------------------------------


def _match_items(entries: list[_Entry], items: dict[str, FieldItem], item_numbers: dict[str, int],
                 numbered: bool) -> dict[int, FieldItem]:
    """id(entry) -> the field item it renders: by number, else DOI, title, first author and year."""
    matched: dict[int, FieldItem] = {}
    free = dict(items)
    if numbered:
        by_number = {item_numbers[i]: item for i, item in items.items()}
        for entry in entries:
            item = by_number.get(entry.number) if entry.number is not None else None
            if item is not None and item.id in free:
                matched[id(entry)] = free.pop(item.id)
    for test in (_same_doi, _same_title, _same_author_year):
        for entry in entries:
            if id(entry) in matched:
                continue
            for item_id, item in list(free.items()):
                if test(entry, item):
                    matched[id(entry)] = free.pop(item_id)
                    break
    return matched


def _same_doi(entry: _Entry, item: FieldItem) -> bool:
    return bool(item.work.doi and entry.work.doi == item.work.doi)


def _same_title(entry: _Entry, item: FieldItem) -> bool:
    title = _letters(item.work.title or "")
    return len(title) >= 12 and title in _letters(entry.text)


def _same_author_year(entry: _Entry, item: FieldItem) -> bool:
    first = item.work.first_author
    if first is None or item.work.year is None:
        return False
    return first.family.lower() in entry.text.lower() and str(item.work.year) in entry.text


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


def _unique_items(items: tuple[FieldItem, ...]) -> tuple[FieldItem, ...]:
    return tuple({item.id: item for item in items}.values())


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _is_reference_heading(text: str) -> bool:
    """A short paragraph that names the reference list ("References", "5. Bibliography:")."""
    words = re.sub(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s*", "", _fold(text)).rstrip(":").strip().lower()
    return words in REFERENCE_HEADINGS

