"""Built-in reader plugin for Word .docx drafts, reference-manager fields included.

The package is read with zipfile, checked against hostile zips, and every
XML part goes through `citeaudit.safexml.parse` (`package`); python-docx is
not used for reading because it exposes neither field codes, tracked changes
nor notes. Modules, in the order a draft goes through them:

- `package`: the checked zip, shared with the commented copy (`report`);
- `styles`: superscript and heading styles, list numbering;
- `text`: what a paragraph's visible text is (locations are offsets in it);
- `walk`: one part (body, footnotes, endnotes) into paragraphs and fields;
- `fields`: what a reference manager's field instruction cites;
- `markers`: superscript and typed markers of a paragraph;
- `assemble`: references, field items numbered, blocks and claims;
- `reporter`: the `docx` reporter's plugin entry (light); `report`: the copy of the draft with Word comments it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from citeaudit import hookimpl
from citeaudit.model import Document
from citeaudit.readers import Reader

REFUSED_SUFFIXES = {
    ".docm": "a macro-enabled Word document (.docm); citeaudit reads only .docx, save it as .docx",
    ".dotm": "a macro-enabled Word template (.dotm); citeaudit reads only .docx, save it as .docx",
    ".dotx": "a Word template (.dotx), not a draft; save it as .docx",
}


@hookimpl(trylast=True)
def citeaudit_register_readers(register: Callable[[Reader], None]) -> None:
    """Only .docx: macro-enabled files and templates are refused when named, never looked for."""
    register(Reader("docx", (".docx",), lambda path, options: read_docx(path),
                    description="Word drafts, reference-manager fields included",
                    refuses=REFUSED_SUFFIXES))


def read_docx(path: Path) -> Document:
    """The Document of one .docx file; InputError when it cannot be read safely."""
    # Imported here, not at start-up: a run that reads no Word draft never loads them.
    from citeaudit.plugins.docx.assemble import Assembler
    from citeaudit.plugins.docx.package import Package
    from citeaudit.plugins.docx.walk import Reader
    from citeaudit.suppression import word_suppressions

    package = Package.open(path)
    main = package.main_part()
    reader = Reader(package, main)
    parts = [reader.read_part(main, None)]
    for kind in ("footnotes", "endnotes"):
        name = package.related(main, kind)
        if name and package.has(name):
            parts.append(reader.read_part(name, kind))
    document = Assembler(path, parts, reader.styles, reader.numbering).document()
    comments = package.related(main, "comments")
    if parts[0].comments and comments and package.has(comments):
        document = replace(document, suppressions=word_suppressions(package.xml(comments), parts[0].comments))
    return document
