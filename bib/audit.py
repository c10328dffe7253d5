"""The library as a document, for `citeaudit bib`: each entry is a reference.

This lets `citeaudit bib` run the same checks and reporters as a draft:
the entries become unnumbered references (id = key) resolved to
themselves, so identifier and registry checks see the library's DOIs and
PMIDs, and every finding names the key and the line.
"""

from __future__ import annotations

from pathlib import Path

from citeaudit.model import Document, Library, Reference, Resolution, Span, Work


def library_document(library: Library) -> tuple[Document, dict[str, Resolution]]:
    """A format="bibtex" Document of the entries, and each entry's resolution by key."""
    references = tuple(
        Reference(number=None, id=entry.key, text=_summary(entry.work), span=Span(line=entry.span.line),
                  work=entry.work, key=entry.key)
        for entry in library.entries
    )
    resolutions = {
        entry.key: Resolution(reference=None, entry=entry, method="key", doi=entry.work.doi,
                              pmid=entry.work.pmid, pmcid=entry.work.pmcid)
        for entry in library.entries
    }
    path = library.paths[0] if library.paths else Path("library.bib")
    document = Document(path=path, format="bibtex", claims=(), references=references,
                        extras={"bib_paths": [str(p) for p in library.paths]})
    return document, resolutions


def _summary(work: Work) -> str:
    """A one-line description for reports: authors, year, title, journal."""
    authors = "; ".join(str(p) for p in work.authors[:3]) + ("; et al." if len(work.authors) > 3 else "")
    parts = [authors, str(work.year or ""), work.title or "", work.journal or ""]
    return ". ".join(p.rstrip(".") for p in parts if p)
