"""Tie each reference-list entry to its library entry and identifiers.

A reference matches by the strongest evidence it has, in this order: the
library key the draft names (pandoc `[@key]`, a Word field's item), then
its DOI, then its PMID, then first author + year + title similarity. The
fuzzy step only accepts a clear winner: when two entries score alike the
resolution lists both as `candidates` and names none, and CA203 says the
match is ambiguous rather than guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from citeaudit.bib.compare import fold, same_person
from citeaudit.bib.refparse import parse_reference
from citeaudit.model import Document, Library, LibraryEntry, Reference, Resolution, Work

FUZZY_THRESHOLD = 85.0
"""Least title similarity (0-100) for a first-author + year match.

tests/bib/test_match.py measures it on the JATS corpus: a reference parsed
from its mixed-citation text scores at least this against its own tagged
fields in nearly every case, and no other reference of the same articles
does.
"""
TITLE_ONLY_THRESHOLD = 95.0
"""Least title similarity when the reference's first author or year is unknown."""
AMBIGUITY_MARGIN = 3.0
"""Candidates scoring within this of the best are equally good."""
MIN_TITLE = 12
"""Titles shorter than this ("Editorial", "Reply", "Trauma") match only when equal, with the
same first author and year."""


@dataclass(frozen=True, slots=True)
class Indexed:
    """A library entry with what fuzzy matching compares, folded once."""

    entry: LibraryEntry
    title: str
    family: str
    year: int | None


def resolve(document: Document, library: Library | None) -> dict[int | str, Resolution]:
    """Reference number (or id, when unnumbered) -> Resolution."""
    marker_keys = _marker_keys(document)
    index = Index(library) if library is not None else None
    out: dict[int | str, Resolution] = {}
    for ref in document.references:
        ident = ref.number if ref.number is not None else ref.id
        if index is None:
            resolution = Resolution(reference=ref.number, entry=None)
        else:
            keys = [k for k in (ref.key, *marker_keys.get(ref.number, ())) if k]
            resolution = index.match(ref, keys)
        out[ident] = _with_identifiers(resolution, ref)
    return out


def _with_identifiers(resolution: Resolution, ref: Reference) -> Resolution:
    work = resolution.entry.work if resolution.entry else Work()
    return Resolution(
        reference=ref.number, entry=resolution.entry, method=resolution.method,
        score=resolution.score, candidates=resolution.candidates,
        doi=ref.doi or work.doi, pmid=ref.pmid or work.pmid, pmcid=ref.pmcid or work.pmcid)


def _marker_keys(document: Document) -> dict[int | None, tuple[str, ...]]:
    """Library keys the text's markers give for each number (pandoc `[@a; @b]`)."""
    found: dict[int | None, list[str]] = {}
    for claim in document.claims:
        for marker in claim.markers:
            if marker.keys and len(marker.keys) == len(marker.numbers):
                for number, key in zip(marker.numbers, marker.keys, strict=True):
                    found.setdefault(number, []).append(key)
    return {n: tuple(dict.fromkeys(keys)) for n, keys in found.items()}


class Index:
    """The library indexed by key, DOI, PMID and (year) for fuzzy lookups."""

    def __init__(self, library: Library) -> None:
        self.by_key: dict[str, LibraryEntry] = {}
        self.by_key_folded: dict[str, LibraryEntry] = {}
        self.by_doi: dict[str, LibraryEntry] = {}
        self.by_pmid: dict[str, LibraryEntry] = {}
        self.items: list[Indexed] = []
        for entry in library.entries:
            self.by_key.setdefault(entry.key, entry)
            self.by_key_folded.setdefault(entry.key.lower(), entry)
            if entry.work.doi:
                self.by_doi.setdefault(entry.work.doi, entry)
            if entry.work.pmid:
                self.by_pmid.setdefault(entry.work.pmid, entry)
            self.items.append(Indexed(entry=entry, title=fold(entry.work.title or ""),
                                       family=_family(entry.work), year=entry.work.year))

    def match(self, ref: Reference, keys: Iterable[str]) -> Resolution:
        for key in keys:
            entry = self.by_key.get(key) or self.by_key_folded.get(key.lower())
            if entry is not None:
                return Resolution(reference=ref.number, entry=entry, method="key")
        if ref.doi and ref.doi in self.by_doi:
            return Resolution(reference=ref.number, entry=self.by_doi[ref.doi], method="doi")
        if ref.pmid and ref.pmid in self.by_pmid:
            return Resolution(reference=ref.number, entry=self.by_pmid[ref.pmid], method="pmid")
        return self.fuzzy(ref)

    def fuzzy(self, ref: Reference) -> Resolution:
        work, text = reference_work(ref), fold(ref.text)
        scored = sorted(((s, item) for item in self.items if (s := score(work, text, item)) is not None),
                        key=lambda pair: -pair[0])
        if not scored:
            return Resolution(reference=ref.number, entry=None)
        best = scored[0][0]
        tied = [item for s, item in scored if s >= best - AMBIGUITY_MARGIN]
        if len(tied) > 1:
            return Resolution(reference=ref.number, entry=None, method=None, score=round(best, 1),
                              candidates=tuple(i.entry.key for i in tied))
        return Resolution(reference=ref.number, entry=scored[0][1].entry, method="fuzzy",
                          score=round(best, 1))


def score(work: Work, text: str, item: Indexed) -> float | None:
    """Title similarity of an acceptable candidate, None when it is not one."""
    similarity = title_similarity(work, text, item)
    if similarity is None:
        return None
    known = bool(_family(work)) and work.year is not None and bool(item.family) and item.year is not None
    return similarity if similarity >= (FUZZY_THRESHOLD if known else TITLE_ONLY_THRESHOLD) else None


def title_similarity(work: Work, text: str, item: Indexed) -> float | None:
    """How alike the titles are (0-100), None when first author or year rule the entry out.

    A candidate must share the first author's family name and the year
    (one year apart is allowed: online-first versus print) when the
    reference gives them. `text` is the folded reference string: a
    misparsed title still contains the entry's title somewhere in it.
    """
    family, year = _family(work), work.year
    if family and item.family and not _same_family(family, item.family):
        return None
    if year is not None and item.year is not None and abs(year - item.year) > 1:
        return None
    title = fold(work.title or "")
    if len(item.title) < MIN_TITLE:
        # A short title ("Trauma", "R-project") only as itself, with the same first author and year.
        known = family and item.family and year is not None and item.year is not None
        return 100.0 if known and title == item.title else None
    similarity = fuzz.ratio(title, item.title) if title else 0.0
    in_text = fuzz.partial_ratio(item.title, text) if len(item.title) >= 20 else 0.0
    return max(similarity, in_text)


def reference_work(ref: Reference) -> Work:
    """The reference's fields: the reader's, else parsed from its text."""
    work = ref.work
    if work.title or work.authors or work.year or not ref.text:
        return work
    parsed = parse_reference(ref.text)
    return Work(title=parsed.title, authors=parsed.authors, year=parsed.year, journal=parsed.journal,
                volume=parsed.volume, issue=parsed.issue, pages=parsed.pages,
                doi=work.doi, pmid=work.pmid, pmcid=work.pmcid, kind=work.kind)


def _family(work: Work) -> str:
    first = work.first_author
    return fold(first.family) if first else ""


def _same_family(a: str, b: str) -> bool:
    """Same family name (citeaudit.bib.compare.same_person), for ruling candidates out."""
    return same_person(a, b)
