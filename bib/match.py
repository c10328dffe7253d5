"""Tie each reference-list entry to its library entry and identifiers."""

from __future__ import annotations

from citeaudit.model import Document, Library, Resolution


def resolve(document: Document, library: Library | None) -> dict[int | str, Resolution]:
    """Reference number (or id, when unnumbered) -> Resolution."""
    out: dict[int | str, Resolution] = {}
    for ref in document.references:
        entry = library.get(ref.key) if (library and ref.key) else None
        out[ref.number if ref.number is not None else ref.id] = Resolution(
            reference=ref.number, entry=entry, method="key" if entry else None,
            doi=ref.doi or (entry.work.doi if entry else None),
            pmid=ref.pmid or (entry.work.pmid if entry else None),
            pmcid=ref.pmcid or (entry.work.pmcid if entry else None))
    return out
