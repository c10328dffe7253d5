"""Hand-built documents and check contexts for the claim-support tests."""

from __future__ import annotations

import json
from pathlib import Path

import paths

from citeaudit.checks import CheckContext
from citeaudit.model import (
    Claim,
    Document,
    Library,
    LibraryEntry,
    Marker,
    Person,
    Record,
    RecordSet,
    Reference,
    Resolution,
    Span,
    Work,
)

DATA = paths.DATA / "support"


def fleming_record() -> Record:
    """The Fleming 2018 record assembled from seed 002 (not a registry response)."""
    raw = json.loads((DATA / "fleming2018_record.json").read_text(encoding="utf-8"))
    work = Work(title=raw["title"], authors=tuple(Person(f, g) for f, g in raw["authors"]),
                year=raw["year"], journal=raw["journal"], volume=raw["volume"], issue=raw["issue"],
                pages=raw["pages"], doi=raw["doi"])
    return Record(source=raw["source"], identifier=raw["identifier"], work=work,
                  abstract=raw["abstract"], publication_types=tuple(raw["publication_types"]))


def claim(id: int, text: str, *numbers: int, line: int | None = None) -> Claim:
    """A claim citing `numbers` with one bracket marker."""
    line = line or id
    marker = Marker(text="[" + ",".join(map(str, numbers)) + "]", numbers=numbers,
                    span=Span(line=line, column=len(text) + 1), style="bracket")
    return Claim(id=id, text=text, markers=(marker,), span=Span(line=line, column=1))


def context(claims: list[Claim], records: dict[int, Record | None], *,
            library: Library | None = None, extra: dict[tuple[str, str], Record] | None = None,
            ) -> CheckContext:
    """A context whose reference n has record `records[n]` (None: identifier, no record)."""
    references, resolutions, outcomes = [], {}, dict(extra or {})
    for number, record in records.items():
        doi = record.work.doi if record and record.work.doi else f"10.9999/ref{number}"
        pmid = record.identifier if record and record.source == "pubmed" else None
        references.append(Reference(number=number, id=str(number), text=f"ref {number}",
                                    span=Span(line=100 + number), work=Work(doi=doi, pmid=pmid)))
        resolutions[number] = Resolution(reference=number, entry=None, doi=doi, pmid=pmid)
        if record is not None:
            outcomes[(record.source, record.identifier.lower() if record.source == "crossref"
                      else record.identifier)] = record
    document = Document(path=Path("draft.md"), format="markdown", claims=tuple(claims),
                        references=tuple(references))
    return CheckContext(document=document, options=None, library=library, resolutions=resolutions,
                        records=RecordSet(outcomes=outcomes))


def pubmed_record(pmid: str, title: str, abstract: str, types: tuple[str, ...] = ("Journal Article",),
                  mesh: tuple[str, ...] = ()) -> Record:
    """A PubMed record with the fields the support checks read."""
    return Record(source="pubmed", identifier=pmid, work=Work(title=title, pmid=pmid),
                  abstract=abstract, publication_types=types, mesh_terms=mesh)


def library_of(*entries: tuple[str, str | None, str | None]) -> Library:
    """A library of (key, doi, pmid) entries."""
    return Library(paths=(Path("refs.bib"),), entries=tuple(
        LibraryEntry(key=k, entry_type="article", work=Work(doi=d, pmid=p), span=Span(line=1))
        for k, d, p in entries))
