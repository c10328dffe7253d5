"""The Word package: one checked OOXML zip, read in memory, shared by the reader and the commented copy.

The zip is checked from its central directory before anything is inflated
(member count, total size, compression ratio, member names), and again while
reading: every member is read against its declared size and every XML part
goes through `citeaudit.safexml.parse`. zipfile's and zlib's own exceptions
become an `InputError` naming the file in one place (`_unzipping`). The
commented copy replaces parts (`replace`) and writes the package back
(`write`); the original file is only ever read.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from lxml import etree

from citeaudit.errors import InputError, LimitExceeded
from citeaudit.limits import (
    DOCX_RATIO_GRACE,
    MAX_DOCX_BYTES,
    MAX_DOCX_MEMBERS,
    MAX_DOCX_RATIO,
    MAX_DOCX_UNPACKED_BYTES,
    MAX_XML_BYTES,
)
from citeaudit.safexml import parse as parse_xml

if TYPE_CHECKING:
    import zipfile

REGULAR_MEMBER = 0o100644 << 16
"""Unix mode of every member of the commented copy: a regular file, never a symlink."""


def _corrupt_zip() -> tuple[type[BaseException], ...]:
    """What zipfile and zlib raise on a damaged or exotic package: a bad offset ("negative seek
    value"), a member name that does not decode, an unknown zip version or compression method.

    zipfile (and shutil with it) is imported when a package is read, not when the
    commented-copy reporter registers at every start-up."""
    import zipfile

    return (zipfile.BadZipFile, zlib.error, struct.error, OSError, ValueError, UnicodeDecodeError,
            NotImplementedError, EOFError)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def w(name: str) -> str:
    """Clark name of a WordprocessingML element or attribute."""
    return f"{{{W_NS}}}{name}"


@dataclass
class Package:
    """A checked OOXML zip, read in memory; members are inflated only on demand, with limits."""

    path: Path
    zip: zipfile.ZipFile
    infos: dict[str, zipfile.ZipInfo]
    _xml: dict[str, Any] = field(default_factory=dict)
    changed: dict[str, bytes] = field(default_factory=dict)
    """Parts to write in place of the original's (the commented copy), by name."""

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
        import zipfile

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
        if root.tag != w("document"):
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


    def replace(self, name: str, root: Any) -> None:
        """Write `root` as part `name` in the copy (a new part when the package has none)."""
        self.changed[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def write(self) -> bytes:
        """The package's bytes with the replaced parts; every other member copied unchanged."""
        import zipfile

        out = io.BytesIO()
        changed = dict(self.changed)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            # [Content_Types].xml first, as Office writes it; some readers expect it.
            for info in sorted(self.infos.values(), key=lambda i: i.filename != "[Content_Types].xml"):
                data = changed.pop(info.filename, None)
                if data is None:
                    with _unzipping(self.path, info.filename):
                        data = self.zip.read(info)
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                # A plain file, whatever the source said: a symlink member (S_IFLNK in the
                # Unix mode) would become a link to anywhere when the copy is unzipped.
                copy.external_attr = REGULAR_MEMBER
                target.writestr(copy, data, compress_type=zipfile.ZIP_DEFLATED)
            for name, data in changed.items():
                target.writestr(name, data)
        return out.getvalue()


@contextmanager
def _unzipping(path: Path, member: str | None = None) -> Iterator[None]:
    """The one place zipfile's and zlib's own exceptions become an InputError naming the file."""
    try:
        yield
    except _corrupt_zip() as exc:
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


